"""Photo intake: check an uploaded photo, read where and when it was taken, and re-encode it without
any metadata (DESIGN.md "Coordinates"; DOMAIN.md §3.5 rule 7 wants photos with geo-location as evidence,
while the stored file must not leak a phone's EXIF, XMP, ICC or comments to whoever downloads it).

Pure functions: bytes in, a `CleanImage` or `ImageRejected` out; no Django models, no file system."""

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext
from PIL import ExifTags, Image, ImageCms, ImageOps

MAX_IMAGE_BYTES = 10 * 1024 * 1024
# Decoded size guard. Phones store 12–50 MP by default; 64 MP decodes to ~256 MB as RGBA. Pillow's own
# MAX_IMAGE_PIXELS (about 89 MP; it only *warns* between 1× and 2×) applies as well when it is lower.
MAX_IMAGE_PIXELS = 64_000_000
JPEG_QUALITY = 88
WEBP_QUALITY = 88
# Photos without a time zone in their EXIF were taken on a phone set to local time (DESIGN.md "Time").
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class _Format:
    pillow: str  # Pillow's format name, also the only decoder Pillow may try
    content_type: str
    extension: str


JPEG = _Format("JPEG", "image/jpeg", "jpg")
PNG = _Format("PNG", "image/png", "png")
WEBP = _Format("WEBP", "image/webp", "webp")


@dataclass(frozen=True)
class CleanImage:
    content: bytes  # re-encoded image: no EXIF/XMP/ICC/comments, orientation applied
    content_type: str  # "image/jpeg" | "image/png" | "image/webp"
    extension: str  # "jpg" | "png" | "webp"
    width: int
    height: int
    gps: tuple[float, float] | None  # (lon, lat) WGS-84 from EXIF GPS, if present and valid
    taken_at: datetime | None  # EXIF DateTimeOriginal, aware (naive → Asia/Shanghai)


class ImageRejected(ValueError):
    """The upload is not a photo we accept. The message is a translated sentence for the user."""


def sniff(data: bytes) -> _Format | None:
    """The format by content (magic bytes) only; file names and client content types are not trusted."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_MAGIC):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def clean_image(data: bytes) -> CleanImage:
    """Check, read and re-encode an uploaded photo. Raises `ImageRejected` for anything else."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(
            gettext("The photo is larger than %(limit)d MB. Please send a smaller one.")
            % {"limit": MAX_IMAGE_BYTES // (1024 * 1024)}
        )
    fmt = sniff(data)
    if fmt is None:
        raise ImageRejected(gettext("Only JPEG, PNG and WebP photos are accepted."))
    try:
        return _decode_and_clean(data, fmt)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    # Decoders fed hostile bytes raise OSError, SyntaxError, ValueError, struct.error, EOFError,
    # IndexError… depending on where they choke; every one of them means "not a readable photo".
    except Exception as exc:
        raise ImageRejected(gettext("The photo could not be read; the file may be damaged or incomplete.")) from exc


def _too_many_pixels() -> ImageRejected:
    return ImageRejected(
        gettext("The photo has too many pixels (at most %(limit)d megapixels).")
        % {"limit": _pixel_limit() // 1_000_000}
    )


def _pixel_limit() -> int:
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return min(MAX_IMAGE_PIXELS, pillow_limit) if pillow_limit else MAX_IMAGE_PIXELS


def _decode_and_clean(data: bytes, fmt: _Format) -> CleanImage:
    with Image.open(io.BytesIO(data), formats=[fmt.pillow]) as opened:
        # Image.open only read the header: refuse a bomb before decoding a single pixel.
        if opened.width * opened.height > _pixel_limit():
            raise _too_many_pixels()
        opened.load()  # raises on truncated or corrupt data (LOAD_TRUNCATED_IMAGES stays False)
        icc = opened.info.get("icc_profile")
        transparency = opened.info.get("transparency")
        try:
            exif = opened.getexif()
        except Exception:  # noqa: BLE001 — unreadable metadata loses the metadata, not the photo
            exif = None
        if exif is None:
            gps, taken_at, image = None, None, opened.copy()
        else:
            gps, taken_at = gps_from_exif(exif), taken_at_from_exif(exif)
            image = ImageOps.exif_transpose(opened)
    image = _to_output_mode(image, fmt, icc)
    # Nothing of the source travels with the pixels: Pillow's PNG writer falls back to info["icc_profile"]
    # and its JPEG writer to info["comment"], so the info dict is emptied (palette/colour-key
    # transparency is pixel data in PNG and kept).
    image.info = {"transparency": transparency} if fmt is PNG and transparency is not None else {}
    out = io.BytesIO()
    if fmt is JPEG:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt is PNG:
        image.save(out, "PNG")
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY)
    return CleanImage(
        content=out.getvalue(),
        content_type=fmt.content_type,
        extension=fmt.extension,
        width=image.width,
        height=image.height,
        gps=gps,
        taken_at=taken_at,
    )


def _to_output_mode(image: Image.Image, fmt: _Format, icc: bytes | None) -> Image.Image:
    """Bring the pixels into sRGB (the ICC profile is dropped, so it is applied first where lcms can)
    and into a mode the output format stores."""
    if icc and image.mode in {"RGB", "RGBA", "CMYK"}:
        image = _to_srgb(image, icc)
    if fmt is JPEG:
        return image if image.mode in {"L", "RGB"} else image.convert("RGB")
    if fmt is WEBP:
        if image.mode in {"RGB", "RGBA"}:
            return image
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if image.mode in {"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"}:
        return image
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        converted = ImageCms.profileToProfile(
            image, io.BytesIO(icc), ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile is simply dropped; the colours stay as decoded
    return converted if converted is not None else image


# --- EXIF -------------------------------------------------------------------------------------------

_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4
_OFFSET_TIME_ORIGINAL = 0x9011


def gps_from_exif(exif: Image.Exif) -> tuple[float, float] | None:
    """(lon, lat) in decimal degrees from the EXIF GPS IFD, or None when missing or not plausible.

    Refs are required (a missing N/S or E/W cannot be guessed); degrees/minutes/seconds must be
    non-negative with minutes and seconds below 60; (0, 0) is what phones write without a fix."""
    try:
        gps: Mapping[int, Any] = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # noqa: BLE001 — a malformed GPS IFD means "no position", not a rejected photo
        return None
    lat = _degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), positive="N", negative="S", limit=90)
    lon = _degrees(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), positive="E", negative="W", limit=180)
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None
    return (lon, lat)


def _degrees(value: Any, ref: Any, *, positive: str, negative: str, limit: float) -> float | None:
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if not isinstance(ref, str):
        return None
    ref = ref.strip("\x00 ").upper()
    if ref not in {positive, negative}:
        return None
    parts = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(n) and n >= 0 for n in numbers) or any(n >= 60 for n in numbers[1:]):
        return None
    degrees = sum(n / 60**i for i, n in enumerate(numbers))
    if degrees > limit:
        return None
    return -degrees if ref == negative else degrees


def taken_at_from_exif(exif: Image.Exif) -> datetime | None:
    """EXIF DateTimeOriginal as an aware datetime: with OffsetTimeOriginal when the camera wrote one,
    else read as Asia/Shanghai local time. None when missing or malformed ("0000:00:00 00:00:00")."""
    try:
        ifd: Mapping[int, Any] = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:  # noqa: BLE001 — a malformed Exif IFD means "time unknown"
        return None
    raw = _text(ifd.get(ExifTags.Base.DateTimeOriginal))
    if raw is None:
        return None
    try:
        naive = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = _offset(_text(ifd.get(_OFFSET_TIME_ORIGINAL))) or LOCAL_TZ
    return naive.replace(tzinfo=zone)


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ") or None


def _offset(raw: str | None) -> tzinfo | None:
    """An EXIF offset "+08:00" / "-05:30" as a fixed zone."""
    if raw is None or len(raw) != 6 or raw[0] not in "+-" or raw[3] != ":":
        return None
    try:
        hours, minutes = int(raw[1:3]), int(raw[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes >= 60:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if raw[0] == "-" else delta)

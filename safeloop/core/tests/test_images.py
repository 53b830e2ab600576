"""Photo intake (safeloop.core.images): real images made by Pillow here, no fixtures on disk."""

import io
import struct
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, TiffImagePlugin

from safeloop.core.images import MAX_IMAGE_BYTES, CleanImage, ImageRejected, clean_image

SHANGHAI = ZoneInfo("Asia/Shanghai")
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
# 鹰潭 月湖区, roughly: 28°15'30" N, 117°03'00.5" E
YINGTAN_GPS = {1: "N", 2: (28.0, 15.0, 30.0), 3: "E", 4: (117.0, 3.0, 0.5)}
YINGTAN = (117 + 3 / 60 + 0.5 / 3600, 28 + 15 / 60 + 30 / 3600)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def two_halves(size=(40, 20), mode="RGB"):
    """Left half red, right half blue, so a rotation is visible in the pixels."""
    image = Image.new(mode, size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    return image


def noise(size=(256, 256)):
    return Image.frombytes("RGB", size, bytes((i * 7919 + i // 3) % 251 for i in range(size[0] * size[1] * 3)))


def encode(image, fmt, **params):
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


def phone_exif(*, gps=YINGTAN_GPS, orientation=None, taken="2026:03:01 08:30:00", offset=None):
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "SafePhone"
    if gps is not None:
        exif[ExifTags.IFD.GPSInfo] = gps
    sub = {}
    if taken is not None:
        sub[ExifTags.Base.DateTimeOriginal] = taken
    if offset is not None:
        sub[ExifTags.Base.OffsetTimeOriginal] = offset
    if sub:
        exif[ExifTags.IFD.Exif] = sub
    return exif


def reopen(clean: CleanImage) -> Image.Image:
    image = Image.open(io.BytesIO(clean.content))
    image.load()
    return image


def assert_no_metadata(clean: CleanImage) -> None:
    image = reopen(clean)
    exif = image.getexif()
    assert dict(exif) == {}
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    leaked = {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Raw profile type exif", "Comment"}
    assert leaked.isdisjoint(image.info), image.info
    assert b"SafePhone" not in clean.content
    assert b"Exif\x00\x00" not in clean.content
    assert b"secret" not in clean.content


# --- accepted photos ------------------------------------------------------------------------------


def test_a_phone_jpeg_is_rotated_located_dated_and_stripped():
    data = encode(
        two_halves(),
        "JPEG",
        exif=phone_exif(orientation=6),
        comment=b"secret comment",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>',
        icc_profile=SRGB_ICC,
    )

    clean = clean_image(data)

    assert (clean.content_type, clean.extension) == ("image/jpeg", "jpg")
    assert clean.gps == pytest.approx(YINGTAN)
    assert clean.taken_at == datetime(2026, 3, 1, 8, 30, tzinfo=SHANGHAI)
    assert_no_metadata(clean)
    # Orientation 6 = turn 90° clockwise to display: the red left half becomes the top half.
    image = reopen(clean)
    assert image.format == "JPEG"
    assert (clean.width, clean.height) == image.size == (20, 40)
    red, blue = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert red[0] > 200 and red[2] < 60
    assert blue[2] > 200 and blue[0] < 60


def test_orientation_and_metadata_are_handled_for_png_and_webp():
    for fmt, content_type, extension in (("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")):
        data = encode(two_halves(), fmt, exif=phone_exif(orientation=8), icc_profile=SRGB_ICC)
        clean = clean_image(data)
        assert (clean.content_type, clean.extension) == (content_type, extension)
        assert reopen(clean).format == fmt
        assert clean.gps == pytest.approx(YINGTAN)
        assert clean.taken_at == datetime(2026, 3, 1, 8, 30, tzinfo=SHANGHAI)
        assert (clean.width, clean.height) == (20, 40)
        # Orientation 8 = turn 90° counter-clockwise: the red left half ends at the bottom.
        assert reopen(clean).convert("RGB").getpixel((10, 35))[0] > 200
        assert_no_metadata(clean)


def test_png_text_chunks_are_dropped_and_transparency_kept():
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Comment", "secret note")
    text.add_itxt("XML:com.adobe.xmp", "<x>secret</x>")
    rgba = Image.new("RGBA", (8, 8), (0, 128, 0, 0))
    clean = clean_image(encode(rgba, "PNG", pnginfo=text))
    assert_no_metadata(clean)
    assert reopen(clean).mode == "RGBA"
    assert reopen(clean).getpixel((0, 0))[3] == 0

    palette = Image.new("P", (8, 8), 3)
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    palette.putpixel((7, 7), 1)
    clean = clean_image(encode(palette, "PNG", transparency=3))
    assert reopen(clean).mode == "P"
    assert reopen(clean).convert("RGBA").getpixel((0, 0))[3] == 0
    assert reopen(clean).convert("RGBA").getpixel((7, 7)) == (255, 0, 0, 255)


def test_a_photo_without_exif_has_no_position_or_time():
    clean = clean_image(encode(two_halves(), "JPEG"))
    assert clean.gps is None
    assert clean.taken_at is None
    assert (clean.width, clean.height) == (40, 20)


def test_a_cmyk_jpeg_becomes_rgb():
    clean = clean_image(encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG"))
    image = reopen(clean)
    assert image.mode == "RGB"
    assert image.getpixel((8, 8))[0] > 200


def test_southern_and_western_positions_are_negative():
    gps = {1: "S", 2: (33.0, 52.0, 4.0), 3: "W", 4: (70.0, 30.0, 0.0)}
    clean = clean_image(encode(two_halves(), "JPEG", exif=phone_exif(gps=gps)))
    assert clean.gps == pytest.approx((-70.5, -(33 + 52 / 60 + 4 / 3600)))


@pytest.mark.parametrize(
    "gps",
    [
        {1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (117.0, 0.0, 0.0)},  # latitude beyond 90
        {1: "N", 2: (28.0, 0.0, 0.0), 3: "E", 4: (181.0, 0.0, 0.0)},  # longitude beyond 180
        {1: "N", 2: (28.0, 75.0, 0.0), 3: "E", 4: (117.0, 0.0, 0.0)},  # 75 minutes
        {1: "N", 2: (28.0, 0.0, 61.0), 3: "E", 4: (117.0, 0.0, 0.0)},  # 61 seconds
        {2: (28.0, 15.0, 30.0), 3: "E", 4: (117.0, 3.0, 0.0)},  # no N/S
        {1: "X", 2: (28.0, 15.0, 30.0), 3: "E", 4: (117.0, 3.0, 0.0)},  # unknown ref
        {1: "N", 2: (28.0, 15.0, 30.0), 3: "E"},  # no longitude
        {1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)},  # phones' "no fix"
        {1: "N", 2: (TiffImagePlugin.IFDRational(28, 0), 0.0, 0.0), 3: "E", 4: (117.0, 0.0, 0.0)},  # x/0
    ],
)
def test_implausible_gps_is_ignored_silently(gps):
    clean = clean_image(encode(two_halves(), "JPEG", exif=phone_exif(gps=gps)))
    assert clean.gps is None
    assert clean.taken_at is not None  # the rest of the photo is fine
    assert_no_metadata(clean)


def test_taken_at_uses_the_cameras_offset_when_given():
    clean = clean_image(encode(two_halves(), "JPEG", exif=phone_exif(offset="-05:00")))
    assert clean.taken_at is not None
    assert clean.taken_at.utcoffset() == timedelta(hours=-5)
    assert clean.taken_at == datetime(2026, 3, 1, 21, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize("taken", ["0000:00:00 00:00:00", "", "yesterday", "2026:13:01 08:30:00"])
def test_a_malformed_time_is_ignored(taken):
    clean = clean_image(encode(two_halves(), "JPEG", exif=phone_exif(taken=taken)))
    assert clean.taken_at is None
    assert clean.gps == pytest.approx(YINGTAN)


# --- rejected uploads -----------------------------------------------------------------------------

ONLY = "Only JPEG, PNG and WebP photos are accepted."
UNREADABLE = "The photo could not be read; the file may be damaged or incomplete."


def rejected(data: bytes) -> str:
    with pytest.raises(ImageRejected) as caught:
        clean_image(data)
    return str(caught.value)


def test_other_formats_are_refused_by_content():
    assert rejected(encode(two_halves(), "GIF")) == ONLY
    assert rejected(encode(two_halves(), "BMP")) == ONLY
    assert rejected(encode(two_halves(), "TIFF")) == ONLY
    assert rejected(b"This is a text file someone named photo.jpg\n") == ONLY
    assert rejected(b"") == ONLY
    assert rejected(b"RIFF\x00\x00\x00\x00WAVEfmt ") == ONLY


def test_right_magic_but_not_an_image_is_unreadable():
    assert rejected(b"\xff\xd8\xff" + b"not really a jpeg" * 10) == UNREADABLE
    assert rejected(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40) == UNREADABLE
    assert rejected(b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20) == UNREADABLE


def test_a_truncated_jpeg_is_refused():
    data = encode(noise(), "JPEG", quality=95)
    assert rejected(data[: len(data) // 2]) == UNREADABLE


def test_a_truncated_png_is_refused():
    data = encode(noise(), "PNG")
    assert rejected(data[: len(data) // 2]) == UNREADABLE


def test_an_oversized_upload_names_the_limit():
    blob = b"\xff\xd8\xff" + bytes(11 * 1024 * 1024)
    assert len(blob) > MAX_IMAGE_BYTES
    message = rejected(blob)
    assert "10 MB" in message


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height: what a decompression bomb looks like to Image.open."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "size",
    [
        (9_000, 8_000),  # 72 MP: over our limit, under Pillow's warning threshold
        (100_000, 100_000),  # 10 GP: Pillow itself raises DecompressionBombError
    ],
)
def test_decompression_bombs_are_refused_before_decoding(size):
    assert "too many pixels" in rejected(png_header(*size))


# --- property ---------------------------------------------------------------------------------------

MAGICS = [b"", b"\xff\xd8\xff", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x01\x00\x00WEBP"]
SMALL_JPEG = encode(noise((16, 16)), "JPEG")
SMALL_PNG = encode(noise((16, 16)), "PNG")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.tuples(st.sampled_from(MAGICS), st.binary(max_size=2048)).map(lambda t: t[0] + t[1]),
        # a real image with a few bytes flipped reaches deep into the decoders
        st.tuples(
            st.sampled_from([SMALL_JPEG, SMALL_PNG]),
            st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
        ).map(lambda t: bytes(_flip(t[0], t[1]))),
    )
)
def test_arbitrary_bytes_give_a_clean_image_or_image_rejected(data):
    try:
        clean = clean_image(data)
    except ImageRejected as exc:
        message = str(exc)
        assert message
        return
    assert clean.content_type in {"image/jpeg", "image/png", "image/webp"}
    assert dict(reopen(clean).getexif()) == {}


def _flip(data: bytes, changes: list[tuple[int, int]]) -> bytearray:
    out = bytearray(data)
    for index, value in changes:
        out[index % len(out)] = value
    return out

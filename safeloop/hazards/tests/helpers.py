"""Shared bits for hazard tests: a real JPEG (optionally with EXIF GPS), and report payloads."""

import io
from typing import Any

from PIL import Image

# Inside the test city's 滨江社区 grid (360602001001001), where ent1's gas company lies.
GAS_POINT = {"lon": 117.036, "lat": 28.236}
# Inside 贵溪市's 花园社区 grid.
GUIXI_POINT = {"lon": 117.212, "lat": 28.292}


def jpeg(gps: tuple[float, float] | None = None, size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make: must be stripped
    if gps is not None:
        lon, lat = gps

        def dms(value: float) -> tuple[float, float, float]:
            degrees = int(value)
            minutes_full = (value - degrees) * 60
            minutes = int(minutes_full)
            return (float(degrees), float(minutes), round((minutes_full - minutes) * 60, 4))

        exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def report(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "燃气管道阀门锈蚀漏气",
        "sector": "gas",
        "description": "巡查发现调压箱旁阀门锈蚀，有燃气味。",
        **GAS_POINT,
    }
    body.update(overrides)
    return body

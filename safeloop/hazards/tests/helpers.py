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


def create(people: dict[str, Any], reporter: str = "grid1", **overrides: Any):
    """A hazard reported through the real service."""
    from safeloop.hazards.services import hazard_create

    return hazard_create(actor=people[reporter], data=report(**overrides)).hazard


def act(people: dict[str, Any], hazard: Any, username: str, action: str, **payload: Any):
    """One workflow action through the real service; returns the refreshed hazard."""
    from safeloop.hazards.services import hazard_transition

    hazard.refresh_from_db()
    return hazard_transition(actor=people[username], hazard=hazard, action=action, payload=payload)


def after_photo(people: dict[str, Any], hazard: Any, username: str = "ent1") -> str:
    from safeloop.hazards.services import photo_add

    return str(photo_add(actor=people[username], hazard=hazard, content=jpeg(), kind="after").uuid)


PLAN = {
    "goals": "消除储罐区超压风险",
    "methods": "加装压力监测与超限报警联锁",
    "funding": "专项资金30万元已落实",
    "organisation": "设备部牵头，安全科配合",
    "timeline": "60日内完成，分三个阶段",
    "safety_measures": "治理期间停止充装作业，落实应急预案",
    "situation": "储罐缺少压力监测，成因是早期设计缺陷",
    "severity": "可能导致超压泄漏，整改需停产改造",
}

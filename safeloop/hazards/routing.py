"""Routing at intake (issue 3 "Routing at intake", DOMAIN.md §2.1 三管三必须): from a point or an
enterprise to division, grid, territorial owner and industry department; default deadlines; nearby
open hazards that may be the same one."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from safeloop.core.cache import TtlCache
from safeloop.hazards import config
from safeloop.hazards.choices import OPEN_STATUSES
from safeloop.hazards.models import DeadlinePolicy, Hazard
from safeloop.orgs.models import Department, Division, Enterprise, FunctionalZone, Sector
from safeloop.orgs.selectors import grid_index, responsible_departments, territorial_owner


@dataclass(frozen=True)
class Routing:
    division_code: str
    grid_code: str | None
    territorial_division: str | None
    territorial_zone_id: int | None
    territorial_unit: str
    industry_department: Department | None


_cache = TtlCache()


def clear_cache() -> None:
    _cache.clear()


def industry_level(county_code: str) -> str:
    """Which level's department regulates a district's sector: the city's bureaus for the city's own
    districts (GB/T 2260 county digits 01–20, 市辖区), the county's for counties and county-level cities."""
    return "city" if 1 <= int(county_code[4:6] or 0) <= 20 else "county"


def _industry_department(sector_code: str, division_code: str) -> Department | None:
    county = division_code[:6]

    def compute() -> Department | None:
        levels = responsible_departments(sector_code=sector_code, division_code=division_code)
        preferred = industry_level(county)
        for level in (preferred, "county" if preferred == "city" else "city"):
            lead: Department | None = (levels.get(level) or {}).get("lead")
            if lead is not None:
                return lead
        return None

    return _cache.get_or_set(("dept", sector_code, county), compute)


def sector_codes() -> frozenset[str]:
    return _cache.get_or_set(("sectors",), lambda: frozenset(Sector.objects.values_list("code", flat=True)))


def _territory(division_code: str) -> tuple[str | None, int | None, str]:
    def compute() -> tuple[str | None, int | None, str]:
        owner = territorial_owner(division_code=division_code)
        if isinstance(owner, FunctionalZone):
            return division_code[:9], owner.pk, owner.managing_body or owner.name
        if isinstance(owner, Division):
            return owner.code, None, owner.name
        return None, None, ""

    return _cache.get_or_set(("territory", division_code[:9]), compute)


def locate(lon: float, lat: float) -> str | None:
    """The grid code a point lies in, or None outside every grid."""
    return grid_index(fresh=False).locate(lon, lat)


def route(*, sector_code: str, grid_code: str | None, division_code: str) -> Routing:
    territorial_division, zone_id, unit = _territory(division_code)
    return Routing(
        division_code=division_code,
        grid_code=grid_code,
        territorial_division=territorial_division,
        territorial_zone_id=zone_id,
        territorial_unit=unit,
        industry_department=_industry_department(sector_code, division_code),
    )


def route_enterprise(enterprise: Enterprise, sector_code: str) -> Routing:
    return route(sector_code=sector_code, grid_code=enterprise.grid_id, division_code=enterprise.division_id)


def default_due_at(*, level: str, sector_code: str, start: datetime | None = None) -> datetime:
    """start + the days the DeadlinePolicy table gives for (level, sector), else for the level."""

    def compute() -> dict[tuple[str, str | None], int]:
        return {(p.level, p.sector_id): p.days for p in DeadlinePolicy.objects.all()}

    table: dict[tuple[str, str | None], int] = _cache.get_or_set(("deadlines",), compute)
    days = table.get((level, sector_code)) or table.get((level, None)) or config.get("default_deadline_days")[level]
    return (start or timezone.now()) + timedelta(days=days)


def _degrees_for(metres: float, lat: float) -> tuple[float, float]:
    dlat = metres / 111_320.0
    dlon = metres / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return dlon, dlat


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def nearby_open(
    *, sector_code: str, lon: float, lat: float, exclude_id: int | None = None, base: QuerySet[Hazard] | None = None
) -> list[Hazard]:
    """Open hazards of the same sector within the configured radius and window, nearest first."""
    radius = float(config.get("duplicate_radius_m"))
    since = timezone.now() - timedelta(days=int(config.get("duplicate_window_days")))
    dlon, dlat = _degrees_for(radius, lat)
    qs = (base if base is not None else Hazard.objects.all()).filter(
        sector_id=sector_code,
        status__in=OPEN_STATUSES,
        reported_at__gte=since,
        lon__range=(lon - dlon, lon + dlon),
        lat__range=(lat - dlat, lat + dlat),
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    candidates = qs.select_related(None).only("id", "uuid", "code", "title", "status", "lon", "lat")[:50]
    found = [(haversine_m(lon, lat, h.lon, h.lat), h) for h in candidates]
    return [h for distance, h in sorted(found, key=lambda pair: pair[0]) if distance <= radius]

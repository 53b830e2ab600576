"""Reads for organisation data, all scoped by `scope_for(actor)`. Out-of-scope rows simply do not
exist for the caller: detail lookups raise DoesNotExist (→ 404), lists and counts leave them out."""

import threading
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from safeloop.core.geo import PolygonIndex
from safeloop.core.scoping import ScopeFields, scope_for
from safeloop.orgs.models import Department, Division, Enterprise, FunctionalZone, Grid, ResponsibilityRule, Sector


def _enterprise_sector_q(codes: frozenset[str]) -> Q:
    through = Enterprise.sectors.through
    return Q(Exists(through.objects.filter(enterprise_id=OuterRef("pk"), sector__code__in=codes)))


ENTERPRISE_SCOPE = ScopeFields(division="division_id", sector_q=_enterprise_sector_q, enterprise="pk", grid="grid_id")
# A grid code starts with its village code, so a division prefix selects grids directly.
GRID_SCOPE = ScopeFields(division="code", sector_q=lambda codes: Q(), grid="code")
DIVISION_SCOPE = ScopeFields(division="code", sector_q=lambda codes: Q())


def enterprise_list(*, actor: Any) -> QuerySet[Enterprise]:
    return scope_for(actor).filter(Enterprise.objects.all(), ENTERPRISE_SCOPE)


def enterprise_get(*, actor: Any, uuid: Any) -> Enterprise:
    return enterprise_list(actor=actor).select_related("division", "grid").prefetch_related("sectors").get(uuid=uuid)


def grid_list(*, actor: Any) -> QuerySet[Grid]:
    return scope_for(actor).filter(Grid.objects.all(), GRID_SCOPE)


def division_list(*, actor: Any) -> QuerySet[Division]:
    """Divisions inside the caller's territories, plus the ancestors that lead to them."""
    scope = scope_for(actor)
    if scope.system_wide:
        return Division.objects.all()
    inside = scope.q(DIVISION_SCOPE)
    ancestors: set[str] = set()
    for grant in scope.grants:
        code = grant.division_code or (grant.division_prefix or "")
        for length in (2, 4, 6, 9):
            if len(code) > length:
                ancestors.add(code[:length].ljust(6, "0"))
    return Division.objects.filter(inside | Q(code__in=ancestors))


def _reference_visible(actor: Any) -> bool:
    """Departments, sectors, zones and the responsibility map are the city's public directory:
    every user acting through a membership may read them; an outsider sees none."""
    scope = scope_for(actor)
    return scope.system_wide or bool(scope.grants)


def department_list(*, actor: Any) -> QuerySet[Department]:
    qs = Department.objects.select_related("division").prefetch_related("sectors")
    return qs if _reference_visible(actor) else qs.none()


def sector_list(*, actor: Any) -> QuerySet[Sector]:
    return Sector.objects.all() if _reference_visible(actor) else Sector.objects.none()


def zone_list(*, actor: Any) -> QuerySet[FunctionalZone]:
    qs = FunctionalZone.objects.prefetch_related("memberships__division")
    return qs if _reference_visible(actor) else qs.none()


def responsibility_list(*, actor: Any) -> QuerySet[ResponsibilityRule]:
    qs = ResponsibilityRule.objects.select_related("sector")
    return qs if _reference_visible(actor) else qs.none()


def responsible_departments(*, sector_code: str, division_code: str) -> dict[str, Any]:
    """三管三必须 resolution for a place: at each level, the lead and co-departments the map names,
    found among the departments of the city and of the district the place lies in."""
    result: dict[str, Any] = {}
    county_code = division_code[:6]
    city_code = division_code[:4] + "00"
    for rule in ResponsibilityRule.objects.filter(sector__code=sector_code):
        territory = city_code if rule.level == "city" else county_code
        departments = {d.function: d for d in Department.objects.filter(division_id=territory)}
        result[rule.level] = {
            "lead": departments.get(rule.lead_function),
            "co": [departments[f] for f in rule.co_functions if f in departments],
        }
    return result


def territorial_owner(*, division_code: str) -> Division | FunctionalZone | None:
    """属地: the township, or the functional zone managing it (DOMAIN.md §9.1)."""
    township_code = division_code[:9]
    membership = (
        FunctionalZone.objects.filter(memberships__division_id=township_code, memberships__relation__in=["entrusted", "acting"])
        .first()
    )
    if membership is not None:
        return membership
    return Division.objects.filter(code=township_code).first()


# ---- point → grid -------------------------------------------------------------------------------

_index_lock = threading.Lock()
_index: tuple[tuple[int, Any], PolygonIndex] | None = None


def _grid_version() -> tuple[int, Any]:
    stats = Grid.objects.aggregate(latest=Max("updated_at"))
    return (Grid.objects.count(), stats["latest"])


def grid_index() -> PolygonIndex:
    """The STRtree over all grids, rebuilt when a grid is added, changed or removed."""
    global _index
    version = _grid_version()
    with _index_lock:
        if _index is None or _index[0] != version:
            _index = (version, PolygonIndex(Grid.objects.values_list("code", "geometry").iterator()))
        return _index[1]


def grid_for_point(lon: float, lat: float) -> Grid | None:
    code = grid_index().locate(lon, lat)
    return Grid.objects.select_related("village").filter(code=code).first() if code else None

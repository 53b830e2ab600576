"""Reads for organisation data, all scoped by `scope_for(actor)`. Out-of-scope rows simply do not
exist for the caller: detail lookups raise DoesNotExist (→ 404), lists and counts leave them out."""

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.accounts.models import Membership
from safeloop.core.errors import FieldErrors
from safeloop.core.geo import PolygonIndex
from safeloop.core.scoping import ScopeFields, scope_for
from safeloop.orgs.models import (
    Department,
    Division,
    Enterprise,
    FunctionalZone,
    Grid,
    ResponsibilityRule,
    Sector,
    ZoneMembership,
)


def _enterprise_sector_q(codes: frozenset[str]) -> Q:
    through = Enterprise.sectors.through
    return Q(Exists(through.objects.filter(enterprise_id=OuterRef("pk"), sector__code__in=codes)))


ENTERPRISE_SCOPE = ScopeFields(
    division="division__code", sector_q=_enterprise_sector_q, enterprise="pk", grid="grid_id"
)
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


def sector_lookup() -> dict[str, str]:
    """Sector codes by code, Chinese name and lower-case English name, for reading spreadsheets."""
    lookup: dict[str, str] = {}
    for code, name_zh, name_en in Sector.objects.values_list("code", "name_zh", "name_en"):
        lookup[code] = lookup[name_zh] = lookup[name_en.lower()] = code
    return lookup


def zone_list(*, actor: Any) -> QuerySet[FunctionalZone]:
    qs = FunctionalZone.objects.prefetch_related("memberships__division")
    return qs if _reference_visible(actor) else qs.none()


def zone_get(*, actor: Any, code: str) -> FunctionalZone:
    return zone_list(actor=actor).select_related("parent_division").get(code=code)


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
    membership = FunctionalZone.objects.filter(
        memberships__division_id=township_code, memberships__relation__in=["entrusted", "acting"]
    ).first()
    if membership is not None:
        return membership
    return Division.objects.filter(code=township_code).first()


# ---- point → grid -------------------------------------------------------------------------------

_index_lock = threading.Lock()
_index: tuple[tuple[int, Any], PolygonIndex] | None = None


def _grid_version() -> tuple[int, Any]:
    stats = Grid.objects.aggregate(count=Count("pk"), latest=Max("updated_at"))
    return (stats["count"], stats["latest"])


_checked_at = 0.0
# Routing asks on every hazard report; other processes' grid edits show within this many seconds.
GRID_INDEX_RECHECK_SECONDS = 2.0


def grid_index(*, fresh: bool = True) -> PolygonIndex:
    """The STRtree over all grids, rebuilt when a grid is added, changed or removed. `fresh=False`
    skips the version query when it ran less than GRID_INDEX_RECHECK_SECONDS ago (hot paths)."""
    global _index, _checked_at
    now = time.monotonic()
    if not fresh and _index is not None and now - _checked_at < GRID_INDEX_RECHECK_SECONDS:
        return _index[1]
    version = _grid_version()
    with _index_lock:
        _checked_at = now
        if _index is None or _index[0] != version:
            _index = (version, PolygonIndex(Grid.objects.values_list("code", "geometry").iterator()))
        return _index[1]


def forget_grid_index() -> None:
    """Called after this process changed a grid, so its next lookup rebuilds at once."""
    global _index
    with _index_lock:
        _index = None


def grid_for_point(lon: float, lat: float) -> Grid | None:
    code = grid_index().locate(lon, lat)
    return Grid.objects.select_related("village").filter(code=code).first() if code else None


# ---- browsing: the division tree, grids with their workers, the responsibility map ------------------


def division_get(*, actor: Any, code: str) -> Division:
    return division_list(actor=actor).get(code=code)


def _stored_ancestors(code: str) -> list[str]:
    """A division code and the stored codes of its ancestors (province and city codes are padded to 6)."""
    codes = [code[:2] + "0000", code[:4] + "00", *(code[:n] for n in (6, 9, 12) if len(code) >= n)]
    return list(dict.fromkeys(codes))


@dataclass
class DivisionNode:
    division: Division
    grids: int = 0
    enterprises: int = 0
    children: list["DivisionNode"] = field(default_factory=list)
    zones: list[ZoneMembership] = field(default_factory=list)


@dataclass
class DivisionTree:
    roots: list[DivisionNode]
    zones: list[tuple[FunctionalZone, list[ZoneMembership]]]


def division_tree(*, actor: Any) -> DivisionTree:
    """The caller's divisions as a tree, each node counting the grids and enterprises inside it that
    the caller may see (counted from the scoped querysets, so nothing outside scope shows in a number).
    Functional zones are listed with only the member townships the caller's tree contains."""
    nodes = {d.code: DivisionNode(d) for d in division_list(actor=actor).order_by("code")}
    for village, n in grid_list(actor=actor).order_by().values_list("village_id").annotate(n=Count("pk")):
        for code in _stored_ancestors(village):
            if code in nodes:
                nodes[code].grids += n
    for division, n in enterprise_list(actor=actor).order_by().values_list("division_id").annotate(n=Count("pk")):
        for code in _stored_ancestors(division):
            if code in nodes:
                nodes[code].enterprises += n
    roots: list[DivisionNode] = []
    for node in nodes.values():
        parent = nodes.get(node.division.parent_id or "")
        (parent.children if parent else roots).append(node)
    zones: list[tuple[FunctionalZone, list[ZoneMembership]]] = []
    for zone in zone_list(actor=actor).order_by("name"):
        members = [m for m in zone.memberships.all() if m.division_id in nodes]
        if members or zone.parent_division_id in nodes:
            zones.append((zone, members))
            for membership in members:
                nodes[membership.division_id].zones.append(membership)
    return DivisionTree(roots=roots, zones=zones)


def grid_list_with_workers(*, actor: Any, division_code: str = "") -> QuerySet[Grid]:
    """The caller's grids (inside `division_code` when given; none for a division the caller cannot
    see) with their village and their active grid workers (`grid.workers`)."""
    workers = (
        Membership.objects.filter(role=Role.GRID_WORKER, user__is_active=True)
        .select_related("user")
        .order_by("user__real_name", "user__username")
    )
    grids = (
        grid_list(actor=actor)
        .select_related("village")
        .prefetch_related(Prefetch("memberships", queryset=workers, to_attr="workers"))
    )
    if division_code:
        division = division_list(actor=actor).filter(code=division_code).first()
        grids = grids.filter(code__startswith=division.prefix) if division else grids.none()
    return grids


def grid_get(*, actor: Any, code: str) -> Grid:
    return grid_list_with_workers(actor=actor).get(code=code)


@dataclass(frozen=True)
class ResponsibilityRow:
    rule: ResponsibilityRule
    lead: tuple[str, str]  # (function, department name)
    co: list[tuple[str, str]]


def _county_of(actor: Any) -> str | None:
    """The one district/county the caller works in, if there is exactly one."""
    scope = scope_for(actor)
    codes = {g.division_prefix[:6] for g in scope.grants if g.division_prefix and len(g.division_prefix) >= 6}
    codes |= {g.division_code[:6] for g in scope.grants if g.division_code}
    wider = any(g.division_prefix and len(g.division_prefix) < 6 for g in scope.grants)
    return codes.pop() if len(codes) == 1 and not wider and not scope.system_wide else None


def department_names(*, actor: Any) -> dict[tuple[str, str], str]:
    """(level, function) → the name to show for the department with that function at that level.
    County level: the caller's own district's department when the caller works in one district;
    otherwise the bureau's name without the district's (区应急管理局 → 应急管理局)."""
    names: dict[tuple[str, str], str] = {}
    own_county = _county_of(actor)
    for department in department_list(actor=actor).order_by("level", "division_id"):
        key = (department.level, department.function)
        if department.level == "county" and department.division_id != own_county:
            generic = department.name.removeprefix(department.division.name)
            names.setdefault(key, generic or department.name)
        elif department.level == "county":
            names[key] = department.name
        else:
            names.setdefault(key, department.name)
    return names


def department_functions(*, actor: Any) -> list[tuple[str, str]]:
    """Choices for a department function: (function, the city department's name)."""
    names = department_names(actor=actor)
    functions = {function: name for (level, function), name in names.items() if level == "county"}
    functions |= {function: name for (level, function), name in names.items() if level == "city"}
    return sorted(functions.items(), key=lambda item: item[1])


def responsibility_rows(*, actor: Any, rules: Iterable[ResponsibilityRule] | None = None) -> list[ResponsibilityRow]:
    """The 三管三必须 map with every function resolved to a department name."""
    names = department_names(actor=actor)
    rows = []
    for rule in responsibility_list(actor=actor) if rules is None else rules:
        level = str(rule.level)
        rows.append(
            ResponsibilityRow(
                rule=rule,
                lead=(rule.lead_function, names.get((level, rule.lead_function), rule.lead_function)),
                co=[(f, names.get((level, f), f)) for f in rule.co_functions],
            )
        )
    return rows


def responsibility_rule_get(*, actor: Any, sector_code: str, level: str) -> ResponsibilityRule:
    return responsibility_list(actor=actor).get(sector__code=sector_code, level=level)


# ---- API v1 lists and look-ups -------------------------------------------------------------------


def division_search(
    *, actor: Any, parent: str | None = None, level: int | None = None, q: str | None = None
) -> QuerySet[Division]:
    """The caller's divisions, narrowed to one parent's children, one level, or a name/code search."""
    divisions = division_list(actor=actor)
    if parent:
        divisions = divisions.filter(parent__code=parent)
    if level:
        divisions = divisions.filter(level=level)
    if q and q.strip():
        text = q.strip()
        divisions = divisions.filter(Q(name__icontains=text) | Q(code__startswith=text))
    return divisions.order_by("code")


def grid_search(*, actor: Any, division: str | None = None) -> QuerySet[Grid]:
    """The caller's grids with their workers, in code order; `division` keeps those inside it."""
    return grid_list_with_workers(actor=actor, division_code=(division or "").strip()).order_by("code")


def responsibility_resolve(*, actor: Any, sector_code: str, division_code: str) -> dict[str, Any]:
    """Who answers for a sector at a place: the territorial unit (属地) and, at city and county level,
    the lead and co-departments (三管三必须, DOMAIN.md §9.1, §9.3). Like the map, an outsider sees nothing."""
    if not _reference_visible(actor):
        raise ResponsibilityRule.DoesNotExist
    errors = FieldErrors()
    if not Sector.objects.filter(code=sector_code).exists():
        errors.add("sector", _("Unknown sector code: %(code)s") % {"code": sector_code})
    if not Division.objects.filter(code=division_code).exists():
        errors.add("division", _("This division code is not in the division tree."))
    errors.raise_if_any()
    levels = responsible_departments(sector_code=sector_code, division_code=division_code)
    return {
        "sector": sector_code,
        "division": division_code,
        "territorial_unit": territorial_owner(division_code=division_code),
        "city": levels.get("city"),
        "county": levels.get("county"),
    }

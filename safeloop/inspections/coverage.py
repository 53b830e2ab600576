"""Patrol coverage (issue 5 "Grid patrols"): the share of sites in each grid visited within N days, by
grid, township and district, with the last patrol and whether the grids' plan frequencies are met.

A site is an active enterprise with a grid; it counts as visited when a check-in at it is at most
`days` old (config "coverage_days"). Units are grid code prefixes (a grid code starts with its village
code): 6 district/county, 9 township/street, 12 village/community, or the grid itself, as on the
四色图 (risks/maps.py level_summary). Everything is read through the caller's grids: a division officer
sees the grids of its territory, a grid worker its own grid."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.core.errors import FieldErrors
from safeloop.inspections import config
from safeloop.inspections.models import PatrolCheckIn
from safeloop.orgs.depths import GRID, next_depth, parse_depth
from safeloop.orgs.models import Division, Enterprise, Grid
from safeloop.orgs.selectors import grid_list

MAX_DAYS = 3650
# Colours of a coverage percentage (Tabler palette): good, partial, poor, no sites.
GOOD, PARTIAL = 90.0, 60.0
COLOURS = {"good": "#2fb344", "partial": "#f59f00", "poor": "#d63939", "none": "#adb5bd"}


def colour_key(percent: float | None) -> str:
    if percent is None:
        return "none"
    if percent >= GOOD:
        return "good"
    return "partial" if percent >= PARTIAL else "poor"


@dataclass
class CoverageRow:
    code: str
    name: str
    total: int = 0  # sites
    visited: int = 0  # sites with a check-in at them within the window
    last_at: datetime | None = None  # the latest check-in anywhere in the unit
    grids: int = 0
    grids_met: int = 0  # grids whose last check-in is within their plan's frequency
    every_days: int | None = None  # grid rows only: the plan's frequency (None: plan switched off)
    link: str = ""

    @property
    def percent(self) -> float | None:
        return round(100 * self.visited / self.total, 1) if self.total else None

    @property
    def plan_met(self) -> bool | None:
        """All the unit's planned grids patrolled within their frequency (None: no planned grid)."""
        return self.grids_met == self.grids if self.grids else None

    @property
    def colour_key(self) -> str:
        return colour_key(self.percent)

    @property
    def colour(self) -> str:
        return COLOURS[self.colour_key]

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "visited": self.visited,
            "total": self.total,
            "percent": self.percent,
            "last_at": self.last_at,
            "plan_met": self.plan_met,
            "grids": self.grids,
            "grids_met": self.grids_met,
            "every_days": self.every_days,
        }


@dataclass
class Coverage:
    depth: int | str
    division: str
    days: int
    since: datetime
    rows: list[CoverageRow]
    total: CoverageRow


def parse_days(value: Any, errors: FieldErrors) -> int:
    if value in (None, ""):
        return int(config.get("coverage_days"))
    try:
        days = int(str(value).strip())
    except ValueError:
        errors.add("days", _("Enter a whole number."))
        return int(config.get("coverage_days"))
    if not 1 <= days <= MAX_DAYS:
        errors.add("days", _("Give 1 to %(max)s days.") % {"max": MAX_DAYS})
    return days


def division_prefix(code: str, errors: FieldErrors) -> str:
    """The grid-code prefix a division (or one grid) stands for; "" for the whole scope."""
    code = code.strip()
    if not code:
        return ""
    if len(code) == 15 and Grid.objects.filter(code=code).exists():
        return code
    division = Division.objects.filter(code=code).first()
    if division is None:
        errors.add("division", _("Unknown division: %(code)s") % {"code": code})
        return ""
    return division.prefix


def scoped_grids(actor: Any, prefix: str = "") -> QuerySet[Grid]:
    grids = grid_list(actor=actor)
    return grids.filter(code__startswith=prefix) if prefix else grids


def latest_visit() -> Subquery:
    """The latest check-in at the enterprise (OuterRef "pk")."""
    return Subquery(PatrolCheckIn.objects.filter(enterprise_id=OuterRef("pk")).order_by("-at").values("at")[:1])


def _unit(depth: int | str, grid_field: str) -> Any:
    return F(grid_field) if depth == GRID else Substr(grid_field, 1, int(depth))


def _unit_of(code: str, depth: int | str) -> str:
    return code if depth == GRID else code[: int(depth)]


def coverage(
    *, actor: Any, depth: Any = None, division: str = "", days: Any = None, now: datetime | None = None
) -> Coverage:
    """Coverage per unit at `depth` (default: the level below `division`) of the caller's grids inside
    `division`, over the last `days` days. Two GROUP BY queries (sites per unit, the latest check-in per grid),
    one for the grids with their plans and one for the units' names."""
    errors = FieldErrors()
    window = parse_days(days, errors)
    prefix = division_prefix(division, errors)
    chosen = parse_depth(depth)
    if depth not in (None, "") and chosen is None:
        errors.add("depth", _("Give 6, 9, 12 or grid."))
    errors.raise_if_any()
    level = chosen if chosen is not None else next_depth(division.strip())
    now = now or timezone.now()
    since = now - timedelta(days=window)
    grids = scoped_grids(actor, prefix)

    rows: dict[str, CoverageRow] = {}

    def row(code: str) -> CoverageRow:
        if code not in rows:
            rows[code] = CoverageRow(code=code, name="")
        return rows[code]

    # Sites and sites visited, per unit, in the database.
    sites = (
        Enterprise.objects.filter(active=True, grid__in=grids.values("code"))
        .annotate(last_visit=latest_visit())
        .annotate(unit=_unit(level, "grid_id"))
        .order_by()
        .values("unit")
        .annotate(total=Count("pk"), visited=Count("pk", filter=Q(last_visit__gte=since)))
    )
    for entry in sites:
        unit = row(entry["unit"])
        unit.total, unit.visited = entry["total"], entry["visited"]

    # The latest check-in per grid (for the plans and the units' last patrol).
    last_by_grid: dict[str, datetime] = dict(
        PatrolCheckIn.objects.filter(grid__in=grids.values("code"))
        .order_by()
        .values("grid_id")
        .annotate(last=Max("at"))
        .values_list("grid_id", "last")  # type: ignore[arg-type]
    )
    default_days = int(config.get("patrol_every_days"))
    planned = grids.order_by().values_list("code", "patrol_plan__every_days", "patrol_plan__active")
    for code, plan_days, plan_active in planned:  # a grid without a plan is patrolled at the default
        unit = row(_unit_of(code, level))
        every = default_days if plan_days is None else (plan_days if plan_active else None)
        last = last_by_grid.get(code)
        if last is not None and (unit.last_at is None or last > unit.last_at):
            unit.last_at = last
        if every is not None:
            unit.grids += 1
            if last is not None and last >= now - timedelta(days=every):
                unit.grids_met += 1
        if level == GRID:
            unit.every_days = every

    model: Any = Grid if level == GRID else Division
    names = dict(model.objects.filter(code__in=list(rows)).values_list("code", "name"))
    ordered = sorted(rows.values(), key=lambda r: r.code)
    for unit in ordered:
        unit.name = names.get(unit.code, unit.code)
    return Coverage(
        depth=level, division=division.strip(), days=window, since=since, rows=ordered, total=_total(ordered)
    )


def _total(rows: list[CoverageRow]) -> CoverageRow:
    total = CoverageRow(code="", name="")
    for unit in rows:
        total.total += unit.total
        total.visited += unit.visited
        total.grids += unit.grids
        total.grids_met += unit.grids_met
        if unit.last_at is not None and (total.last_at is None or unit.last_at > total.last_at):
            total.last_at = unit.last_at
    return total


def unvisited_sites(*, grid: Grid, days: int, now: datetime | None = None) -> QuerySet[Enterprise]:
    """The grid's active sites without a check-in at them in the last `days` days, annotated with their
    latest visit (None when never visited)."""
    since = (now or timezone.now()) - timedelta(days=days)
    return (
        Enterprise.objects.filter(active=True, grid=grid)
        .annotate(last_visit=latest_visit())
        .filter(Q(last_visit__isnull=True) | Q(last_visit__lt=since))
        .order_by("name")
    )

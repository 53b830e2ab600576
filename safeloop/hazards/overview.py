"""The hazard overview (隐患总览): the numbers a dashboard shows for the caller's scope (issue 3: ≤ 100 ms
p95 at 1M hazards on PostgreSQL and ≤ 1.2× the raw SQL computing the same numbers; `bench/overview.py`).

Open hazards are grouped live by (county, sector, status, level, escalation tier) through a partial
index that covers the query; closed, invalid and duplicate hazards — most of the history — come from
`HazardTally` (ADR 0003). Every figure on the page is summed from these rows in Python; district and
sector names come from a short-lived cache. Scopes or filters the tally cannot express read the
hazard table instead.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from safeloop.core.cache import TtlCache
from safeloop.core.filtering import filter_or_raise
from safeloop.core.scoping import ScopeFields, scope_for
from safeloop.hazards.choices import FINAL_STATUSES, OPEN_STATUSES, EscalationTier, HazardLevel, HazardStatus
from safeloop.hazards.filters import HazardFilterSet
from safeloop.hazards.models import Hazard, HazardTally
from safeloop.hazards.selectors import hazard_scope_q
from safeloop.orgs.models import Division, Sector

# Statuses that never entered the loop: not yet judged, judged not a hazard, or merged into another.
NOT_IN_LOOP = frozenset({HazardStatus.REPORTED, HazardStatus.INVALID, HazardStatus.DUPLICATE})
TIERS: tuple[int, ...] = tuple(EscalationTier.values)


@dataclass(frozen=True)
class Group:
    """One row of the aggregate: the hazards sharing a district, sector, status, level and escalation
    tier; `past_due` counts those whose due time has passed (they are overdue when the status is open)."""

    county_code: str
    sector: str
    status: str
    level: str
    tier: int
    count: int
    past_due: int


@dataclass
class DistrictRow:
    code: str
    name: str
    by_status: dict[str, int] = field(default_factory=dict)
    total: int = 0
    open: int = 0
    overdue: int = 0


@dataclass
class SectorRow:
    code: str
    name: str
    open: int = 0
    closed: int = 0
    total: int = 0


@dataclass
class Overview:
    """What the overview page, its API and the benchmark show. Definitions:

    - `total`: hazards in scope and filters, every status.
    - `open`: status in OPEN_STATUSES (anything but closed, invalid, duplicate).
    - `closed`: status `closed` (invalid and duplicate reports are neither open nor closed).
    - `overdue`: open and `due_at` before `now` (DOMAIN.md §3.3: overdue is derived, not a state);
      `overdue_by_tier` splits them by the escalation tier they have reached (0 = not escalated).
    - `major_open`: open and level `major`.
    - `in_loop`: hazards that entered the loop — every status except reported, invalid, duplicate.
    - `rectification_rate`: closed ÷ in_loop (0.0 – 1.0), None when in_loop is 0. Closed hazards are
      part of the denominator, so a scope where everything confirmed has been closed scores 1.0.
    """

    now: datetime
    total: int = 0
    open: int = 0
    closed: int = 0
    overdue: int = 0
    major_open: int = 0
    in_loop: int = 0
    overdue_by_tier: dict[int, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    districts: list[DistrictRow] = field(default_factory=list)
    sectors: list[SectorRow] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def rectification_rate(self) -> float | None:
        return self.closed / self.in_loop if self.in_loop else None

    @property
    def statuses(self) -> list[str]:
        """The statuses that occur, in workflow order (the table's columns)."""
        return [s for s in HazardStatus.values if self.by_status.get(s)]

    def numbers(self) -> dict[str, Any]:
        """The figures without names or labels: what the benchmark compares with its raw SQL."""
        return {
            "total": self.total,
            "open": self.open,
            "closed": self.closed,
            "overdue": self.overdue,
            "major_open": self.major_open,
            "in_loop": self.in_loop,
            "overdue_by_tier": dict(self.overdue_by_tier),
            "by_status": {s: n for s, n in self.by_status.items() if n},
            "district_status": {d.code: {s: n for s, n in d.by_status.items() if n} for d in self.districts if d.total},
            "sectors": {s.code: (s.open, s.closed, s.total) for s in self.sectors},
        }


def overview_queryset(*, actor: Any, filters: Mapping[str, Any] | None = None, now: datetime | None = None) -> Any:
    """The live aggregate over the hazard table (a values() queryset); `summarise` sums its rows.

    Status and tier are group keys, so the only conditional count is "due time passed": whether that
    means overdue follows from the group's status, in Python. Per row the database does one
    comparison, not a status list per tier."""
    now = now or timezone.now()
    qs = Hazard.objects.filter(hazard_scope_q(actor))
    if filters:
        qs = filter_or_raise(HazardFilterSet, filters, qs)
    return (
        qs.order_by()
        .values("county_code", "sector_id", "status", "level", "escalation_tier")
        .annotate(n=Count("*"), past_due=Count("due_at", filter=Q(due_at__lt=now)))
    )


def _live_groups(qs: Any) -> list[Group]:
    return [
        Group(county_code=c, sector=str(s), status=st, level=lv, tier=t, count=n, past_due=p)
        for c, s, st, lv, t, n, p in qs.values_list(
            "county_code", "sector_id", "status", "level", "escalation_tier", "n", "past_due"
        )
    ]


# District and sector names change rarely; the overview reads them from here (a minute at most stale).
_names = TtlCache()


def clear_cache() -> None:
    _names.clear()


# Filters the tally can answer; any other filter (text, source, dates, enterprise, grid…) reads live.
TALLY_FILTERS = frozenset({"sector", "level", "division", "status", "open"})


TALLY_SCOPE = ScopeFields(
    division="township_code", sector_q=lambda codes: Q(sector_id__in=codes), department="department_key"
)


def _tally_scope_q(actor: Any) -> Q | None:
    """The actor's scope over tally rows, or None when it cannot be said at township granularity
    (enterprise, grid or village grants: small scopes, read live instead)."""
    scope = scope_for(actor)
    if any(g.division_prefix is None or len(g.division_prefix) > 9 for g in scope.grants):
        return None
    return scope.q(TALLY_SCOPE)


def _tally_filter_q(filters: Mapping[str, Any]) -> Q | None:
    q = Q()
    for name, value in filters.items():
        if value in (None, "", []):
            continue
        if name not in TALLY_FILTERS:
            return None
        if name == "sector":
            q &= Q(sector_id=value)
        elif name == "level":
            q &= Q(level=value)
        elif name == "division":
            code = str(value).strip()
            prefix = code.rstrip("0") if len(code) <= 6 else code
            prefix += "0" if len(prefix) % 2 else ""
            if len(prefix) > 9:
                return None
            q &= Q(township_code__startswith=prefix)
        elif name == "status":
            q &= Q(status__in=value if isinstance(value, list | tuple) else [value])
        elif name == "open" and str(value).lower() in ("true", "1", "yes"):
            q &= Q(pk__in=[])  # final hazards are never open
    return q


def _tally_groups(tally_q: Q) -> list[Group]:
    rows = (
        HazardTally.objects.filter(tally_q, count__gt=0)
        .order_by()
        .values("county_code", "sector_id", "status", "level")
        .annotate(n=Sum("count"))
    )
    return [
        Group(
            county_code=row["county_code"],
            sector=str(row["sector_id"]),
            status=row["status"],
            level=row["level"],
            tier=0,
            count=row["n"],
            past_due=0,
        )
        for row in rows
    ]


def groups(*, actor: Any, filters: Mapping[str, Any] | None = None, now: datetime | None = None) -> list[Group]:
    """The aggregate rows. Open hazards are always counted live (a partial index covers them); final
    ones come from HazardTally when scope and filters allow, plus, live, the caller's own reports
    outside their territory (they see those too)."""
    filters = dict(filters or {})
    scope_q, filter_q = _tally_scope_q(actor), _tally_filter_q(filters)
    if scope_q is None or filter_q is None:
        return _live_groups(overview_queryset(actor=actor, filters=filters, now=now))
    now = now or timezone.now()
    live_open = overview_queryset(actor=actor, filters=filters, now=now).filter(status__in=OPEN_STATUSES)
    result = _live_groups(live_open) + _tally_groups(scope_q & filter_q)
    if not scope_for(actor).system_wide and getattr(actor, "is_authenticated", False):
        own = Hazard.objects.filter(reported_by=actor, status__in=FINAL_STATUSES).exclude(
            hazard_scope_q(actor, with_own_reports=False)
        )
        if filters:
            own = filter_or_raise(HazardFilterSet, filters, own)
        result += _live_groups(
            own.order_by()
            .values("county_code", "sector_id", "status", "level", "escalation_tier")
            .annotate(n=Count("*"), past_due=Count("due_at", filter=Q(due_at__lt=now)))
        )
    return result


def summarise(rows: list[Group], *, now: datetime) -> Overview:
    """The overview's figures from the aggregate rows (no database access)."""
    result = Overview(now=now)
    by_status: dict[str, int] = defaultdict(int)
    districts: dict[str, DistrictRow] = {}
    sectors: dict[str, SectorRow] = {}
    open_statuses = frozenset(OPEN_STATUSES)
    for row in rows:
        is_open = row.status in open_statuses
        is_closed = row.status == HazardStatus.CLOSED
        result.total += row.count
        by_status[row.status] += row.count
        if is_open:
            result.open += row.count
            if row.level == HazardLevel.MAJOR:
                result.major_open += row.count
        if is_closed:
            result.closed += row.count
        if row.status not in NOT_IN_LOOP:
            result.in_loop += row.count
        overdue = row.past_due if is_open else 0
        result.overdue += overdue
        result.overdue_by_tier[row.tier] = result.overdue_by_tier.get(row.tier, 0) + overdue

        district = districts.get(row.county_code) or districts.setdefault(
            row.county_code, DistrictRow(code=row.county_code, name=row.county_code)
        )
        district.by_status[row.status] = district.by_status.get(row.status, 0) + row.count
        district.total += row.count
        district.overdue += overdue
        if is_open:
            district.open += row.count

        sector = sectors.get(row.sector) or sectors.setdefault(row.sector, SectorRow(code=row.sector, name=row.sector))
        sector.total += row.count
        if is_open:
            sector.open += row.count
        if is_closed:
            sector.closed += row.count
    result.by_status = dict(by_status)
    result.districts = [districts[code] for code in sorted(districts)]
    result.sectors = list(sectors.values())
    return result


def hazard_overview(*, actor: Any, filters: Mapping[str, Any] | None = None, now: datetime | None = None) -> Overview:
    """The overview of the hazards `actor` may see (exactly `selectors.hazard_list(actor=)`), narrowed by
    `filters` (HazardFilterSet parameters; a bad value raises FieldErrors). At most three queries,
    whatever the data: open hazards, the tally, the caller's own reports elsewhere (plus the names
    once a minute)."""
    now = now or timezone.now()
    result = summarise(groups(actor=actor, filters=filters, now=now), now=now)
    names = _names.get_or_set("counties", lambda: dict(Division.objects.filter(level=6).values_list("code", "name")))
    for district in result.districts:
        district.name = names.get(district.code, district.code)
    sectors = _names.get_or_set("sectors", lambda: list(Sector.objects.all()))
    known = {s.code: s for s in sectors}
    order = {s.code: i for i, s in enumerate(sectors)}
    for row in result.sectors:
        if row.code in known:
            row.name = known[row.code].name  # in the reader's language
    result.sectors.sort(key=lambda s: (order.get(s.code, len(order)), s.code))
    return result

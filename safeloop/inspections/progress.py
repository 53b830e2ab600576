"""Live progress of a 大排查大整治 campaign: sites targeted and inspected, hazards found, rectified
(closed) and overdue (open past their due time), in total, by division (district → township → village
by code prefix, like risks/maps.py level_summary) and by sector. Every number is a GROUP BY in the
database; with `actor`, only the targets and hazards inside the caller's scope are counted."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from safeloop.core.scoping import ScopeFields, scope_for
from safeloop.hazards.choices import OPEN_STATUSES, HazardStatus
from safeloop.inspections.models import Campaign, CampaignHazard, CampaignTarget
from safeloop.orgs.models import Division, Sector

NUMBERS = ("targeted", "inspected", "hazards", "rectified", "overdue")
DEPTHS = (6, 9, 12)
TARGET_SCOPE = ScopeFields(
    division="division__code", sector_q=lambda codes: Q(sector_id__in=codes), enterprise="enterprise_id", grid="grid_id"
)
HAZARD_SCOPE = ScopeFields(
    division="division__code",
    sector_q=lambda codes: Q(sector_id__in=codes),
    enterprise="hazard__enterprise_id",
    grid="hazard__grid_id",
)


@dataclass
class ProgressRow:
    code: str
    name: str = ""
    targeted: int = 0
    inspected: int = 0
    hazards: int = 0
    rectified: int = 0
    overdue: int = 0
    link: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def inspected_pct(self) -> int | None:
        return percent(self.inspected, self.targeted)

    @property
    def rectified_pct(self) -> int | None:
        return percent(self.rectified, self.hazards)

    @classmethod
    def of(cls, code: str, numbers: dict[str, int]) -> "ProgressRow":
        return cls(code=code, **{name: int(numbers[name]) for name in NUMBERS})  # type: ignore[arg-type]

    def numbers(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in NUMBERS}


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _targets(campaigns: Iterable[Campaign] | Campaign, actor: Any) -> QuerySet[CampaignTarget]:
    qs = CampaignTarget.objects.order_by()
    qs = qs.filter(campaign=campaigns) if isinstance(campaigns, Campaign) else qs.filter(campaign__in=campaigns)
    return scope_for(actor).filter(qs, TARGET_SCOPE) if actor is not None else qs


def _hazards(campaigns: Iterable[Campaign] | Campaign, actor: Any) -> QuerySet[CampaignHazard]:
    qs = CampaignHazard.objects.order_by()
    qs = qs.filter(campaign=campaigns) if isinstance(campaigns, Campaign) else qs.filter(campaign__in=campaigns)
    return scope_for(actor).filter(qs, HAZARD_SCOPE) if actor is not None else qs


def _target_counts() -> dict[str, Any]:
    return {"targeted": Count("pk"), "inspected": Count("pk", filter=Q(first_inspected_at__isnull=False))}


def _hazard_counts() -> dict[str, Any]:
    return {
        "hazards": Count("pk"),
        "rectified": Count("pk", filter=Q(hazard__status=HazardStatus.CLOSED)),
        "overdue": Count("pk", filter=Q(hazard__status__in=OPEN_STATUSES, hazard__due_at__lt=timezone.now())),
    }


def _grouped(unit: Any, targets: QuerySet[Any], hazards: QuerySet[Any]) -> dict[str, ProgressRow]:
    """Two GROUP BYs (targets, hazards) merged by unit."""
    rows: dict[str, ProgressRow] = {}
    for entry in targets.annotate(unit=unit).values("unit").annotate(**_target_counts()):
        row = rows.setdefault(str(entry["unit"] or ""), ProgressRow(code=str(entry["unit"] or "")))
        row.targeted, row.inspected = entry["targeted"], entry["inspected"]
    for entry in hazards.annotate(unit=unit).values("unit").annotate(**_hazard_counts()):
        row = rows.setdefault(str(entry["unit"] or ""), ProgressRow(code=str(entry["unit"] or "")))
        row.hazards, row.rectified, row.overdue = entry["hazards"], entry["rectified"], entry["overdue"]
    return rows


def campaign_progress(campaign: Campaign, *, actor: Any = None) -> dict[str, int]:
    """The campaign's totals: {"targeted", "inspected", "hazards", "rectified", "overdue"}."""
    totals = _targets(campaign, actor).aggregate(**_target_counts())
    totals |= _hazards(campaign, actor).aggregate(**_hazard_counts())
    return {name: int(totals[name] or 0) for name in NUMBERS}


def progress_by_campaign(campaigns: Iterable[Campaign], *, actor: Any = None) -> dict[int, dict[str, int]]:
    """Totals of many campaigns in two queries (a list page or the API list), by campaign pk."""
    campaigns = list(campaigns)
    rows = _grouped(F("campaign_id"), _targets(campaigns, actor), _hazards(campaigns, actor))
    return {c.pk: rows[str(c.pk)].numbers() if str(c.pk) in rows else dict.fromkeys(NUMBERS, 0) for c in campaigns}


def first_depth(campaign: Campaign) -> int:
    """A city campaign is read by district, a district one by township, a township one by village."""
    level = campaign.division.level
    return 6 if level < 6 else 9 if level < 9 else 12


def progress_by_division(
    campaign: Campaign, *, depth: int | None = None, within: str = "", actor: Any = None
) -> list[ProgressRow]:
    """One row per division at `depth` (code prefix length 6, 9 or 12), optionally only inside the
    division `within` (its code prefix), ordered by code; names from one more query."""
    depth = depth if depth in DEPTHS else first_depth(campaign)
    targets, hazards = _targets(campaign, actor), _hazards(campaign, actor)
    if within:
        targets = targets.filter(division__code__startswith=within)
        hazards = hazards.filter(division__code__startswith=within)
    rows = _grouped(Substr("division_id", 1, depth), targets, hazards)
    names = dict(Division.objects.filter(code__in=list(rows)).values_list("code", "name"))
    ordered = [rows[code] for code in sorted(rows)]
    for row in ordered:
        row.name = names.get(row.code, row.code)
    return ordered


def progress_by_sector(campaign: Campaign, *, actor: Any = None) -> list[ProgressRow]:
    rows = _grouped(F("sector_id"), _targets(campaign, actor), _hazards(campaign, actor))
    sectors = {s.code: s for s in Sector.objects.filter(code__in=list(rows))}
    ordered = sorted(rows.values(), key=lambda r: (sectors[r.code].position if r.code in sectors else 999, r.code))
    for row in ordered:
        row.name = sectors[row.code].name if row.code in sectors else row.code
    return ordered


def target_rows(campaign: Campaign, *, actor: Any = None) -> QuerySet[CampaignTarget]:
    """The campaign's sites with the number of hazards found at each (one query)."""
    found = (
        CampaignHazard.objects.filter(campaign=campaign, hazard__enterprise_id=OuterRef("enterprise_id"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        _targets(campaign, actor)
        .select_related("enterprise", "division", "sector", "grid", "task")
        .annotate(hazard_count=Coalesce(Subquery(found), 0))
        .order_by("division_id", "enterprise__name", "pk")
    )

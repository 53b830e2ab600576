"""API v1: the hazard overview (`GET /api/v1/hazards/overview`): the dashboard's figures for the caller's
scope, narrowed by the hazard list's filters. Definitions in `safeloop.hazards.overview.Overview`."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from safeloop.api.schemas import errors
from safeloop.hazards.overview import Overview, hazard_overview
from safeloop.hazards.schemas import HazardQuery

router = Router(tags=["hazards"])


class DistrictOut(Schema):
    code: str = Field(description="District/county code (6 digits).")
    name: str
    by_status: dict[str, int] = Field(description="Hazards per status (statuses with none are left out).")
    total: int
    open: int
    overdue: int


class SectorOut(Schema):
    code: str
    name: str
    open: int
    closed: int
    total: int


class OverviewOut(Schema):
    generated_at: datetime
    total: int
    open: int = Field(description="Every status except closed, invalid and duplicate.")
    closed: int
    overdue: int = Field(description="Open and past its due time.")
    major_open: int
    in_loop: int = Field(description="Hazards that entered the loop: every status except reported, invalid, duplicate.")
    rectification_rate: float | None = Field(description="closed ÷ in_loop (0–1); null when in_loop is 0.")
    overdue_by_tier: dict[str, int] = Field(
        description="Overdue hazards by escalation tier: 0 none, 1 township, 2 district, 3 city."
    )
    by_status: dict[str, int]
    districts: list[DistrictOut]
    sectors: list[SectorOut]


def overview_out(overview: Overview) -> dict[str, Any]:
    return {
        "generated_at": overview.now,
        "total": overview.total,
        "open": overview.open,
        "closed": overview.closed,
        "overdue": overview.overdue,
        "major_open": overview.major_open,
        "in_loop": overview.in_loop,
        "rectification_rate": overview.rectification_rate,
        "overdue_by_tier": {str(tier): n for tier, n in overview.overdue_by_tier.items()},
        "by_status": {status: overview.by_status[status] for status in overview.statuses},
        "districts": [
            {
                "code": d.code,
                "name": d.name,
                "by_status": {s: n for s, n in d.by_status.items() if n},
                "total": d.total,
                "open": d.open,
                "overdue": d.overdue,
            }
            for d in overview.districts
        ],
        "sectors": [vars(s) for s in overview.sectors],
    }


@router.get("/hazards/overview", response={200: OverviewOut, **errors(400, 401, 422)})
def hazard_overview_get(request: HttpRequest, query: Query[HazardQuery]) -> Any:
    """Counts by status × district and by sector, overdue (also by escalation tier), major open and the
    rectification rate, over the hazards the caller may see; the same filters as `GET /hazards`."""
    return overview_out(hazard_overview(actor=request.user, filters=query.model_dump(exclude_none=True)))

"""API v1 of the 大排查大整治 campaigns: the list with each campaign's progress (two queries for the
whole page, not one per campaign), one campaign with its progress by division and sector, and launching
one. Scope decides what exists (outside it → 404); the service decides what is allowed."""

from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from safeloop.api.schemas import Page, PageIn, errors
from safeloop.inspections import progress, selectors, services_campaigns
from safeloop.inspections.models import Campaign
from safeloop.inspections.schemas_campaigns import CampaignDetailOut, CampaignIn, CampaignOut

router = Router(tags=["campaigns"])


def _row(campaign: Campaign, numbers: dict[str, int]) -> dict[str, Any]:
    return {
        "id": campaign.uuid,
        "code": campaign.code,
        "name": campaign.name,
        "status": campaign.status,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "division_code": campaign.division_id,
        "sectors": [sector.code for sector in campaign.sectors.all()],
        "progress": numbers,
    }


@router.get("/campaigns", response={200: Page[CampaignOut], **errors(401, 422)})
def campaign_list(request: HttpRequest, page: Query[PageIn]) -> Any:
    """Campaigns whose territory overlaps the caller's, newest first, each with its progress counted
    inside the caller's scope."""
    campaigns = selectors.campaign_list(actor=request.user).prefetch_related("sectors").order_by("-starts_on", "code")
    count = campaigns.count()
    items = list(campaigns[page.offset : page.offset + page.limit])
    numbers = progress.progress_by_campaign(items, actor=request.user)
    return {"items": [_row(c, numbers[c.pk]) for c in items], "count": count}


def _detail(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    actor = request.user
    today = date.today()
    rows = _row(campaign, progress.campaign_progress(campaign, actor=actor))
    return rows | {
        "description": campaign.description,
        "templates": [f"{t.code}" for t in campaign.templates.all()],
        "target_filter": campaign.target_filter,
        "by_division": [
            {"code": r.code, "name": r.name, **r.numbers()}
            for r in progress.progress_by_division(campaign, actor=actor)
        ],
        "by_sector": [
            {"code": r.code, "name": r.name, **r.numbers()} for r in progress.progress_by_sector(campaign, actor=actor)
        ],
        "tasks": [
            {
                "id": t.uuid,
                "title": t.title,
                "division_code": t.division_id,
                "department": t.department.name if t.department else None,
                "assignee": t.assignee.username if t.assignee else None,
                "due_on": t.due_on,
                "status": t.status,
                "overdue": t.status == "open" and t.due_on < today,
            }
            for t in campaign.tasks.select_related("department", "assignee")
        ],
    }


@router.get("/campaigns/{uuid:campaign_id}", response={200: CampaignDetailOut, **errors(401, 404)})
def campaign_detail(request: HttpRequest, campaign_id: UUID) -> Any:
    campaign = selectors.campaign_list(actor=request.user).select_related("division").get(uuid=campaign_id)
    return _detail(request, campaign)


@router.post("/campaigns", response={201: CampaignDetailOut, **errors(400, 401, 403, 422)})
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Any:
    """Launch a campaign; `target_filter` takes the parameters of `GET /enterprises` (q, grid, sector,
    scale, flag, active), applied inside the campaign's division and sectors."""
    campaign = services_campaigns.campaign_create(actor=request.user, data=payload.model_dump())
    return Status(201, _detail(request, campaign))

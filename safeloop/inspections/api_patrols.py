"""API v1 for grid patrols: `POST /patrols/check-ins` (201 created, 200 when the client's id was seen
before), `GET /patrols/check-ins` and `GET /patrols/coverage`. Each endpoint parses, calls one service
or selector with `actor=`, and renders; scope decides what exists."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from safeloop.api.lists import paged
from safeloop.api.schemas import Page, PageIn, errors
from safeloop.core.errors import FieldErrors
from safeloop.inspections import coverage, selectors, services_patrols
from safeloop.inspections.models import PatrolCheckIn
from safeloop.inspections.schemas_patrols import CheckInIn, CheckInOut, CheckInQuery, CoverageOut, CoverageQuery

router = Router(tags=["patrols"])


def checkin_json(checkin: PatrolCheckIn) -> dict[str, Any]:
    enterprise = checkin.enterprise
    return {
        "id": checkin.uuid,
        "grid_code": checkin.grid_id,
        "grid_name": checkin.grid.name,
        "user": checkin.user.get_username(),
        "location": {"lon": checkin.lon, "lat": checkin.lat},
        "accuracy_m": checkin.accuracy_m,
        "distance_m": checkin.distance_m,
        "at": checkin.at,
        "enterprise_id": enterprise.uuid if enterprise else None,
        "enterprise_name": enterprise.name if enterprise else None,
        "note": checkin.note,
    }


def _day(value: str | None, name: str, errors: FieldErrors) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.add(name, _("Give a date as YYYY-MM-DD."))
        return None


def filter_checkins(checkins: QuerySet[PatrolCheckIn], params: dict[str, Any]) -> QuerySet[PatrolCheckIn]:
    """The patrol log's filters (shared by the page and the API): grid, user, days, site."""
    errors = FieldErrors()
    start = _day(params.get("date_from"), "date_from", errors)
    end = _day(params.get("date_to"), "date_to", errors)
    errors.raise_if_any()
    if grid := str(params.get("grid") or "").strip():
        checkins = checkins.filter(grid_id=grid)
    if user := str(params.get("user") or "").strip():
        checkins = checkins.filter(user__username=user)
    if enterprise := params.get("enterprise"):
        checkins = checkins.filter(enterprise__uuid=enterprise)
    if start:
        checkins = checkins.filter(at__date__gte=start)
    if end:
        checkins = checkins.filter(at__date__lte=end)
    return checkins


@router.post("/patrols/check-ins", response={200: CheckInOut, 201: CheckInOut, **errors(400, 401, 403, 409, 422)})
def checkin_create(request: HttpRequest, payload: CheckInIn) -> Any:
    """Check in on patrol. Grid workers check in in their own grid, district/township officers in the
    grids of their territory; a position farther than the allowed distance from the grid is refused
    (400, `location`, with the distance). Send the same client-made `id` again and the existing
    check-in is answered with 200; an `id` used by someone else is a 409."""
    checkin, created = services_patrols.check_in(actor=request.user, data=payload.model_dump(exclude_unset=True))
    row = selectors.checkin_list(actor=request.user).get(pk=checkin.pk)
    return Status(201 if created else 200, checkin_json(row))


@router.get("/patrols/check-ins", response={200: Page[CheckInOut], **errors(400, 401, 422)})
def checkin_list(request: HttpRequest, page: Query[PageIn], query: Query[CheckInQuery]) -> Any:
    """Check-ins in the caller's scope (and the caller's own), newest first."""
    checkins = filter_checkins(selectors.checkin_list(actor=request.user), query.model_dump(exclude_none=True))
    result = paged(checkins.order_by("-at", "-id"), page)
    result["items"] = [checkin_json(checkin) for checkin in result["items"]]
    return result


@router.get("/patrols/coverage", response={200: CoverageOut, **errors(400, 401, 422)})
def patrol_coverage(request: HttpRequest, query: Query[CoverageQuery]) -> Any:
    """Share of sites visited within `days` per district (depth 6), township (9), village (12) or grid
    of the caller's grids inside `division`, with the last patrol and whether the plans are met."""
    report = coverage.coverage(actor=request.user, depth=query.depth, division=query.division or "", days=query.days)
    items = [row.as_json() for row in report.rows]
    return {
        "depth": str(report.depth),
        "division": report.division,
        "days": report.days,
        "items": items,
        "count": len(items),
        "total": report.total.as_json(),
    }

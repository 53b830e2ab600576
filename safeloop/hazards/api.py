"""API v1 for hazards (DESIGN.md "Contracts"): report (with Idempotency-Key), list with the shared
FilterSet, detail with the caller's allowed actions, the timeline, actions, photos, the criteria
catalogue. Each endpoint parses, calls one service or selector with `actor=`, and renders."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status, UploadedFile

from safeloop.api.lists import paged
from safeloop.api.schemas import Page, PageIn, errors
from safeloop.core.errors import FieldErrors
from safeloop.core.filtering import filter_or_raise
from safeloop.hazards import deadlines, selectors, services
from safeloop.hazards.filters import HazardFilterSet
from safeloop.hazards.schemas import (
    ActionIn,
    CriteriaItemOut,
    EventOut,
    HazardCreatedOut,
    HazardCreateIn,
    HazardOut,
    HazardQuery,
    PenaltyIn,
    PhotoOut,
)
from safeloop.orgs.selectors import enterprise_get

router = Router(tags=["hazards"])


@router.post("/hazards", response={200: HazardCreatedOut, 201: HazardCreatedOut, **errors(400, 401, 403, 409, 422)})
def hazard_create(request: HttpRequest, payload: HazardCreateIn) -> Any:
    """Report a hazard. Routed from the point (or the enterprise) to its division, grid, territorial
    unit and industry department. With an `Idempotency-Key` header, repeating the same request returns
    the first hazard (200); the same key with another body is a 409."""
    key = (request.headers.get("Idempotency-Key") or "").strip()[:128]
    data = payload.model_dump(exclude_none=True, mode="json")
    intake = services.hazard_create(actor=request.user, data=data, idempotency_key=key)
    hazard = intake.hazard
    if not intake.created:  # a replay: read it back as the caller sees it now
        hazard = selectors.hazard_get(actor=request.user, uuid=hazard.uuid)
    else:
        hazard.has_pending_extension = False  # type: ignore[attr-defined]
    hazard.possible_duplicates = intake.nearby  # type: ignore[attr-defined]
    return Status(201 if intake.created else 200, hazard)


@router.get("/hazards", response={200: Page[HazardOut], **errors(400, 401, 422)})
def hazard_list(request: HttpRequest, page: Query[PageIn], query: Query[HazardQuery]) -> Any:
    """Hazards in the caller's scope, newest first; filters as on the hazard list page."""
    params = query.model_dump(exclude_none=True)
    qs = filter_or_raise(HazardFilterSet, params, selectors.hazard_list(actor=request.user))
    return paged(qs.select_related("criteria_item", "duplicate_of").order_by("-reported_at", "-id"), page)


@router.get("/hazards/criteria", response={200: Page[CriteriaItemOut], **errors(401)})
def criteria_list(request: HttpRequest, page: Query[PageIn], sector: str | None = None) -> Any:
    """The 重大事故隐患判定标准 catalogue (own wording, with source confidence)."""
    items = [
        {
            "code": item.code,
            "document": item.document.title,
            "sector": item.document.sector_id,
            "article": item.article,
            "judgement": item.judgement,
            "text": item.text_zh if (request.LANGUAGE_CODE or "").startswith("zh") else (item.text_en or item.text_zh),
            "confidence": item.confidence,
        }
        for item in selectors.criteria_items(sector_code=sector)
    ]
    return paged(items, page)


@router.get("/hazards/{uuid:hazard_id}", response={200: HazardOut, **errors(401, 404)})
def hazard_detail(request: HttpRequest, hazard_id: UUID) -> Any:
    return selectors.hazard_get(actor=request.user, uuid=hazard_id)


@router.get("/hazards/{uuid:hazard_id}/events", response={200: Page[EventOut], **errors(401, 404)})
def hazard_events(request: HttpRequest, hazard_id: UUID, page: Query[PageIn]) -> Any:
    hazard = selectors.hazard_get(actor=request.user, uuid=hazard_id)
    return paged(selectors.hazard_events(hazard=hazard), page)


@router.post(
    "/hazards/{uuid:hazard_id}/actions/{action}", response={200: HazardOut, **errors(400, 401, 403, 404, 409, 422)}
)
def hazard_action(request: HttpRequest, hazard_id: UUID, action: str, payload: ActionIn | None = None) -> Any:
    """Take one workflow action; `allowed_actions` on the hazard lists those open to the caller.
    403 names the reason an action is refused; 409 means another action moved the hazard first."""
    hazard = selectors.hazard_get(actor=request.user, uuid=hazard_id)
    body = payload.model_dump() if payload is not None else {}
    services.hazard_transition(actor=request.user, hazard=hazard, action=action, payload=body)
    return selectors.hazard_get(actor=request.user, uuid=hazard_id)


@router.get("/hazards/{uuid:hazard_id}/photos", response={200: list[PhotoOut], **errors(401, 404)})
def photo_list(request: HttpRequest, hazard_id: UUID) -> Any:
    hazard = selectors.hazard_get(actor=request.user, uuid=hazard_id)
    return list(selectors.hazard_photos(hazard=hazard))


@router.post("/hazards/{uuid:hazard_id}/photos", response={201: PhotoOut, **errors(400, 401, 403, 404, 422)})
def photo_upload(
    request: HttpRequest,
    hazard_id: UUID,
    file: File[UploadedFile],
    kind: Form[str] = "before",
    lon: Form[float | None] = None,
    lat: Form[float | None] = None,
) -> Any:
    """Upload a JPEG, PNG or WebP photo (≤ 10 MB) of kind `before` or `after`. Its position comes from
    EXIF GPS when none is given; every other EXIF field is stripped."""
    hazard = selectors.hazard_get(actor=request.user, uuid=hazard_id)
    if file.size and file.size > 10 * 1024 * 1024 + 1:
        raise FieldErrors.single("file", "≤ 10 MB")
    photo = services.photo_add(actor=request.user, hazard=hazard, content=file.read(), kind=kind, lon=lon, lat=lat)
    return Status(201, photo)


@router.post("/enterprises/{uuid:enterprise_id}/penalties", response={201: dict, **errors(400, 401, 403, 404, 422)})
def penalty_record(request: HttpRequest, enterprise_id: UUID, payload: PenaltyIn) -> Any:
    """Record an administrative penalty decision; reaching the 安全生产法 Art. 113 threshold while a
    major hazard is open alerts the city office."""
    enterprise = enterprise_get(actor=request.user, uuid=enterprise_id)
    penalty = deadlines.penalty_record(actor=request.user, enterprise=enterprise, data=payload.model_dump())
    alert = deadlines.closure_alert(enterprise)
    return Status(
        201,
        {
            "id": str(penalty.uuid),
            "closure_alert": [
                {"window_days": c.window_days, "count": c.count, "threshold": c.threshold} for c in alert
            ],
        },
    )

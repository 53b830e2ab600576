"""API v1 for checklists and inspections: `GET /checklists?sector=` (current versions with their items,
`all_versions=true` for every version), `GET /inspections` (scoped, paged, the list page's FilterSet) and
`GET /inspections/{id}` with its answers against the item texts of the version used."""

from typing import Any
from uuid import UUID

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Query, Router

from safeloop.api.lists import paged
from safeloop.api.schemas import PageIn, errors
from safeloop.core.filtering import filter_or_raise
from safeloop.inspections import selectors
from safeloop.inspections.forms_inspections import InspectionFilterSet
from safeloop.inspections.models import ChecklistItem, ChecklistTemplate, Inspection
from safeloop.inspections.schemas_checklists import (
    ChecklistPage,
    ChecklistQuery,
    InspectionDetailOut,
    InspectionOut,
    InspectionPage,
    InspectionQuery,
)

router = Router(tags=["inspections"])


def _item(item: ChecklistItem) -> ChecklistItem:
    item.criteria_item_code = item.criteria_item.code if item.criteria_item else None  # type: ignore[attr-defined]
    return item


@router.get("/checklists", response={200: ChecklistPage, **errors(400, 401, 422)})
def checklist_list(request: HttpRequest, query: Query[ChecklistQuery]) -> Any:
    """Checklist templates with their items, by sector and code; only current versions unless
    `all_versions=true`."""
    templates = ChecklistTemplate.objects.prefetch_related(
        Prefetch("items", queryset=ChecklistItem.objects.select_related("criteria_item").order_by("position"))
    ).order_by("sector__position", "code", "-version")
    if not query.all_versions:
        templates = templates.filter(is_current=True)
    if query.sector:
        templates = templates.filter(sector_id=query.sector)
    if query.code:
        templates = templates.filter(code=query.code)
    rows = []
    for template in templates:
        template.items_list = [_item(i) for i in template.items.all()]  # type: ignore[attr-defined]
        rows.append(
            {
                "uuid": template.uuid,
                "code": template.code,
                "version": template.version,
                "is_current": template.is_current,
                "sector_id": template.sector_id,
                "title": template.title,
                "description": template.description,
                "items": template.items_list,  # type: ignore[attr-defined]
            }
        )
    return {"items": rows, "count": len(rows)}


def _inspection_row(inspection: Inspection) -> Inspection:
    row: Any = inspection
    row.template_code = inspection.template.code
    row.template_version = inspection.template.version
    row.enterprise_uuid = inspection.enterprise.uuid if inspection.enterprise else None
    row.enterprise_name = inspection.enterprise.name if inspection.enterprise else None
    row.campaign_uuid = inspection.campaign.uuid if inspection.campaign else None
    return row


@router.get("/inspections", response={200: InspectionPage, **errors(400, 401, 422)})
def inspection_list(request: HttpRequest, page: Query[PageIn], query: Query[InspectionQuery]) -> Any:
    """Inspections in the caller's scope, newest first; filters as on the list page."""
    params = query.model_dump(exclude_none=True)
    rows = filter_or_raise(InspectionFilterSet, params, selectors.inspection_list(actor=request.user))
    result = paged(rows.order_by("-started_at", "-id"), page)
    result["items"] = [_inspection_row(i) for i in result["items"]]
    return result


@router.get("/inspections/{uuid:inspection_id}", response={200: InspectionDetailOut, **errors(401, 404)})
def inspection_detail(request: HttpRequest, inspection_id: UUID) -> Any:
    inspection = selectors.inspection_list(actor=request.user).filter(uuid=inspection_id).first()
    if inspection is None:
        raise Http404
    row: Any = _inspection_row(inspection)
    answers = {a.item_id: a for a in inspection.answers.select_related("hazard")}
    out: list[Any] = []
    for item in inspection.template.items.all():
        answer: Any = answers.get(item.pk)
        if answer is None:
            continue
        answer.item_position, answer.item_text = item.position, item.text
        answer.has_photo = bool(answer.photo_file)
        answer.hazard_code = answer.hazard.code if answer.hazard else None
        out.append(answer)
    return {**InspectionOut.model_validate(row).model_dump(by_alias=True), "answers": out}

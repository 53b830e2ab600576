"""The checklist library: current templates by sector, a template with its items and version history,
and the edit form (city office, department officers for their sectors, system administrator). Saving an
edit goes through services_checklists.checklist_save, which makes a new version once a template is used."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from safeloop.core.errors import FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.hazards.choices import HazardCategory, HazardLevel
from safeloop.inspections.choices import AnswerType
from safeloop.inspections.forms_inspections import ChecklistForm
from safeloop.inspections.models import ChecklistTemplate
from safeloop.inspections.services_checklists import checklist_save, may_edit_any, may_edit_sector
from safeloop.orgs.models import Sector
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.views import refused

BLANK_ROWS = 3
ROW_FIELDS = (
    "text",
    "basis",
    "answer_type",
    "hazard_level",
    "hazard_category",
    "criteria_item",
    "min_value",
    "max_value",
)
ROW_FLAGS = ("required", "finding_needs_photo", "finding_creates_hazard")


def _template_or_404(uuid: UUID) -> ChecklistTemplate:
    try:
        return ChecklistTemplate.objects.select_related("sector").get(uuid=uuid)
    except ChecklistTemplate.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def checklist_list(request: HttpRequest) -> HttpResponse:
    sector = request.GET.get("sector", "")
    templates = ChecklistTemplate.objects.filter(is_current=True).select_related("sector")
    if sector:
        templates = templates.filter(sector_id=sector)
    groups: dict[Sector, list[ChecklistTemplate]] = {}
    for template in templates.order_by("sector__position", "code"):
        groups.setdefault(template.sector, []).append(template)
    counts = {t.pk: t.items.count() for group in groups.values() for t in group}
    for group in groups.values():
        for template in group:
            template.item_count = counts[template.pk]  # type: ignore[attr-defined]
    return render(
        request,
        "inspections/checklist_list.html",
        {
            "groups": groups,
            "sectors": Sector.objects.order_by("position"),
            "chosen": sector,
            "may_create": may_edit_any(request.user),
        },
    )


@login_required
@require_GET
def checklist_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    template = _template_or_404(uuid)
    return render(
        request,
        "inspections/checklist_detail.html",
        {
            "template": template,
            "items": template.items.select_related("criteria_item"),
            "versions": ChecklistTemplate.objects.filter(code=template.code).order_by("-version"),
            "may_edit": template.is_current and may_edit_sector(request.user, template.sector_id),
            "used": template.inspections.count(),
        },
    )


def _rows_from_post(post: QueryDict) -> list[dict[str, Any]]:
    try:
        count = min(int(post.get("rows", "0")), 200)
    except ValueError:
        count = 0
    rows = []
    for index in range(count):
        row: dict[str, Any] = {name: post.get(f"item-{index}-{name}", "").strip() for name in ROW_FIELDS}
        if not row["text"]:
            continue  # an emptied row removes the item
        row.update({name: post.get(f"item-{index}-{name}") == "on" for name in ROW_FLAGS})
        rows.append(row)
    return rows


def _rows_of(template: ChecklistTemplate | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if template is not None:
        for item in template.items.select_related("criteria_item"):
            rows.append(
                {
                    "text": item.text,
                    "basis": item.basis,
                    "answer_type": item.answer_type,
                    "hazard_level": item.hazard_level,
                    "hazard_category": item.hazard_category,
                    "criteria_item": item.criteria_item.code if item.criteria_item else "",
                    "min_value": "" if item.min_value is None else item.min_value,
                    "max_value": "" if item.max_value is None else item.max_value,
                    "required": item.required,
                    "finding_needs_photo": item.finding_needs_photo,
                    "finding_creates_hazard": item.finding_creates_hazard,
                }
            )
    return rows


def _blank() -> dict[str, Any]:
    return {
        "text": "",
        "basis": "",
        "answer_type": AnswerType.YES_NO,
        "hazard_level": HazardLevel.GENERAL,
        "hazard_category": HazardCategory.THING,
        "criteria_item": "",
        "min_value": "",
        "max_value": "",
        "required": True,
        "finding_needs_photo": False,
        "finding_creates_hazard": True,
    }


@login_required
@require_http_methods(["GET", "POST"])
def checklist_edit(request: HttpRequest, uuid: UUID | None = None) -> HttpResponse:
    template = _template_or_404(uuid) if uuid else None
    actor = request.user
    allowed = may_edit_sector(actor, template.sector_id) if template else may_edit_any(actor)
    if not allowed or (template is not None and not template.is_current):
        return refused(request, _("Your role does not allow editing checklists of this sector."))
    sectors = Sector.objects.order_by("position")
    form = ChecklistForm(
        request.POST or None,
        sectors=sectors,
        creating=template is None,
        initial={"title": template.title, "description": template.description} if template else None,
    )
    rows = _rows_of(template)
    item_errors: list[dict[str, str]] = []
    if request.method == "POST":
        rows = _rows_from_post(request.POST)
        if form.is_valid():
            data = {**form.cleaned_data, "items": rows}
            try:
                saved = checklist_save(actor=actor, template=template, data=data)
            except NotAllowed as exc:
                return refused(request, str(exc))
            except FieldErrors as exc:
                apply_field_errors(form, FieldErrors([e for e in exc.errors if not e["field"].startswith("items")]))
                item_errors = [e for e in exc.errors if e["field"].startswith("items")]
            else:
                if template is not None and saved.pk != template.pk:
                    messages.success(request, _("Saved as version %(version)s.") % {"version": saved.version})
                else:
                    messages.success(request, _("Checklist saved."))
                return redirect(reverse("inspections:checklist_detail", args=[saved.uuid]))
    rows = rows + [_blank() for _ in range(BLANK_ROWS)]
    return render(
        request,
        "inspections/checklist_form.html",
        {
            "template": template,
            "form": form,
            "rows": rows,
            "item_errors": item_errors,
            "answer_types": AnswerType.choices,
            "levels": HazardLevel.choices,
            "categories": HazardCategory.choices,
            "used": template.inspections.count() if template else 0,
        },
        status=400 if request.method == "POST" else 200,
    )

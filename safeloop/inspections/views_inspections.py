"""Inspection pages: the scoped list (InspectionFilterSet), the start form, the answering page (phone
first: a card per item, big yes/no/NA buttons, camera input; a card saves on its own, by htmx or a plain
post), submit, and the record, which renders the answers against the item texts of the checklist version
the inspection was done with — editing the template later leaves it as it was."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeloop.accounts.choices import Role
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.core.scoping import scope_for
from safeloop.inspections import selectors
from safeloop.inspections.choices import InspectionStatus
from safeloop.inspections.forms_inspections import InspectionFilterSet, InspectionStartForm, InspectionSubmitForm
from safeloop.inspections.models import ChecklistItem, ChecklistTemplate, Inspection, InspectionAnswer
from safeloop.inspections.services_inspections import (
    inspection_answer,
    inspection_start,
    inspection_submit,
    kinds_for,
)
from safeloop.orgs import selectors as org_selectors
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.views import is_htmx, refused

PAGE_SIZE = 50
DRAFT_FIELDS = ("choice", "number", "text", "note")


def _inspection_or_404(request: HttpRequest, uuid: UUID) -> Inspection:
    found = selectors.inspection_list(actor=request.user).filter(uuid=uuid).first()
    if found is None:
        raise Http404
    return found


def _may_write(actor: Any, inspection: Inspection) -> bool:
    mine = inspection.inspector_id == getattr(actor, "pk", None) or Role.SYS_ADMIN in scope_for(actor).roles
    return mine and inspection.status == InspectionStatus.DRAFT


@login_required
@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    filterset = InspectionFilterSet(
        request.GET, selectors.inspection_list(actor=actor), sectors=org_selectors.sector_list(actor=actor)
    )
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(rows.order_by("-started_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/inspection_list.html",
        {"filter": filterset, "page": page, "may_start": bool(kinds_for(actor))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    kinds = kinds_for(actor)
    if not kinds:
        return refused(request, _("Your role does not allow inspections."))
    form = InspectionStartForm(
        request.POST or None,
        initial={key: request.GET[key] for key in ("template", "enterprise", "campaign") if key in request.GET},
        kinds=kinds,
        templates=ChecklistTemplate.objects.filter(is_current=True).select_related("sector"),
        enterprises=org_selectors.enterprise_list(actor=actor).order_by("name")[:500],
        campaigns=selectors.campaign_list(actor=actor).exclude(status="closed"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            inspection = inspection_start(actor=actor, data=form.cleaned_data)
        except NotAllowed as exc:
            form.add_error(None, str(exc))
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            return redirect(reverse("inspections:inspection_fill", args=[inspection.uuid]))
    return render(
        request, "inspections/inspection_start.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


def _cards(inspection: Inspection) -> list[dict[str, Any]]:
    answers = {a.item_id: a for a in inspection.answers.select_related("hazard")}
    return [
        {"item": item, "answer": answers.get(item.pk), "errors": {}, "draft": dict.fromkeys(DRAFT_FIELDS, "")}
        for item in inspection.template.items.select_related("criteria_item")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def inspection_fill(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The answering page. A POST saves one item (`item` = its position) and returns its card (htmx)
    or the page again."""
    inspection = _inspection_or_404(request, uuid)
    if not _may_write(request.user, inspection):
        return redirect(reverse("inspections:inspection_detail", args=[inspection.uuid]))
    cards = _cards(inspection)
    status = 200
    if request.method == "POST":
        try:
            position = int(request.POST.get("item", ""))
            card = next(c for c in cards if c["item"].position == position)
        except (ValueError, StopIteration):
            raise Http404 from None
        upload = request.FILES.get("photo")
        data: dict[str, Any] = {name: request.POST.get(name, "") for name in DRAFT_FIELDS}
        if upload is not None:
            data["photo"] = upload.read()
        try:
            card["answer"] = inspection_answer(actor=request.user, inspection=inspection, item=card["item"], data=data)
            card["saved"] = True
        except FieldErrors as exc:
            card["errors"] = {e["field"]: e["message"] for e in exc.errors}
            card["draft"] = {name: data[name] for name in DRAFT_FIELDS}
            status = 400
        except (NotAllowed, Conflict) as exc:
            return refused(request, str(exc))
        if is_htmx(request):
            return render(
                request,
                "inspections/inspection_item_card.html",
                {"card": card, "inspection": inspection},
                status=200 if status == 200 else 422,
            )
        if status == 200:
            return redirect(reverse("inspections:inspection_fill", args=[inspection.uuid]) + f"#item-{position + 1}")
    return render(
        request,
        "inspections/inspection_fill.html",
        {"inspection": inspection, "cards": cards, "submit_form": InspectionSubmitForm()},
        status=status,
    )


@login_required
@require_POST
def inspection_finish(request: HttpRequest, uuid: UUID) -> HttpResponse:
    inspection = _inspection_or_404(request, uuid)
    form = InspectionSubmitForm(request.POST)
    form.is_valid()
    try:
        hazards = inspection_submit(actor=request.user, inspection=inspection, data=form.cleaned_data)
    except (NotAllowed, Conflict) as exc:
        return refused(request, str(exc))
    except FieldErrors as exc:
        item_errors = [e for e in exc.errors if e["field"].startswith("item_")]
        apply_field_errors(form, FieldErrors([e for e in exc.errors if not e["field"].startswith("item_")]))
        return render(
            request,
            "inspections/inspection_fill.html",
            {"inspection": inspection, "cards": _cards(inspection), "submit_form": form, "item_errors": item_errors},
            status=400,
        )
    messages.success(request, _("Inspection submitted; %(count)s hazard(s) reported.") % {"count": len(hazards)})
    return redirect(reverse("inspections:inspection_detail", args=[inspection.uuid]))


@login_required
@require_GET
def inspection_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    inspection = _inspection_or_404(request, uuid)
    answers: dict[int, InspectionAnswer] = {a.item_id: a for a in inspection.answers.select_related("hazard")}
    items: list[ChecklistItem] = list(inspection.template.items.all())  # the version used, not the current one
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": inspection,
            "rows": [(item, answers.get(item.pk)) for item in items],
            "may_write": _may_write(request.user, inspection),
            "newer": not inspection.template.is_current,
        },
    )

"""Enterprise pages: the filtered list, the detail page and the add/edit forms. Writes go through
services.enterprise_create/enterprise_update, which validate and decide who may change what."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from safeloop.accounts.models import mask_phone
from safeloop.core.errors import FieldErrors
from safeloop.orgs import selectors, services
from safeloop.orgs.choices import EnterpriseFlag
from safeloop.orgs.forms import EnterpriseForm, apply_field_errors, enterprise_filterset
from safeloop.orgs.models import Enterprise
from safeloop.orgs.views import refused

PAGE_SIZE = 50
FLAG_LABELS = dict(EnterpriseFlag.choices)


def _enterprise_or_404(request: HttpRequest, uuid: Any) -> Enterprise:
    try:
        return selectors.enterprise_get(actor=request.user, uuid=uuid)
    except ObjectDoesNotExist:
        raise Http404 from None


def _flag_labels(flags: Any) -> list[str]:
    return [str(FLAG_LABELS.get(flag, flag)) for flag in flags or []]


@login_required
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    queryset = selectors.enterprise_list(actor=actor).select_related("division").prefetch_related("sectors")
    filterset = enterprise_filterset(
        request.GET,
        queryset,
        divisions=selectors.division_list(actor=actor).filter(level__lte=9),
        sectors=selectors.sector_list(actor=actor),
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(enterprise, _flag_labels(enterprise.flags)) for enterprise in page]
    return render(
        request,
        "orgs/enterprise_list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "can_add": bool(services.enterprise_editable_fields(actor, None)),
        },
    )


@login_required
@require_GET
def enterprise_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    enterprise = _enterprise_or_404(request, uuid)
    can_edit = bool(services.enterprise_editable_fields(request.user, enterprise))
    phones = {
        name: (value if can_edit else mask_phone(value))
        for name in ("principal_phone", "safety_officer_phone")
        if (value := getattr(enterprise, name))
    }
    grid = enterprise.grid
    grid_visible = grid is not None and selectors.grid_list(actor=request.user).filter(code=grid.code).exists()
    return render(
        request,
        "orgs/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "can_edit": can_edit,
            "phones": phones,
            "flags": _flag_labels(enterprise.flags),
            "grid_visible": grid_visible,
            "map_data": {
                "point": [enterprise.lon, enterprise.lat],
                "grid": grid.geometry if grid is not None else None,
                "label": enterprise.name,
            },
            "tile_url": settings.SAFELOOP_TILE_URL,
        },
    )


def _form_page(request: HttpRequest, form: EnterpriseForm, *, status: int = 200, refusal: str = "") -> HttpResponse:
    actor = request.user
    return render(
        request,
        "orgs/enterprise_form.html",
        {
            "form": form,
            "enterprise": form.enterprise,
            "refusal": refusal,
            "divisions": selectors.division_list(actor=actor).filter(level__gte=9),
            "tile_url": settings.SAFELOOP_TILE_URL,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request: HttpRequest) -> HttpResponse:
    editable = services.enterprise_editable_fields(request.user, None)
    if not editable:
        return refused(request, _("You may not add enterprises."))
    sectors = selectors.sector_list(actor=request.user)
    if request.method != "POST":
        return _form_page(request, EnterpriseForm(editable=editable, sectors=sectors))
    form = EnterpriseForm(request.POST, editable=editable, sectors=sectors)
    if not form.is_valid():
        return _form_page(request, form, status=422)
    try:
        enterprise = services.enterprise_create(actor=request.user, data=form.service_data())
    except services.NotAllowed as exc:
        return _form_page(request, form, status=403, refusal=str(exc))
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _form_page(request, form, status=422)
    messages.success(request, _("The enterprise %(name)s was added.") % {"name": enterprise.name})
    return redirect("orgs:enterprise_detail", uuid=enterprise.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request: HttpRequest, uuid: Any) -> HttpResponse:
    enterprise = _enterprise_or_404(request, uuid)
    editable = services.enterprise_editable_fields(request.user, enterprise)
    if not editable:
        return refused(request, _("You may not change this enterprise."))
    sectors = selectors.sector_list(actor=request.user)
    if request.method != "POST":
        return _form_page(request, EnterpriseForm(editable=editable, sectors=sectors, enterprise=enterprise))
    form = EnterpriseForm(request.POST, editable=editable, sectors=sectors, enterprise=enterprise)
    if not form.is_valid():
        return _form_page(request, form, status=422)
    data = form.service_data()
    if not data:
        messages.info(request, _("Nothing was changed."))
        return redirect("orgs:enterprise_detail", uuid=enterprise.uuid)
    try:
        services.enterprise_update(actor=request.user, enterprise=enterprise, data=data)
    except services.NotAllowed as exc:
        return _form_page(request, form, status=403, refusal=str(exc))
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _form_page(request, form, status=422)
    messages.success(request, _("The changes were saved."))
    return redirect("orgs:enterprise_detail", uuid=enterprise.uuid)

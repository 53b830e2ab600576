"""Report a hazard from a phone: a short form, the position from GPS (or typed, or a photo's EXIF),
photos from the camera, and an idempotency key rendered into the form so that a double tap or a
resend on a poor signal makes one hazard (services.hazard_report_with_photos)."""

import contextlib
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.hazards import selectors, services
from safeloop.hazards.forms import ReportForm
from safeloop.orgs import selectors as org_selectors
from safeloop.orgs.models import Enterprise
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.views import refused

# Up to this many of the caller's enterprises are offered in the select; more are found by search.
ENTERPRISE_CHOICES = 300
SEARCH_LIMIT = 50


def _enterprises(actor: Any) -> QuerySet[Enterprise]:
    return org_selectors.enterprise_list(actor=actor).filter(active=True).order_by("name")


def _enterprise_choices(actor: Any, selected: str = "") -> tuple[list[Enterprise], bool]:
    everyone = _enterprises(actor)
    shown = list(everyone[: ENTERPRISE_CHOICES + 1])
    more = len(shown) > ENTERPRISE_CHOICES
    shown = shown[:ENTERPRISE_CHOICES]
    if selected and not any(str(e.uuid) == selected for e in shown):
        with contextlib.suppress(ValueError):
            shown += list(everyone.filter(uuid=uuid.UUID(selected)))
    return shown, more


def _page(request: HttpRequest, form: ReportForm, *, more: bool, status: int = 200) -> HttpResponse:
    return render(
        request,
        "hazards/report.html",
        {"form": form, "search": more, "tile_url": settings.SAFELOOP_TILE_URL},
        status=status,
    )


def _form(request: HttpRequest, data: Any = None, files: Any = None) -> tuple[ReportForm, bool]:
    selected = str(data.get("enterprise_id") or "") if data is not None else ""
    enterprises, more = _enterprise_choices(request.user, selected)
    form = ReportForm(
        data,
        files,
        sectors=org_selectors.sector_list(actor=request.user),
        enterprises=enterprises,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    return form, more


@login_required
@require_http_methods(["GET", "POST"])
def hazard_report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form, more = _form(request)
        return _page(request, form, more=more)
    form, more = _form(request, request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, more=more, status=422)
    key = (form.cleaned_data.get("idempotency_key") or "").strip()
    try:
        intake = services.hazard_report_with_photos(
            actor=request.user,
            data=form.service_data(),
            photos=[upload.read() for upload in form.cleaned_data.get("photos") or []],
            idempotency_key=key,
        )
    except FieldErrors as exc:
        for error in exc.errors:
            if error["field"] == "location":
                form.location_errors.append(error["message"])
        exc.errors = [e for e in exc.errors if e["field"] != "location"]
        apply_field_errors(form, exc)
        return _page(request, form, more=more, status=422)
    except Conflict as exc:
        # The key was used for another report (edited after sending): this one needs a fresh key.
        data = request.POST.copy()
        data["idempotency_key"] = uuid.uuid4().hex
        form, more = _form(request, data)
        form.is_valid()
        form.add_error(None, str(exc))
        return _page(request, form, more=more, status=409)
    except NotAllowed as exc:
        return refused(request, str(exc))
    hazard = intake.hazard
    if intake.created:
        messages.success(request, _("Hazard %(code)s was reported.") % {"code": hazard.code})
        visible = selectors.hazard_list(actor=request.user).filter(pk__in=[h.pk for h in intake.nearby])
        codes = [h.code for h in visible]
        if codes:
            messages.warning(
                request,
                _("Possible duplicates nearby: %(codes)s. Check whether this is the same hazard.")
                % {"codes": "、".join(codes)},
            )
    else:
        messages.info(request, _("This report was already received as %(code)s.") % {"code": hazard.code})
    return redirect("hazards:detail", hazard_id=hazard.uuid)


@login_required
@require_GET
def enterprise_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the caller's enterprises matching ?q= (name, USCC or address), for the report form."""
    text = request.GET.get("q", "").strip()
    found = _enterprises(request.user)
    if text:
        found = found.filter(Q(name__icontains=text) | Q(uscc__iexact=text) | Q(address__icontains=text))
    return render(request, "hazards/_enterprise_options.html", {"enterprises": found[:SEARCH_LIMIT]})

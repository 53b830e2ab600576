"""The hazard's page: every field, its routing, the timeline, photos, the governance plan, extension
requests, possible duplicates nearby, and a form for each action the caller may take now. Actions post
to `hazard_action`, which calls services.hazard_transition; photos to `photo_upload` (services.photo_add)."""

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from safeloop.core.errors import FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.hazards import permissions, routing, selectors, services, workflow
from safeloop.hazards.choices import (
    FINAL_STATUSES,
    EscalationTier,
    ExtensionStatus,
    HazardLevel,
    HazardSource,
    ListingLevel,
    PhotoKind,
)
from safeloop.hazards.forms import ACTION_FORMS, PLAN_ALIASES, ActionForm, PhotoForm, action_form
from safeloop.hazards.models import GovernancePlan, Hazard, HazardEvent
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.views import refused

EVENT_LABELS: dict[str, Any] = {
    "report": gettext_lazy("Reported"),
    "escalate": gettext_lazy("Escalated"),
    "remind": gettext_lazy("Reminder sent"),
    "import": gettext_lazy("Imported from a ledger"),
    **{rule.action: rule.label for rule in reversed(workflow.RULES)},
}
# Event data worth showing on the timeline, with its label.
NOTABLE: dict[str, Any] = {
    "level": gettext_lazy("Level"),
    "criteria_item": gettext_lazy("Criteria item"),
    "duplicate_of": gettext_lazy("Duplicate of"),
    "photo_ids": gettext_lazy("Photos"),
    "parts": gettext_lazy("Plan parts"),
    "principal_name": gettext_lazy("Principal"),
    "suspended": gettext_lazy("Production suspended"),
    "listing_level": gettext_lazy("Listing level"),
    "supervising_unit": gettext_lazy("Supervising unit"),
    "listing_deadline": gettext_lazy("Deadline of the listing"),
    "acceptance_due_at": gettext_lazy("On-site review due"),
    "requested_due_at": gettext_lazy("Requested deadline"),
    "decision": gettext_lazy("Decision"),
    "due_at": gettext_lazy("Due"),
    "tier": gettext_lazy("Escalated to"),
    "propose_listing": gettext_lazy("Proposed for listing"),
    "ledger_status": gettext_lazy("Status in the ledger"),
    "verifier": gettext_lazy("Verifier"),
    "days": gettext_lazy("Days left"),
    "industry_department": gettext_lazy("Industry department"),
    "source": gettext_lazy("Source"),
}
VALUE_LABELS: dict[str, dict[Any, Any]] = {
    "level": dict(HazardLevel.choices),
    "listing_level": dict(ListingLevel.choices),
    "decision": dict(ExtensionStatus.choices),
    "tier": dict(EscalationTier.choices),
    "source": dict(HazardSource.choices),
}


def _shown(key: str, value: Any) -> str:
    if key in VALUE_LABELS:
        return str(VALUE_LABELS[key].get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        if key == "photo_ids":
            return str(len(value))
        if key == "parts":  # plan parts by their field labels, in the reader's language
            return "、".join(str(getattr(GovernancePlan._meta.get_field(part), "verbose_name", part)) for part in value)
        return "、".join(str(v) for v in value)
    if isinstance(value, str) and key.endswith(("_at", "deadline")):
        moment = parse_datetime(value)
        if moment is not None:
            return timezone.localtime(moment).strftime("%Y-%m-%d") if timezone.is_aware(moment) else value[:10]
        return value[:10]
    return str(value)


def timeline(events: Any) -> list[HazardEvent]:
    """Events with a translated label and the notable parts of their data."""
    rows = list(events)
    for event in rows:
        event.action_label = EVENT_LABELS.get(event.action, event.action)
        event.notable = [
            (NOTABLE[key], _shown(key, value))
            for key, value in (event.data or {}).items()
            if key in NOTABLE and value not in (None, "", [], False)
        ]
    return rows


def hazard_or_404(request: HttpRequest, hazard_id: UUID) -> Hazard:
    try:
        return selectors.hazard_get(actor=request.user, uuid=hazard_id)
    except Hazard.DoesNotExist:
        raise Http404 from None


def _photo_kinds(actor: Any, hazard: Hazard) -> list[tuple[str, Any]]:
    """The photo kinds the caller may add (services.photo_add decides; this only trims the choice)."""
    found = permissions.parties(actor, hazard)
    kinds: list[tuple[str, Any]] = []
    if found or hazard.reported_by_id == getattr(actor, "pk", None):
        kinds.append((PhotoKind.BEFORE.value, PhotoKind.BEFORE.label))
    if workflow.RECTIFIER in found:
        kinds.append((PhotoKind.AFTER.value, PhotoKind.AFTER.label))
    return kinds


def _detail_page(
    request: HttpRequest,
    hazard: Hazard,
    *,
    bound: ActionForm | None = None,
    photo_form: PhotoForm | None = None,
    status: int = 200,
    alert: str = "",
) -> HttpResponse:
    actor = request.user
    allowed = permissions.allowed_actions(actor, hazard)
    actions = []
    for action in allowed:
        rule = workflow.rule_for(action, hazard.status, hazard.level)
        form = bound if bound is not None and bound.prefix == action else action_form(action, hazard)
        actions.append({"name": action, "label": rule.label if rule else action, "form": form, "open": form is bound})
    photos = list(hazard.photos.all())
    nearby: list[Hazard] = []
    if hazard.status not in FINAL_STATUSES:
        nearby = routing.nearby_open(
            sector_code=hazard.sector_id,
            lon=hazard.lon,
            lat=hazard.lat,
            exclude_id=hazard.pk,
            base=selectors.hazard_list(actor=actor),
        )
    kinds = _photo_kinds(actor, hazard)
    if photo_form is None and kinds:
        photo_form = PhotoForm(kinds=kinds)
    return render(
        request,
        "hazards/detail.html",
        {
            "hazard": hazard,
            "events": timeline(selectors.hazard_events(hazard=hazard)),
            "single_action": len(actions) == 1,
            "before_photos": [p for p in photos if p.kind == PhotoKind.BEFORE],
            "after_photos": [p for p in photos if p.kind == PhotoKind.AFTER],
            "plan": GovernancePlan.objects.filter(hazard=hazard).first(),
            "extensions": list(hazard.extensions.select_related("requested_by", "decided_by")),
            "nearby": nearby,
            "actions": actions,
            "photo_form": photo_form if kinds else None,
            "alert": alert,
            "map_data": {"point": [hazard.lon, hazard.lat], "grid": None, "label": hazard.code},
            "tile_url": settings.SAFELOOP_TILE_URL,
        },
        status=status,
    )


@login_required
@require_GET
def hazard_detail(request: HttpRequest, hazard_id: UUID) -> HttpResponse:
    return _detail_page(request, hazard_or_404(request, hazard_id))


@login_required
@require_POST
def hazard_action(request: HttpRequest, hazard_id: UUID, action: str) -> HttpResponse:
    hazard = hazard_or_404(request, hazard_id)
    actor = request.user
    if action not in ACTION_FORMS:
        raise Http404
    if action not in permissions.allowed_actions(actor, hazard):
        rule = workflow.rule_for(action, hazard.status, hazard.level)
        reason = permissions.refusal(actor, hazard, rule) if rule else None
        return refused(
            request,
            reason
            or _("“%(action)s” is not possible while the hazard is “%(status)s”.")
            % {"action": action, "status": hazard.get_status_display()},
        )
    form = action_form(action, hazard, request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, hazard, bound=form, status=422)
    if form.cleaned_data.get("version") not in (None, hazard.version):
        return _detail_page(request, hazard, status=409, alert=str(services.CHANGED_MEANWHILE))
    payload = form.payload()
    rule = workflow.rule_for(action, hazard.status, hazard.level)
    label = rule.label if rule else action
    try:
        with transaction.atomic():
            # Submitting for verification uploads its after-photos in the same transaction: a refused
            # or invalid submission leaves no photo behind.
            for upload in form.cleaned_data.get("photos") or []:
                photo = services.photo_add(actor=actor, hazard=hazard, content=upload.read(), kind=PhotoKind.AFTER)
                payload.setdefault("photo_ids", []).append(str(photo.uuid))
            services.hazard_transition(actor=actor, hazard=hazard, action=action, payload=payload)
    except FieldErrors as exc:
        apply_field_errors(form, exc, PLAN_ALIASES | form.aliases)
        return _detail_page(request, hazard_or_404(request, hazard_id), bound=form, status=422)
    except services.TransitionConflict as exc:
        return _detail_page(request, hazard_or_404(request, hazard_id), status=409, alert=str(exc))
    except NotAllowed as exc:
        return refused(request, str(exc))
    hazard = hazard_or_404(request, hazard_id)
    messages.success(
        request,
        _("Done: %(action)s. The hazard is now “%(status)s”.")
        % {"action": label, "status": hazard.get_status_display()},
    )
    return redirect("hazards:detail", hazard_id=hazard.uuid)


@login_required
@require_POST
def photo_upload(request: HttpRequest, hazard_id: UUID) -> HttpResponse:
    hazard = hazard_or_404(request, hazard_id)
    kinds = _photo_kinds(request.user, hazard)
    if not kinds:
        return refused(request, _("Your role does not allow adding this photo."))
    form = PhotoForm(request.POST, request.FILES, kinds=kinds)
    if not form.is_valid():
        return _detail_page(request, hazard, photo_form=form, status=422)
    try:
        with transaction.atomic():
            for upload in form.cleaned_data["photos"]:
                services.photo_add(
                    actor=request.user, hazard=hazard, content=upload.read(), kind=form.cleaned_data["kind"]
                )
    except FieldErrors as exc:
        apply_field_errors(form, exc, {"file": "photos"})
        return _detail_page(request, hazard, photo_form=form, status=422)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("The photos were added."))
    return redirect("hazards:detail", hazard_id=hazard.uuid)

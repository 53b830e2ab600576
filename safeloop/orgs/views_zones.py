"""Functional zones (功能区): members and how each township belongs, edited by the city office."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from safeloop.core.errors import FieldErrors
from safeloop.orgs import selectors, services
from safeloop.orgs.choices import ZoneRelation
from safeloop.orgs.forms import apply_field_errors
from safeloop.orgs.models import FunctionalZone


class ZoneMemberForm(forms.Form):
    division_code = forms.CharField(label=gettext_lazy("Township code"), max_length=9, required=False)
    relation = forms.ChoiceField(label=gettext_lazy("Relation"), choices=ZoneRelation.choices)
    verified = forms.BooleanField(label=gettext_lazy("Verified against an official source"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division_code"].widget.attrs.update({"class": "form-control", "inputmode": "numeric"})
        self.fields["relation"].widget.attrs["class"] = "form-select"
        self.fields["verified"].widget.attrs["class"] = "form-check-input"


def _zone_or_404(request: HttpRequest, code: str) -> FunctionalZone:
    try:
        return selectors.zone_get(actor=request.user, code=code)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_http_methods(["GET", "POST"])
def zone_detail(request: HttpRequest, code: str) -> HttpResponse:
    zone = _zone_or_404(request, code)
    can_edit = services.can_edit_reference_data(request.user)
    form = ZoneMemberForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise Http404
        action = request.POST.get("action", "add")
        if form.is_valid() and _apply(request, zone, action, form):
            return redirect("orgs:zone_detail", code=zone.code)
    context: dict[str, Any] = {
        "zone": zone,
        "members": zone.memberships.select_related("division").order_by("division_id"),
        "can_edit": can_edit,
        "form": form if request.method == "POST" and request.POST.get("action", "add") == "add" else ZoneMemberForm(),
        "relations": ZoneRelation.choices,
    }
    return render(request, "orgs/zone_detail.html", context, status=400 if form.errors else 200)


def _apply(request: HttpRequest, zone: FunctionalZone, action: str, form: ZoneMemberForm) -> bool:
    data = form.cleaned_data
    try:
        if action == "add":
            services.zone_membership_add(
                actor=request.user,
                zone=zone,
                division_code=data["division_code"],
                relation=data["relation"],
                verified=data["verified"],
            )
        else:
            membership = zone.memberships.filter(division_id=data["division_code"]).first()
            if membership is None:
                raise Http404
            if action == "remove":
                services.zone_membership_remove(actor=request.user, membership=membership)
            else:
                services.zone_membership_set(
                    actor=request.user, membership=membership, relation=data["relation"], verified=data["verified"]
                )
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return False
    messages.success(request, _("Saved."))
    return True

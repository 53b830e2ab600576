"""Reference for the loop: the 重大事故隐患判定标准 catalogue (with source confidence) and the
default-deadline table, which the city office edits."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from safeloop.core.errors import FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.core.scoping import scope_for
from safeloop.hazards import policies
from safeloop.hazards.choices import HazardLevel
from safeloop.hazards.models import CriteriaDocument, DeadlinePolicy
from safeloop.orgs.models import Sector
from safeloop.orgs.services import NotAllowed, can_edit_reference_data
from safeloop.orgs.views import refused


class DeadlinePolicyForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=HazardLevel.choices)
    sector = forms.ChoiceField(label=gettext_lazy("Sector"), required=False)
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=policies.MAX_DAYS)
    basis = forms.CharField(label=gettext_lazy("Basis"), max_length=200, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        sector = self.fields["sector"]
        assert isinstance(sector, forms.ChoiceField)
        sector.choices = [("", _("All sectors"))] + [(s.code, s.name) for s in Sector.objects.all()]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


@login_required
@require_http_methods(["GET", "POST"])
def reference(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.is_empty:
        raise Http404
    can_edit = can_edit_reference_data(request.user)
    form = DeadlinePolicyForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            return refused(request, _("Only the city office or a system administrator may change default deadlines."))
        if form.is_valid():
            try:
                if request.POST.get("delete"):
                    policy = DeadlinePolicy.objects.get(
                        level=form.cleaned_data["level"], sector_id=form.cleaned_data["sector"]
                    )
                    policies.deadline_policy_delete(actor=request.user, policy=policy)
                else:
                    policies.deadline_policy_save(actor=request.user, **form.cleaned_data)
            except NotAllowed as exc:
                return refused(request, str(exc))
            except DeadlinePolicy.DoesNotExist:
                form.add_error("sector", _("There is no deadline for this level and sector."))
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                messages.success(request, _("The default deadline was saved."))
                return redirect("hazards:reference")
    documents = CriteriaDocument.objects.select_related("sector").prefetch_related("items")
    context = {
        "documents": documents,
        "policies": DeadlinePolicy.objects.select_related("sector").order_by("level", "sector__position"),
        "form": form,
        "can_edit": can_edit,
        "english": not (request.LANGUAGE_CODE or "").startswith("zh"),
    }
    return render(request, "hazards/reference.html", context, status=422 if form.errors else 200)

"""HTML forms for the hazard pages. They only shape input for the services (which validate it, naming
fields, and decide who may do what): the filter widgets of the shared HazardFilterSet, the phone
report form, and one small form per workflow action with the payload fields that action takes."""

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from safeloop.hazards.choices import HazardCategory, HazardLevel, HazardSource, HazardStatus, ListingLevel
from safeloop.hazards.filters import HazardFilterSet
from safeloop.hazards.models import CriteriaItem, GovernancePlan, Hazard
from safeloop.orgs.forms import division_choices
from safeloop.orgs.models import Division, Enterprise, Sector

MAX_PHOTOS = 9


def _styled(fields: Iterable[forms.Field]) -> None:
    for field in fields:
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


def _set_choices(field: forms.Field, choices: Any) -> None:
    cast(forms.ChoiceField, field).choices = choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type="file" multiple>; cleaned to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos at a time.") % {"n": MAX_PHOTOS})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


# The governance plan's parts come back from the service as "plan.<part>".
PLAN_ALIASES = {f"plan.{part}": part for part in GovernancePlan.SIX_PARTS + GovernancePlan.REPORT_PARTS}


# ---- the list's filter ---------------------------------------------------------------------------------

YES_NO = [("", "—"), ("true", _("Yes")), ("false", _("No"))]


def hazard_filterset(
    data: Any, queryset: Any, *, divisions: Iterable[Division], sectors: Iterable[Sector]
) -> HazardFilterSet:
    """The shared HazardFilterSet with widgets for the page; its division and sector choices are
    limited to what the caller may see."""
    filterset = HazardFilterSet(data, queryset=queryset)
    fields = filterset.form.fields
    fields["status"].widget = forms.SelectMultiple(choices=HazardStatus.choices, attrs={"size": 4})
    fields["level"].widget = forms.Select(choices=[("", _("Any level")), *HazardLevel.choices])
    fields["sector"].widget = forms.Select(choices=[("", _("All sectors")), *((s.code, s.name) for s in sectors)])
    fields["division"].widget = forms.Select(choices=division_choices(divisions, str(_("All divisions"))))
    fields["source"].widget = forms.Select(choices=[("", _("Any source")), *HazardSource.choices])
    fields["overdue"].widget = forms.Select(
        choices=[("", _("Overdue or not")), ("true", _("Overdue")), ("false", _("Not overdue"))]
    )
    fields["open"].widget = forms.Select(
        choices=[("", _("Open or closed")), ("true", _("Open")), ("false", _("Closed"))]
    )
    for name in ("reported_from", "reported_to", "due_before"):
        fields[name].widget = DateInput()
    _styled(fields.values())
    fields["q"].widget.attrs["placeholder"] = _("Code, title, address or rectification subject")
    return filterset


# ---- the report form (phones) --------------------------------------------------------------------------


class ReportForm(forms.Form):
    """What a grid worker types on a phone. Location from GPS or typed in; a photo's EXIF position
    stands in when both are empty (services.hazard_report_with_photos)."""

    title = forms.CharField(label=_("What is wrong"), max_length=120)
    sector = forms.ChoiceField(label=_("Sector"))
    category = forms.ChoiceField(label=_("Category"), choices=HazardCategory.choices, initial=HazardCategory.THING)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    enterprise_id = forms.ChoiceField(label=_("Enterprise (optional)"), required=False)
    lon = forms.FloatField(
        label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
    )
    lat = forms.FloatField(
        label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
    )
    address = forms.CharField(label=_("Address or place"), max_length=200, required=False)
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=128, required=False)

    def __init__(self, *args: Any, sectors: Iterable[Sector], enterprises: Iterable[Enterprise], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location_errors: list[str] = []
        _set_choices(self.fields["sector"], [("", _("Choose the sector")), *((s.code, s.name) for s in sectors)])
        _set_choices(
            self.fields["enterprise_id"],
            [
                ("", _("None / not an enterprise")),
                *((str(e.uuid), e.name) for e in enterprises),
            ],
        )
        _styled(self.fields.values())

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        body: dict[str, Any] = {name: data[name] for name in ("title", "sector", "category", "description", "address")}
        if data.get("enterprise_id"):
            body["enterprise_id"] = data["enterprise_id"]
        if data.get("lon") is not None:
            body["lon"] = data["lon"]
        if data.get("lat") is not None:
            body["lat"] = data["lat"]
        return body


# ---- photo upload on the detail page -------------------------------------------------------------------


class PhotoForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), widget=forms.Select)
    photos = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["kind"], kinds)
        _styled(self.fields.values())


# ---- one form per workflow action ----------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base: the hazard's version when the page was drawn (a stale page is a conflict, not a silent
    overwrite) and the payload for services.hazard_transition."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Service field name → form field name, where they differ.
    aliases: dict[str, str] = {}

    def __init__(self, *args: Any, hazard: Hazard, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", hazard.version)
        super().__init__(*args, **kwargs)
        self.hazard = hazard
        self.setup()
        _styled(self.fields.values())

    def setup(self) -> None:
        """Per-action choices and initial values."""

    def payload(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "version" and value not in (None, "", [])
        }


def _note(required: bool = False, label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Note"), required=required, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmForm(ActionForm):
    level = forms.ChoiceField(label=_("Level"), required=False)
    criteria_item = forms.ChoiceField(label=_("Matched criteria item (判定标准)"), required=False)
    level_reason = forms.CharField(label=_("Reason for the level"), max_length=200, required=False)
    due_at = forms.DateField(label=_("Rectification deadline"), required=False, widget=DateInput())
    responsible_person = forms.CharField(label=_("Person responsible"), max_length=64, required=False)
    measures = forms.CharField(
        label=_("Rectification measures"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = _note()

    def setup(self) -> None:
        from safeloop.hazards.selectors import criteria_items

        _set_choices(
            self.fields["level"],
            [
                ("", _("Keep: %(level)s") % {"level": self.hazard.get_level_display()}),
                *HazardLevel.choices,
            ],
        )
        items: Iterable[CriteriaItem] = criteria_items(sector_code=self.hazard.sector_id)
        _set_choices(
            self.fields["criteria_item"],
            [
                ("", _("None")),
                *((item.code, f"{item.article} {item.text_zh[:60]}".strip()) for item in items),
            ],
        )
        self.fields["due_at"].help_text = _("Empty: keep the current deadline (or the default for the level).")
        self.initial.setdefault("responsible_person", self.hazard.responsible_person)


class RejectForm(ActionForm):
    note = _note(required=True, label=_("Why it is not a hazard"))


class DuplicateForm(ActionForm):
    duplicate_of = forms.CharField(label=_("Code of the original hazard"), max_length=64)
    note = _note()


class StartForm(ActionForm):
    measures = forms.CharField(
        label=_("Rectification measures"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmitForm(ActionForm):
    """Submit for verification: the after-photos are uploaded here, or chosen from those already
    uploaded, together with a note on what was done."""

    note = _note(required=True, label=_("What was done"))
    photos = MultipleFileField(
        label=_("Photos after rectification"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
    )
    photo_ids = forms.MultipleChoiceField(
        label=_("Photos already uploaded"), required=False, widget=forms.CheckboxSelectMultiple
    )
    aliases = {"photo_ids": "photos"}

    def setup(self) -> None:
        after = [p for p in self.hazard.photos.all() if p.kind == "after"]
        self.after_photos = after
        _set_choices(self.fields["photo_ids"], [(str(p.uuid), str(p.uuid)[:8]) for p in after])
        self.initial.setdefault("photo_ids", [str(p.uuid) for p in after])
        if not after:
            del self.fields["photo_ids"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("photos") and not data.get("photo_ids") and "photos" not in self.errors:
            self.add_error("photos", _("Add at least one photo taken after rectification."))
        return data

    def payload(self) -> dict[str, Any]:
        return {"note": self.cleaned_data["note"], "photo_ids": list(self.cleaned_data.get("photo_ids") or [])}


class VerifyForm(ActionForm):
    note = _note(label=_("Verification note"))


class ReturnForm(ActionForm):
    note = _note(required=True, label=_("What still needs doing"))


class SubmitPlanForm(ActionForm):
    goals = forms.CharField(label=_("Goals and tasks"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    methods = forms.CharField(label=_("Methods and measures"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    funding = forms.CharField(label=_("Funds and materials"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    organisation = forms.CharField(
        label=_("Organisation and people responsible"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    timeline = forms.CharField(
        label=_("Time limit and requirements"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    safety_measures = forms.CharField(
        label=_("Safety measures and emergency plan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    situation = forms.CharField(
        label=_("Current situation and causes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    severity = forms.CharField(
        label=_("Severity and difficulty of rectification"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    aliases = {"plan": "goals"}

    def setup(self) -> None:
        plan = GovernancePlan.objects.filter(hazard=self.hazard).first()
        if plan is not None:
            for name in GovernancePlan.SIX_PARTS + GovernancePlan.REPORT_PARTS:
                self.initial.setdefault(name, getattr(plan, name))

    def payload(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name, "") for name in GovernancePlan.SIX_PARTS + GovernancePlan.REPORT_PARTS
        }


class ApprovePlanForm(ActionForm):
    principal_name = forms.CharField(label=_("Principal who approved the plan"), max_length=64)
    suspended = forms.BooleanField(label=_("Production is suspended during governance"), required=False)
    aliases = {"plan": "principal_name"}

    def setup(self) -> None:
        enterprise = self.hazard.enterprise
        if enterprise is not None:
            self.initial.setdefault("principal_name", enterprise.principal_name)


class ListForm(ActionForm):
    listing_level = forms.ChoiceField(label=_("Listing level"), choices=ListingLevel.choices)
    supervising_unit = forms.CharField(label=_("Supervising unit"), max_length=64)
    listing_deadline = forms.DateField(label=_("Deadline of the listing"), widget=DateInput())
    note = _note()


class EvaluateForm(ActionForm):
    evaluation_report = forms.CharField(
        label=_("Evaluation report"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    note = _note()


class ApplyAcceptanceForm(ActionForm):
    resume_application = forms.CharField(
        label=_("Application for acceptance (and to resume production)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = _note()


class AcceptForm(ActionForm):
    note = _note(label=_("Acceptance note"))


class ExtendForm(ActionForm):
    due_at = forms.DateField(label=_("New deadline"), widget=DateInput())
    note = _note(required=True, label=_("Reason"))


class ApproveExtensionForm(ActionForm):
    approved = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("true", _("Approve the new deadline")), ("false", _("Refuse"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    note = _note()

    def payload(self) -> dict[str, Any]:
        return {"approved": bool(self.cleaned_data["approved"]), "note": self.cleaned_data.get("note", "")}


class ReopenForm(ActionForm):
    note = _note(required=True, label=_("Why it is reopened"))
    due_at = forms.DateField(label=_("New deadline"), required=False, widget=DateInput())


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "confirm": ConfirmForm,
    "reject": RejectForm,
    "duplicate": DuplicateForm,
    "start": StartForm,
    "submit": SubmitForm,
    "verify": VerifyForm,
    "return": ReturnForm,
    "submit_plan": SubmitPlanForm,
    "approve_plan": ApprovePlanForm,
    "list": ListForm,
    "evaluate": EvaluateForm,
    "apply_acceptance": ApplyAcceptanceForm,
    "accept": AcceptForm,
    "extend": ExtendForm,
    "approve_extension": ApproveExtensionForm,
    "reopen": ReopenForm,
}


def action_form(action: str, hazard: Hazard, data: Any = None, files: Any = None) -> ActionForm:
    return ACTION_FORMS[action](data, files, hazard=hazard, prefix=action)

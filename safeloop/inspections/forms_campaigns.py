"""Forms of the campaign pages; they only parse, the services decide (errors mapped back onto fields)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safeloop.core.forms import TablerFormMixin
from safeloop.orgs.choices import EnterpriseScale


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class CampaignForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    division = forms.ChoiceField(label=_("Division"))
    sectors = forms.MultipleChoiceField(label=_("Sectors"), widget=forms.CheckboxSelectMultiple)
    templates = forms.MultipleChoiceField(label=_("Checklists"), required=False, widget=forms.CheckboxSelectMultiple)
    q = forms.CharField(label=_("Sites whose name or address contains"), required=False)
    scale = forms.ChoiceField(label=_("Scale"), required=False, choices=[("", "—"), *EnterpriseScale.choices])

    def __init__(self, *args: Any, divisions: Any, sectors: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "division").choices = [(d.code, f"{d.name} ({d.code})") for d in divisions]
        _choice_field(self, "sectors").choices = [(s.code, s.name) for s in sectors]
        _choice_field(self, "templates").choices = [(t.code, str(t)) for t in templates]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["target_filter"] = {k: data.pop(k) for k in ("q", "scale") if data.get(k)}
        data.pop("q", None), data.pop("scale", None)
        return data


class TaskForm(TablerFormMixin, forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    division = forms.ChoiceField(label=_("Division"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    assignee = forms.CharField(label=_("Assignee (login name)"), required=False)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    assign_targets = forms.BooleanField(label=_("Assign the division's sites to this task"), required=False)

    def __init__(self, *args: Any, divisions: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "division").choices = [("", "—")] + [(d.code, d.name) for d in divisions]
        _choice_field(self, "department").choices = [("", "—")] + [(str(d.pk), d.name) for d in departments]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.pop("assign_targets") and data.get("division"):
            data["targets_division"] = data["division"]
        return data

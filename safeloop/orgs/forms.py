"""HTML forms for the organisation pages. They only shape input for the services, which validate
it (naming fields) and decide who may do what; a form never writes."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safeloop.core.errors import FieldErrors
from safeloop.orgs import services
from safeloop.orgs.choices import EnterpriseFlag, EnterpriseScale
from safeloop.orgs.filters import EnterpriseFilterSet
from safeloop.orgs.models import Division, Enterprise, Sector

# Service field names that a form shows under another name.
SERVICE_FIELD = {"location.lon": "lon", "location.lat": "lat", "division": "division_code", "grid": "grid_code"}


def apply_field_errors(form: forms.Form, exc: FieldErrors) -> None:
    """Put a service's field-named errors on the form's fields ("location" errors on the location group)."""
    for error in exc.errors:
        name = SERVICE_FIELD.get(error["field"], error["field"])
        if name == "location":
            getattr(form, "location_errors", []).append(error["message"])
        elif name in form.fields:
            form.add_error(name, error["message"])
        else:
            form.add_error(None, error["message"])


def _control(widget: forms.Widget, css: str = "form-control") -> forms.Widget:
    widget.attrs.setdefault("class", css)
    return widget


# ---- enterprises ---------------------------------------------------------------------------------


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=128, required=False)
    uscc = forms.CharField(label=_("Unified social credit code"), required=False)
    sectors = forms.MultipleChoiceField(label=_("Sectors"), required=False, widget=forms.CheckboxSelectMultiple)
    scale = forms.ChoiceField(label=_("Scale"), choices=EnterpriseScale.choices, initial=EnterpriseScale.SMALL)
    employees = forms.IntegerField(label=_("Employees"), min_value=0, required=False)
    flags = forms.MultipleChoiceField(
        label=_("Flags"), choices=EnterpriseFlag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lon = forms.FloatField(label=_("Longitude"), required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False)
    division_code = forms.CharField(
        label=_("Division code"),
        required=False,
        help_text=_("Leave empty to take it from the grid the location lies in."),
    )
    grid_code = forms.CharField(
        label=_("Grid code"),
        required=False,
        help_text=_("Leave empty to take the grid the location lies in."),
    )
    grid_override_reason = forms.CharField(label=_("Reason for overriding the grid"), max_length=200, required=False)
    principal_name = forms.CharField(label=_("Principal"), max_length=64, required=False)
    principal_phone = forms.CharField(label=_("Principal's phone"), max_length=20, required=False)
    safety_officer_name = forms.CharField(label=_("Safety officer"), max_length=64, required=False)
    safety_officer_phone = forms.CharField(label=_("Safety officer's phone"), max_length=20, required=False)

    def __init__(
        self,
        *args: Any,
        editable: Iterable[str],
        sectors: Iterable[Sector] = (),
        enterprise: Enterprise | None = None,
        **kwargs: Any,
    ) -> None:
        if enterprise is not None:
            kwargs.setdefault("initial", self.initial_for(enterprise))
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.location_errors: list[str] = []
        keep = set(editable)
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "sectors" in self.fields:
            self.fields["sectors"].choices = [(s.code, s.name) for s in sectors]  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.CheckboxInput):
                _control(field.widget, "form-check-input")
            elif isinstance(field.widget, forms.Select):
                _control(field.widget, "form-select")
            else:
                _control(field.widget)
            if name in {"lon", "lat"}:
                field.widget.attrs.update({"step": "any", "inputmode": "decimal"})
            if name.endswith("_phone"):
                field.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        if "division_code" in self.fields:
            self.fields["division_code"].widget.attrs["list"] = "division-options"
        # Fields posted that this user may not change are passed on, so the service refuses them.
        posted = set(self.data) if self.is_bound else set()
        self.refused = sorted((posted & services.ENTERPRISE_EDITABLE) - keep)

    @staticmethod
    def initial_for(enterprise: Enterprise) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: getattr(enterprise, name)
            for name in services.ENTERPRISE_EDITABLE
            if name not in {"sectors", "division_code", "grid_code"}
        }
        data["sectors"] = [s.code for s in enterprise.sectors.all()]
        data["division_code"] = enterprise.division_id
        data["grid_code"] = enterprise.grid_id or ""
        data["flags"] = list(enterprise.flags or [])
        return data

    def service_data(self) -> dict[str, Any]:
        """The input for enterprise_create/enterprise_update: every field when adding, only what
        changed when editing (so a moved location re-derives its grid and division)."""
        cleaned = self.cleaned_data
        names = list(self.fields) if self.enterprise is None else [n for n in self.fields if n in self.changed_data]
        if self.enterprise is not None and ({"lon", "lat"} & set(names)):
            names += [n for n in ("lon", "lat") if n in self.fields and n not in names]
        data: dict[str, Any] = {}
        for name in names:
            value = cleaned.get(name)
            if name in {"division_code", "grid_code"}:
                value = (value or "").strip()
                if not value and self.enterprise is None:
                    continue
            elif name in {"sectors", "flags"}:
                value = list(value or [])
            elif isinstance(value, str):
                value = value.strip()
            data[name] = value
        for name in self.refused:
            data[name] = self.data.get(name)
        return data


# ---- the responsibility map ----------------------------------------------------------------------


class ResponsibilityRuleForm(forms.Form):
    lead_function = forms.ChoiceField(label=_("Lead department"))
    co_functions = forms.MultipleChoiceField(
        label=_("Co-departments"), required=False, widget=forms.CheckboxSelectMultiple
    )
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=200, required=False)

    def __init__(self, *args: Any, functions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(code, f"{name} ({code})") for code, name in functions]
        self.fields["lead_function"].choices = choices  # type: ignore[attr-defined]
        self.fields["co_functions"].choices = choices  # type: ignore[attr-defined]
        _control(self.fields["lead_function"].widget, "form-select")
        self.fields["co_functions"].widget.attrs["class"] = "form-check-input"
        _control(self.fields["legal_basis"].widget)


# ---- the enterprise filter form ------------------------------------------------------------------


def division_choices(divisions: Iterable[Division], blank: str) -> list[tuple[str, str]]:
    """Select options for divisions, indented by level so the tree reads in a flat list."""
    indent = {2: 0, 4: 0, 6: 1, 9: 2, 12: 3}
    return [("", blank)] + [(d.code, "\u2003" * indent.get(d.level, 0) + d.name) for d in divisions]


def enterprise_filterset(
    data: Any, queryset: Any, *, divisions: Iterable[Division], sectors: Iterable[Sector]
) -> EnterpriseFilterSet:
    """The shared EnterpriseFilterSet, with its division and sector choices limited to what the
    caller may see (a choice list is a count of sorts, so it must not leak either)."""
    filterset = EnterpriseFilterSet(data, queryset=queryset)
    fields = filterset.form.fields
    fields["division"].widget = forms.Select(choices=division_choices(divisions, str(_("All divisions"))))
    fields["sector"].widget = forms.Select(choices=[("", _("All sectors")), *((s.code, s.name) for s in sectors)])
    fields["active"].widget = forms.Select(
        choices=[("", _("Active or not")), ("true", _("Active")), ("false", _("Inactive"))]
    )
    fields["scale"].widget = forms.Select(choices=[("", _("Any scale")), *EnterpriseScale.choices])
    fields["flag"].widget = forms.Select(choices=[("", _("Any flag")), *EnterpriseFlag.choices])
    for field in fields.values():
        if isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select"
        else:
            field.widget.attrs.update({"class": "form-control", "placeholder": str(field.label)})
    fields["q"].widget.attrs["placeholder"] = _("Name, USCC or address")
    return filterset

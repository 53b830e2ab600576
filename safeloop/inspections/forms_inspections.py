"""Forms of the checklist and inspection pages: the inspection list's FilterSet (also the API's), the
start form, the submit form and the checklist header form (items come as rows, see views_checklists)."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from safeloop.core.forms import TablerFormMixin
from safeloop.inspections.choices import InspectionKind, InspectionStatus
from safeloop.inspections.models import Inspection


class InspectionFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=InspectionKind.choices, empty_label=_("Any kind"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=InspectionStatus.choices, empty_label=_("Any status")
    )
    sector = django_filters.CharFilter(label=_("Sector"), field_name="sector_id")
    division = django_filters.CharFilter(label=_("Division code"), method="filter_division")
    campaign = django_filters.UUIDFilter(label=_("Campaign"), field_name="campaign__uuid")
    enterprise = django_filters.UUIDFilter(label=_("Enterprise"), field_name="enterprise__uuid")
    date_from = django_filters.DateFilter(label=_("From"), field_name="started_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(label=_("To"), field_name="started_at", lookup_expr="date__lte")

    class Meta:
        model = Inspection
        fields = ["kind", "status", "sector", "division", "campaign", "enterprise", "date_from", "date_to"]

    def filter_division(self, queryset: QuerySet[Inspection], name: str, value: str) -> QuerySet[Inspection]:
        code = value.strip()
        prefix = code.rstrip("0") if len(code) == 6 else code
        return queryset.filter(division__code__startswith=prefix) if prefix else queryset

    def __init__(self, *args: Any, sectors: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["sector"] = django_filters.ChoiceFilter(
            label=_("Sector"),
            field_name="sector_id",
            choices=[(s.code, s.name) for s in sectors],
            empty_label=_("Any sector"),
        )
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
        for name in ("date_from", "date_to"):
            self.form.fields[name].widget.input_type = "date"


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class InspectionStartForm(TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    template = forms.ChoiceField(label=_("Checklist"))
    enterprise = forms.ChoiceField(label=_("Enterprise"), required=False)
    lon = forms.CharField(label=_("Longitude"), required=False)
    lat = forms.CharField(label=_("Latitude"), required=False)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)
    inspectors = forms.CharField(label=_("Inspectors"), required=False, max_length=200)
    unannounced = forms.BooleanField(label=_("Unannounced (四不两直)"), required=False)

    def __init__(
        self,
        *args: Any,
        kinds: Any = (),
        templates: Any = (),
        enterprises: Any = (),
        campaigns: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "kind").choices = [(k, InspectionKind(k).label) for k in kinds]
        _choice(self, "template").choices = [(t.code, f"{t.sector.name} · {t.title} v{t.version}") for t in templates]
        _choice(self, "enterprise").choices = [("", _("— a place, not an enterprise —"))] + [
            (str(e.uuid), e.name) for e in enterprises
        ]
        _choice(self, "campaign").choices = [("", _("— none —"))] + [(str(c.uuid), c.name) for c in campaigns]
        for name in ("lon", "lat"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"


class InspectionSubmitForm(TablerFormMixin, forms.Form):
    signed_by = forms.CharField(label=_("Signed by (inspected unit)"), required=False, max_length=64)
    refused_to_sign = forms.BooleanField(label=_("The inspected unit refused to sign"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ChecklistForm(TablerFormMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=48, required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, sectors: Any = (), creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "sector").choices = [(s.code, s.name) for s in sectors]
        if not creating:
            del self.fields["code"]
            del self.fields["sector"]

"""Forms of the check pages (排查任务). They only shape input: the list's filter over the caller's
checks, and the record form whose values go to services.check_record, which validates them (a note
when failing, the hazard's own fields) and refuses a second record of the same check."""

from collections.abc import Iterable
from typing import Any, cast

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from safeloop.core.forms import TablerFormMixin
from safeloop.hazards.choices import HazardCategory, HazardLevel
from safeloop.hazards.models import CriteriaItem
from safeloop.orgs.models import Sector
from safeloop.risks.choices import CheckStatus
from safeloop.risks.models import CheckTask

# "recorded": every check with a result (passed, failed or missed), newest first.
RECORDED = "recorded"
RESULT_STATUSES = (CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.MISSED)
STATUS_CHOICES = frozenset({CheckStatus.OPEN.value, RECORDED, *(status.value for status in RESULT_STATUSES)})
HAZARD_FIELDS = ("title", "level", "criteria_item", "level_reason", "category", "due_at")


def _set_choices(field: forms.Field, choices: Any) -> None:
    cast(forms.ChoiceField, field).choices = choices


class CheckFilterSet(django_filters.FilterSet):
    """The checks list: one status (open by default) or all recorded results, a sector, and text
    matching the point (code, name), the measure or the enterprise."""

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        method="filter_status",
        empty_label=None,
        choices=[
            (CheckStatus.OPEN.value, CheckStatus.OPEN.label),
            (RECORDED, _("All results")),
            *((status.value, status.label) for status in RESULT_STATUSES),
        ],
    )
    sector = django_filters.ChoiceFilter(label=_("Sector"), field_name="point__sector_id")
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")

    class Meta:
        model = CheckTask
        fields = ["status", "sector", "q"]

    def __init__(self, data: Any, queryset: QuerySet[CheckTask], *, sectors: Iterable[Sector]) -> None:
        data = data.copy() if data is not None else {}
        if data.get("status") not in STATUS_CHOICES:
            data["status"] = CheckStatus.OPEN.value
        super().__init__(data, queryset=queryset)
        fields = self.form.fields
        fields["sector"].empty_label = _("All sectors")
        _set_choices(fields["sector"], [(s.code, s.name) for s in sectors])
        fields["status"].widget.attrs["class"] = "form-select"
        fields["sector"].widget.attrs["class"] = "form-select"
        fields["q"].widget.attrs.update(
            {"class": "form-control", "placeholder": _("Risk point code or name, measure, enterprise")}
        )

    @property
    def chosen_status(self) -> str:
        return str(self.data.get("status"))

    @property
    def showing_open(self) -> bool:
        return self.chosen_status == CheckStatus.OPEN

    def filter_status(self, queryset: QuerySet[CheckTask], name: str, value: str) -> QuerySet[CheckTask]:
        if value == CheckStatus.OPEN:
            # Overdue first, then due today, then upcoming: the due date in ascending order.
            return queryset.filter(status=CheckStatus.OPEN).order_by("due_on", "point__code", "id")
        statuses = RESULT_STATUSES if value == RECORDED else (value,)
        return queryset.filter(status__in=statuses).order_by(F("checked_at").desc(nulls_last=True), "-due_on", "-id")

    def filter_text(self, queryset: QuerySet[CheckTask], name: str, value: str) -> QuerySet[CheckTask]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(point__code__iexact=value)
            | Q(point__name__icontains=value)
            | Q(measure__description__icontains=value)
            | Q(point__enterprise__name__icontains=value)
        )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class CheckRecordForm(TablerFormMixin, forms.Form):
    """Record one check. The task's uuid travels with the form: the page of one check cannot record
    another, and a resent form meets the service's once-only guard (Conflict)."""

    task = forms.UUIDField(widget=forms.HiddenInput)
    result = forms.ChoiceField(
        label=_("Result"),
        widget=forms.RadioSelect,
        choices=[
            (CheckStatus.PASSED.value, CheckStatus.PASSED.label),
            (CheckStatus.FAILED.value, CheckStatus.FAILED.label),
        ],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the control is failing: what you found."),
    )
    # The hazard a failing control reports (services.check_record → hazard service).
    title = forms.CharField(label=_("What is wrong"), max_length=120, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=HazardLevel.choices, initial=HazardLevel.GENERAL)
    criteria_item = forms.ChoiceField(label=_("Matched criteria item (判定标准)"), required=False)
    level_reason = forms.CharField(
        label=_("Reason for the level"),
        max_length=200,
        required=False,
        help_text=_("Needed only to judge a hazard general although its criteria item makes it major."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=HazardCategory.choices, initial=HazardCategory.THING)
    due_at = forms.DateField(
        label=_("Rectification deadline"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: the default deadline for the level."),
    )

    def __init__(self, *args: Any, task: CheckTask, items: Iterable[CriteriaItem], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("task", task.uuid)
        kwargs["initial"].setdefault("title", default_title(task))
        super().__init__(*args, **kwargs)
        self.check_task = task
        _set_choices(
            self.fields["criteria_item"],
            [("", _("None")), *((item.code, f"{item.article} {item.text_zh[:60]}".strip()) for item in items)],
        )
        # The hazard part only matters when failing: passing with it untouched must not trip on it.
        for name in ("level", "category"):
            self.fields[name].required = False

    def clean_task(self) -> Any:
        value = self.cleaned_data["task"]
        if value != self.check_task.uuid:
            raise forms.ValidationError(_("This form belongs to another check; open that check again."))
        return value

    @property
    def failing(self) -> bool:
        return str(self["result"].value() or "") == CheckStatus.FAILED

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        body: dict[str, Any] = {"result": data["result"], "note": data.get("note") or ""}
        if data["result"] == CheckStatus.FAILED:
            for name in HAZARD_FIELDS:
                value = data.get(name)
                if value not in (None, ""):
                    body[name] = value.isoformat() if name == "due_at" else value
        return body


def default_title(task: CheckTask) -> str:
    """The title services.check_record gives the hazard when none is typed, prefilled on the form."""
    text = gettext("%(point)s: control failing (%(measure)s)") % {
        "point": task.point.name,
        "measure": task.measure.get_kind_display(),
    }
    return text[:120]

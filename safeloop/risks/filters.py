"""The risk register's one FilterSet: the HTML list, the API, the 四色图 and the xlsx export use it."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safeloop.risks.choices import PointKind, ReassessReason, RiskLevel
from safeloop.risks.models import RiskPoint


class RiskPointFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    level = django_filters.MultipleChoiceFilter(
        label=_("Current level"), field_name="current_level", choices=RiskLevel.choices
    )
    sector = django_filters.CharFilter(label=_("Sector"), field_name="sector_id")
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=PointKind.choices)
    division = django_filters.CharFilter(label=_("Division code"), method="filter_division")
    grid = django_filters.CharFilter(label=_("Grid code"), field_name="grid_id")
    enterprise = django_filters.UUIDFilter(label=_("Enterprise"), field_name="enterprise__uuid")
    public = django_filters.BooleanFilter(label=_("Public areas only"), method="filter_public")
    reassess = django_filters.BooleanFilter(label=_("Re-assessment needed"), method="filter_reassess")
    raised = django_filters.BooleanFilter(label=_("Raised by open hazards"), method="filter_raised")
    reassess_reason = django_filters.ChoiceFilter(label=_("Why re-assess"), choices=ReassessReason.choices)

    class Meta:
        model = RiskPoint
        fields = ["q", "level", "sector", "kind", "division", "grid", "enterprise"]

    def filter_text(self, queryset: QuerySet[RiskPoint], name: str, value: str) -> QuerySet[RiskPoint]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__iexact=value)
            | Q(name__icontains=value)
            | Q(address__icontains=value)
            | Q(accident_types__icontains=value)
            | Q(enterprise__name__icontains=value)
        )

    def filter_division(self, queryset: QuerySet[RiskPoint], name: str, value: str) -> QuerySet[RiskPoint]:
        """A division code selects everything inside it (its code, trailing zeros dropped, is a prefix)."""
        code = value.strip()
        if not code.isdigit():
            return queryset.none()
        prefix = code.rstrip("0") if len(code) <= 6 else code
        if len(prefix) % 2:
            prefix += "0"
        return queryset.filter(division__code__startswith=prefix)

    def filter_public(self, queryset: QuerySet[RiskPoint], name: str, value: Any) -> QuerySet[RiskPoint]:
        if value is None:
            return queryset
        return queryset.filter(enterprise__isnull=bool(value))

    def filter_reassess(self, queryset: QuerySet[RiskPoint], name: str, value: Any) -> QuerySet[RiskPoint]:
        if value is None:
            return queryset
        return queryset.exclude(reassess_reason="") if value else queryset.filter(reassess_reason="")

    def filter_raised(self, queryset: QuerySet[RiskPoint], name: str, value: Any) -> QuerySet[RiskPoint]:
        if value is None:
            return queryset
        return queryset.exclude(raised_reason="") if value else queryset.filter(raised_reason="")

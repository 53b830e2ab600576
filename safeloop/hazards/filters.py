"""The hazard list's one FilterSet: the HTML list, the API, the map and the xlsx 台账 all use it."""

from datetime import datetime, time
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeloop.hazards.choices import OPEN_STATUSES, HazardLevel, HazardSource, HazardStatus
from safeloop.hazards.models import Hazard


class HazardFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=HazardStatus.choices)
    open = django_filters.BooleanFilter(label=_("Open"), method="filter_open")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=HazardLevel.choices)
    sector = django_filters.CharFilter(label=_("Sector"), field_name="sector_id")
    division = django_filters.CharFilter(label=_("Division code"), method="filter_division")
    source = django_filters.ChoiceFilter(label=_("Source"), choices=HazardSource.choices)
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    enterprise = django_filters.UUIDFilter(label=_("Enterprise"), field_name="enterprise__uuid")
    grid = django_filters.CharFilter(label=_("Grid code"), field_name="grid_id")
    reported_from = django_filters.DateFilter(label=_("Found from"), method="filter_reported_from")
    reported_to = django_filters.DateFilter(label=_("Found until"), method="filter_reported_to")
    due_before = django_filters.DateFilter(label=_("Due before"), method="filter_due_before")
    # Hazards a 大排查大整治 campaign found (the link is kept by the inspections app).
    campaign = django_filters.UUIDFilter(label=_("Campaign"), field_name="campaign_link__campaign__uuid")

    class Meta:
        model = Hazard
        fields = ["q", "status", "open", "level", "sector", "division", "source", "overdue", "enterprise", "grid"]

    def filter_text(self, queryset: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__iexact=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(address__icontains=value)
            | Q(rectifier_name__icontains=value)
        )

    def filter_open(self, queryset: QuerySet[Hazard], name: str, value: bool | None) -> QuerySet[Hazard]:
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)

    def filter_division(self, queryset: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        """A division code selects everything inside it (its code, trailing zeros dropped, is a prefix)."""
        code = value.strip()
        if not code.isdigit():
            return queryset.none()
        prefix = code.rstrip("0") if len(code) <= 6 else code
        if len(prefix) % 2:
            prefix += "0"
        return queryset.filter(division__code__startswith=prefix)

    def filter_overdue(self, queryset: QuerySet[Hazard], name: str, value: bool | None) -> QuerySet[Hazard]:
        if value is None:
            return queryset
        overdue = Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def _day(self, value: Any, end: bool = False) -> datetime:
        return timezone.make_aware(datetime.combine(value, time.max if end else time.min))

    def filter_reported_from(self, queryset: QuerySet[Hazard], name: str, value: Any) -> QuerySet[Hazard]:
        return queryset.filter(reported_at__gte=self._day(value))

    def filter_reported_to(self, queryset: QuerySet[Hazard], name: str, value: Any) -> QuerySet[Hazard]:
        return queryset.filter(reported_at__lte=self._day(value, end=True))

    def filter_due_before(self, queryset: QuerySet[Hazard], name: str, value: Any) -> QuerySet[Hazard]:
        return queryset.filter(due_at__lt=self._day(value))

"""One FilterSet per list, shared by the HTML list, the API and the xlsx export."""

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safeloop.orgs.choices import EnterpriseFlag, EnterpriseScale
from safeloop.orgs.models import Enterprise


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    division = django_filters.CharFilter(label=_("Division code"), method="filter_division")
    grid = django_filters.CharFilter(label=_("Grid code"), field_name="grid_id")
    sector = django_filters.CharFilter(label=_("Sector"), method="filter_sector")
    scale = django_filters.ChoiceFilter(label=_("Scale"), choices=EnterpriseScale.choices)
    flag = django_filters.ChoiceFilter(label=_("Flag"), choices=EnterpriseFlag.choices, method="filter_flag")
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Enterprise
        fields = ["q", "division", "grid", "sector", "scale", "flag", "active"]

    def filter_text(self, queryset: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(uscc__iexact=value) | Q(address__icontains=value))

    def filter_division(self, queryset: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        """A division code selects everything inside it (its code is a prefix of theirs)."""
        from safeloop.orgs.models import Division

        division = Division.objects.filter(code=value.strip()).first()
        if division is None:
            return queryset.none()
        return queryset.filter(division__code__startswith=division.prefix)

    def filter_sector(self, queryset: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        through = Enterprise.sectors.through
        return queryset.filter(Exists(through.objects.filter(enterprise_id=OuterRef("pk"), sector__code=value)))

    def filter_flag(self, queryset: QuerySet[Enterprise], name: str, value: Any) -> QuerySet[Enterprise]:
        # JSON containment differs between SQLite and PostgreSQL; the quoted code is unique in the list.
        return queryset.filter(flags__icontains=f'"{value}"')

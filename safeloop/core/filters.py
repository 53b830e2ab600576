"""The audit log's FilterSet (one FilterSet per list)."""

from collections.abc import Sequence
from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from safeloop.core.models import AuditEvent

RESULTS = (("ok", _("Succeeded")), ("fail", _("Failed")))


class AuditEventFilterSet(django_filters.FilterSet):
    verb = django_filters.ChoiceFilter(label=_("Action"))
    object_type = django_filters.ChoiceFilter(label=_("Object type"))
    actor = django_filters.CharFilter(label=_("Actor"), field_name="actor_name", lookup_expr="iexact")
    date_from = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(label=_("To"), field_name="at", lookup_expr="date__lte")
    result = django_filters.ChoiceFilter(label=_("Result"), choices=RESULTS)
    position = django_filters.NumberFilter(label=_("Row #"))

    class Meta:
        model = AuditEvent
        fields = ["verb", "object_type", "actor", "date_from", "date_to", "result", "position"]

    def __init__(self, *args: Any, verbs: Sequence[str] = (), object_types: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The choices are what the trail holds, so a filter can never name an action that never happened.
        self.filters["verb"].extra["choices"] = [(v, v) for v in verbs]
        self.filters["object_type"].extra["choices"] = [(t, t) for t in object_types]

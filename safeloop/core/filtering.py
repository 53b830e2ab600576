"""Apply a shared FilterSet with its errors named per field (HTML list, API and exports alike)."""

from collections.abc import Mapping
from typing import Any

import django_filters
from django.db.models import QuerySet

from safeloop.core.errors import FieldErrors


def filter_or_raise(
    filterset_class: type[django_filters.FilterSet], params: Mapping[str, Any], queryset: QuerySet[Any]
) -> QuerySet[Any]:
    """`queryset` narrowed by the FilterSet; a value it rejects raises FieldErrors naming the parameter."""
    data = {name: _query_value(value) for name, value in params.items() if value is not None and value != ""}
    filterset = filterset_class(data, queryset=queryset)
    if not filterset.is_valid():
        errors = FieldErrors()
        for name, messages in filterset.errors.items():
            for message in messages:
                errors.add(name, message)
        raise errors
    narrowed: QuerySet[Any] = filterset.qs
    return narrowed


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return value
    return str(value)

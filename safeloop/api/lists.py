"""List plumbing for API endpoints: one page of a scoped queryset as `{"items", "count"}`, and a
shared FilterSet (the same one the HTML list uses) applied with its errors named per field."""

from collections.abc import Mapping, Sequence
from typing import Any

import django_filters
from django.db.models import QuerySet

from safeloop.api.schemas import PageIn
from safeloop.core.errors import FieldErrors


def paged(items: QuerySet[Any] | Sequence[Any], page: PageIn) -> dict[str, Any]:
    """One page and the total. A queryset must already be ordered, or pages would overlap."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    return {"items": list(items[page.offset : page.offset + page.limit]), "count": count}


def filtered(
    filterset_class: type[django_filters.FilterSet], params: Mapping[str, Any], queryset: QuerySet[Any]
) -> QuerySet[Any]:
    """`queryset` narrowed by the FilterSet; a value it rejects is a 400 naming the parameter."""
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


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

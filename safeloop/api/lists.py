"""List plumbing for API endpoints: one page of a scoped queryset as `{"items", "count"}`, and a
shared FilterSet (the same one the HTML list uses) applied with its errors named per field."""

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from safeloop.api.schemas import PageIn


def paged(items: QuerySet[Any] | Sequence[Any], page: PageIn) -> dict[str, Any]:
    """One page and the total. A queryset must already be ordered, or pages would overlap."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    return {"items": list(items[page.offset : page.offset + page.limit]), "count": count}

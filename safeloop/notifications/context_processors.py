from functools import cache
from typing import Any

from django.http import HttpRequest

from safeloop.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    """The navbar bell's count: nothing for anonymous visitors, and at most one COUNT, made only when
    a template shows it (the value is a cached callable)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": cache(lambda: unread_count(actor=user))}

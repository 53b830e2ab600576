"""Role-restricted pages answer 404, not 403, to users without the role: a page a person may not use
does not exist for them (DESIGN.md "Scope": anything outside the caller's scope is a 404)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from safeloop.core.scoping import scope_for

View = Callable[..., HttpResponse]


def has_role(user: Any, *roles: str) -> bool:
    return scope_for(user).has_role(*roles)


def role_required(*roles: str) -> Callable[[View], View]:
    """Log in first; then 404 unless the user holds one of `roles` through a membership."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, *roles):
                raise Http404
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator

from typing import Any

from django.http import HttpRequest

from safeloop.core.navigation import menu_for, menu_tree


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": []}
    items = menu_for(user)
    match = getattr(request, "resolver_match", None)
    return {"nav_items": items, "nav_menu": menu_tree(items, match.view_name if match else "")}

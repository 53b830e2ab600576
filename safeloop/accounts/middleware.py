"""Idle timeout for web sessions (等保 2.0 L3: 登录连接超时自动退出)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from safeloop.accounts.models import SecurityPolicy
from safeloop.accounts.services import POLICY_LIMITS

LAST_SEEN = "safeloop_last_seen"
# Refreshing the timestamp on every request would write the session on every request.
TOUCH_EVERY_SECONDS = 30
# No policy may time out sooner than this, so a more recent visit needs no policy lookup.
SHORTEST_TIMEOUT_SECONDS = POLICY_LIMITS["idle_timeout_minutes"][0] * 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last_seen = request.session.get(LAST_SEEN)
            idle = now - last_seen if last_seen is not None else 0.0
            if idle > SHORTEST_TIMEOUT_SECONDS and idle > SecurityPolicy.current().idle_timeout_minutes * 60:
                logout(request)
                request.session["safeloop_idle_logout"] = True
                if request.headers.get("HX-Request"):
                    # An htmx fragment request would paste the login page into the fragment.
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                    return response
            elif last_seen is None or idle > TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

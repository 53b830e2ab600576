"""Idle timeout for web sessions (等保 2.0 L3: 登录连接超时自动退出)."""

import time
from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from safeloop.accounts.models import SecurityPolicy

LAST_SEEN = "safeloop_last_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last_seen = request.session.get(LAST_SEEN)
            limit = SecurityPolicy.current().idle_timeout_minutes * 60
            if last_seen is not None and now - last_seen > limit:
                logout(request)
                request.session["safeloop_idle_logout"] = True
            else:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

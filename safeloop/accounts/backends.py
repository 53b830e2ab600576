"""Authentication with lockout (等保 2.0 L3 身份鉴别 b, DOMAIN.md §10.2): after N consecutive failures
the account is locked for M minutes; both numbers come from the security policy."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from safeloop.accounts import services
from safeloop.accounts.models import User


class AccountLocked(Exception):
    pass


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing hint that the name is unknown
            services.login_failed(username=username, user=None)
            return None
        if user.is_locked():
            services.login_refused_locked(user=user)
            if request is not None:
                request.safeloop_locked_until = user.locked_until  # type: ignore[attr-defined]
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            services.login_succeeded(user=user)
            return user
        locked_until = services.login_failed(username=username, user=user)
        if locked_until is not None and request is not None:
            request.safeloop_locked_until = locked_until  # type: ignore[attr-defined]
        return None

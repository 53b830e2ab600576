from datetime import datetime
from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from safeloop.accounts import services as account_services
from safeloop.accounts.models import ApiToken
from safeloop.api.schemas import ErrorOut
from safeloop.core.errors import FieldErrors


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = account_services.token_user(token)
        if user is not None:
            request.user = user
        return user


router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime


@router.post("/token", auth=None, response={200: TokenOut, 400: ErrorOut, 401: ErrorOut})
def token_create(request: HttpRequest, payload: TokenIn) -> Any:
    """Exchange a username and password for a bearer token (lockout rules apply)."""
    if not payload.username:
        raise FieldErrors.single("username", _("This field is required."))
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        if getattr(request, "safeloop_locked_until", None):
            locked = _("This account is locked after too many failed logins; try again later.")
            return Status(401, {"detail": locked, "errors": []})
        return Status(401, {"detail": _("Wrong username or password."), "errors": []})
    secret, token = account_services.token_issue(user=user, name="api")
    return Status(200, {"token": secret, "expires_at": token.expires_at})


@router.post("/token/revoke", response={204: None})
def token_revoke(request: HttpRequest) -> Any:
    """Revoke the token this request was made with."""
    from safeloop.accounts.models import hash_token

    secret = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    token = ApiToken.objects.filter(key_hash=hash_token(secret)).first()
    if token is not None:
        account_services.token_revoke(actor=request.user, token=token)
    return Status(204, None)

"""API v1 (django-ninja): one NinjaAPI, routers per app, token auth, errors in one shape:
{"detail": ..., "errors": [{"field", "message"}]} (DESIGN.md "Contracts")."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from safeloop.accounts.api import router as accounts_router
from safeloop.api.auth import TokenAuth
from safeloop.api.auth import router as auth_router
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.hazards.api import router as hazards_router
from safeloop.hazards.api_ledger import router as hazards_ledger_router
from safeloop.inspections.api_campaigns import router as inspections_campaigns_router
from safeloop.inspections.api_checklists import router as inspections_checklists_router
from safeloop.inspections.api_patrols import router as inspections_patrols_router
from safeloop.notifications.api import router as notifications_router
from safeloop.orgs.api import router as orgs_router
from safeloop.orgs.api_io import router as orgs_io_router
from safeloop.orgs.services import NotAllowed
from safeloop.risks.api import router as risks_router


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Chinese as text, not \\u escapes: readable in logs and a third smaller."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="SafeLoop API",
    version="1",
    description="SafeLoop (安全闭环) work-safety closed-loop platform",
    auth=TokenAuth(),
    urls_namespace="api-v1",
    # Served from ninja's own static files ("ninja" is in INSTALLED_APPS); no validator badge, which
    # would ask validator.swagger.io: the docs must work on a network without the internet.
    docs=Swagger(settings={"validatorUrl": None}),
)


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "__all__"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field_name(list(e.get("loc", []))), "message": str(e.get("msg", ""))} for e in exc.errors]
    return api.create_response(request, {"detail": _("Invalid input."), "errors": errors}, status=422)


@api.exception_handler(FieldErrors)
def on_field_errors(request: HttpRequest, exc: FieldErrors) -> HttpResponse:
    return api.create_response(request, {"detail": _("Invalid input."), "errors": exc.errors}, status=400)


@api.exception_handler(NotAllowed)
def on_not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc), "errors": []}, status=403)


@api.exception_handler(Conflict)
def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc), "errors": []}, status=409)


@api.exception_handler(ObjectDoesNotExist)
@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found."), "errors": []}, status=404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # e.g. a body that is not JSON (400); keeps the one error shape.
    return api.create_response(request, {"detail": str(exc), "errors": []}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": _("Authentication required."), "errors": []}, status=401)


api.add_router("/auth", auth_router)
api.add_router("/", accounts_router)
api.add_router("/", orgs_router)
api.add_router("/", orgs_io_router)
api.add_router("/", hazards_router)
api.add_router("/", hazards_ledger_router)
api.add_router("/", "safeloop.hazards.api_overview.router")
api.add_router("/", notifications_router)
api.add_router("/", risks_router)
api.add_router("/", inspections_patrols_router)
api.add_router("/", inspections_campaigns_router)
api.add_router("/", inspections_checklists_router)

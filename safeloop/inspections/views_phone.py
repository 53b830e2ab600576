"""The phone app for grid workers at /m/ (issue 5): an installable page that works with a poor signal.

The page (app shell), its script, styles and icons are cached by a service worker served from /m/sw.js
(scope /m/). Reports and check-ins are first written to the phone's IndexedDB with a UUID made on the
phone, then sent here with that UUID as `Idempotency-Key`, so a resend after a lost answer is a replay:
the same hazard or check-in comes back (200) and nothing is written twice. Each endpoint parses, calls
one service and renders JSON; errors are `{"detail", "errors": [{"field", "message"}]}` (DESIGN.md)."""

import hashlib
import json
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from safeloop.core.errors import Conflict, FieldErrors
from safeloop.hazards import services as hazard_services
from safeloop.inspections import services_patrols
from safeloop.orgs import selectors as org_selectors
from safeloop.orgs.services import NotAllowed

# Static files the service worker keeps for an offline start (besides the page itself).
SHELL_STATIC = (
    "safeloop/phone/app.js",
    "safeloop/phone/phone.css",
    "safeloop/phone/icon-192.png",
    "safeloop/phone/icon-512.png",
)
# At most this many of the caller's sites are offered for a check-in.
SITE_CHOICES = 300
MAX_PHOTOS = 9
KEY_LENGTH = 128
REPORT_FIELDS = ("title", "sector", "category", "description", "address", "lon", "lat", "reported_at")
CHECK_IN_FIELDS = ("lon", "lat", "accuracy_m", "enterprise_id", "note", "at")

JsonView = Callable[..., JsonResponse]


def _error(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or []}, status=status)


def api_login_required(view: JsonView) -> JsonView:
    """A 401 in JSON instead of the login page: the phone keeps the item queued and asks to log in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if not request.user.is_authenticated:
            return _error(401, _("Your session has ended. Log in again to send the queued items."))
        return view(request, *args, **kwargs)

    return wrapper


def _key(request: HttpRequest) -> tuple[str, JsonResponse | None]:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key or len(key) > KEY_LENGTH:
        message = _("Send an Idempotency-Key header (the item's UUID, at most 128 characters).")
        return "", _error(400, message, [{"field": "Idempotency-Key", "message": message}])
    return key, None


# ---- the page, the service worker, the manifest --------------------------------------------------------


def _strings() -> dict[str, str]:
    """The words app.js shows, translated here (json_script keeps them safe)."""
    return {
        "pending": _("%(count)s waiting to be sent"),
        "failed": _("%(count)s failed"),
        "never_synced": _("Not synced yet"),
        "synced_at": _("Last sync %(time)s: all sent"),
        "sync_failed_at": _("Last sync %(time)s: no network, will retry"),
        "sync_login": _("Last sync %(time)s: log in again to send"),
        "sync_refused_at": _("Last sync %(time)s: some items need fixing"),
        "refused": _("Some items were not accepted: fix or discard them below."),
        "saved_offline": _("Saved on the phone; it will be sent when the network returns."),
        "sent": _("Sent."),
        "sending": _("Sending…"),
        "locating": _("Finding your location…"),
        "located": _("Location from GPS (about %(metres)s m)."),
        "locate_failed": _("No GPS position: type the longitude and latitude."),
        "need_title": _("Give the hazard a title."),
        "need_sector": _("Choose the sector"),
        "need_location": _("Give the location (longitude and latitude) or a photo taken with GPS."),
        "need_position": _("Give the longitude and latitude."),
        "report": _("Report a hazard"),
        "check_in": _("Patrol check-in"),
        "retry_later": _("Kept in the queue: %(reason)s"),
        "discard": _("Discard"),
        "edit": _("Edit and send again"),
        "confirm_discard": _("Discard this item? It will not be sent."),
        "photos_carried": _("%(count)s photo(s) kept from the earlier attempt."),
    }


def _field_labels() -> dict[str, str]:
    """Field names in the server's errors, as the worker sees them on the form."""
    location = _("Location (WGS-84)")
    return {
        "title": _("Title"),
        "sector": _("Sector"),
        "description": _("Description"),
        "photos": _("Photos"),
        "location": location,
        "lon": _("Longitude"),
        "lat": _("Latitude"),
        "reported_at": _("Found at"),
        "at": _("Time"),
        "accuracy_m": location,
        "grid": _("Grid"),
        "enterprise_id": _("Site (optional)"),
        "note": _("Note"),
    }


@login_required
@ensure_csrf_cookie
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    sectors = [{"code": s.code, "name": s.name} for s in org_selectors.sector_list(actor=request.user)]
    sites = org_selectors.enterprise_list(actor=request.user).filter(active=True).order_by("name")
    response = render(
        request,
        "phone/app.html",
        {
            "sectors": sectors,
            "can_check_in": services_patrols.can_check_in(request.user),
            "sites": sites[:SITE_CHOICES],
            "strings": _strings(),
            "config": {
                "user": request.user.get_username(),
                "reports_url": reverse("phone:api_reports"),
                "check_ins_url": reverse("phone:api_check_ins"),
                "sw_url": reverse("phone:service_worker"),
                "scope": reverse("phone:home"),
                "field_labels": _field_labels(),
            },
        },
    )
    # The page carries the caller's name and CSRF token: the service worker stores its own copy.
    add_never_cache_headers(response)
    return response


@cache
def _shell_version() -> str:
    """Changes whenever a cached file changes, so phones drop the old shell."""
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        found = finders.find(name)
        if isinstance(found, str):
            digest.update(Path(found).read_bytes())
    digest.update(Path(__file__).with_name("views_phone.py").read_bytes())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, served under /m/ so that its scope is /m/. It holds no data."""
    shell = [reverse("phone:home"), reverse("phone:manifest"), *(static(name) for name in SHELL_STATIC)]
    response = render(
        request,
        "phone/sw.js",
        {
            "version": _shell_version(),
            "shell": json.dumps(shell),
            "page": json.dumps(reverse("phone:home")),
            "api": json.dumps(reverse("phone:home") + "api/"),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("phone:home")
    add_never_cache_headers(response)
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    home_url = reverse("phone:home")
    body = {
        "name": _("SafeLoop · Grid worker"),
        "short_name": _("SafeLoop"),
        "lang": "zh-CN",
        "start_url": home_url,
        "scope": home_url,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#1d4ed8",
        "icons": [
            {"src": static("safeloop/phone/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("safeloop/phone/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        ],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


# ---- the endpoints the queue sends to ------------------------------------------------------------------


@require_POST
@api_login_required
def api_reports(request: HttpRequest) -> JsonResponse:
    """A hazard report with its photos (multipart). 201 on create, 200 on a replay of the same key."""
    key, refusal = _key(request)
    if refusal is not None:
        return refusal
    data = {name: request.POST[name] for name in REPORT_FIELDS if request.POST.get(name, "") != ""}
    uploads = request.FILES.getlist("photos")
    if len(uploads) > MAX_PHOTOS:
        message = _("At most %(count)d photos per report.") % {"count": MAX_PHOTOS}
        return _error(400, message, [{"field": "photos", "message": message}])
    try:
        intake = hazard_services.hazard_report_with_photos(
            actor=request.user, data=data, photos=[upload.read() for upload in uploads], idempotency_key=key
        )
    except FieldErrors as exc:
        return _error(400, _("Please correct the fields below."), exc.errors)
    except Conflict as exc:
        return _error(409, str(exc))
    except NotAllowed as exc:
        return _error(403, str(exc))
    hazard = intake.hazard
    return JsonResponse({"id": str(hazard.uuid), "code": hazard.code}, status=201 if intake.created else 200)


@require_POST
@api_login_required
def api_check_ins(request: HttpRequest) -> JsonResponse:
    """A patrol check-in (JSON). The check-in's id is the Idempotency-Key: a replay returns it (200)."""
    key, refusal = _key(request)
    if refusal is not None:
        return refusal
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _error(400, _("The request body must be a JSON object."))
    data = {name: body[name] for name in CHECK_IN_FIELDS if body.get(name) not in (None, "")}
    data["id"] = key
    try:
        check_in, created = services_patrols.check_in(actor=request.user, data=data)
    except FieldErrors as exc:
        return _error(400, _("Please correct the fields below."), exc.errors)
    except Conflict as exc:
        return _error(409, str(exc))
    except NotAllowed as exc:
        return _error(403, str(exc))
    return JsonResponse(
        {"id": str(check_in.uuid), "grid": check_in.grid_id, "distance_m": round(check_in.distance_m)},
        status=201 if created else 200,
    )

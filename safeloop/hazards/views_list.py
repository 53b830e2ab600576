"""The hazard list and map: the shared HazardFilterSet over the caller's scoped hazards, as a paged
table (with the xlsx 台账 link carrying the same filter) and as GeoJSON points on a Leaflet map."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safeloop.hazards import selectors
from safeloop.hazards.choices import BADGE, OPEN_STATUSES, HazardStatus
from safeloop.hazards.filters import HazardFilterSet
from safeloop.hazards.forms import hazard_filterset
from safeloop.orgs import selectors as org_selectors

PAGE_SIZE = 50
MAP_LIMIT = 5000
# Tabler's palette, so a map marker has the colour of the status badge.
COLOURS = {
    "blue": "#066fd1",
    "azure": "#4299e1",
    "secondary": "#6b7280",
    "yellow": "#f59f00",
    "lime": "#74b816",
    "orange": "#f76707",
    "red": "#d63939",
    "teal": "#0ca678",
    "green": "#2fb344",
}
STATUS_LABELS = dict(HazardStatus.choices)


def _filterset(request: HttpRequest) -> HazardFilterSet:
    actor = request.user
    return hazard_filterset(
        request.GET,
        selectors.hazard_list(actor=actor),
        divisions=org_selectors.division_list(actor=actor).filter(level__lte=9),
        sectors=org_selectors.sector_list(actor=actor),
    )


def filter_query(request: HttpRequest) -> str:
    """The current filter as a query string, without the page number."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def ledger_url() -> str:
    try:
        return reverse("hazards:ledger_export")
    except NoReverseMatch:  # built by another part; the path is the contract
        return "/hazards/ledger.xlsx"


@login_required
@require_GET
def hazard_list(request: HttpRequest) -> HttpResponse:
    filterset = _filterset(request)
    queryset = filterset.qs.select_related("territorial_division").order_by("-reported_at", "-id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = filter_query(request)
    return render(
        request,
        "hazards/list.html",
        {
            "filter": filterset,
            "page": page,
            "badge": BADGE,
            "query": query,
            "export_url": f"{ledger_url()}?{query}",
            "map_url": f"{reverse('hazards:map')}?{query}",
        },
    )


@login_required
@require_GET
def hazard_map(request: HttpRequest) -> HttpResponse:
    filterset = _filterset(request)
    query = filter_query(request)
    return render(
        request,
        "hazards/map.html",
        {
            "filter": filterset,
            "query": query,
            "data_url": f"{reverse('hazards:map_data')}?{query}",
            "list_url": f"{reverse('hazards:list')}?{query}",
            "tile_url": settings.SAFELOOP_TILE_URL,
            "map_labels": {
                "open": _("Open the hazard"),
                "overdue": _("Overdue"),
                "empty": _("No hazards match."),
                "failed": _("The map data could not be loaded."),
                "limited": _("Showing the newest %(n)d hazards only.") % {"n": MAP_LIMIT},
            },
            "legend": [(STATUS_LABELS[s], COLOURS[BADGE[HazardStatus(s)]]) for s in OPEN_STATUSES],
        },
    )


@login_required
@require_GET
def hazard_map_data(request: HttpRequest) -> JsonResponse:
    """The filtered hazards as a GeoJSON FeatureCollection (WGS-84 points), newest first, at most
    MAP_LIMIT; `truncated` says when there were more."""
    filterset = _filterset(request)
    rows = list(
        filterset.qs.order_by("-reported_at", "-id").values(
            "uuid", "code", "title", "status", "level", "lon", "lat", "due_at"
        )[: MAP_LIMIT + 1]
    )
    now = timezone.now()
    features: list[dict[str, Any]] = []
    for row in rows[:MAP_LIMIT]:
        status = row["status"]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {
                    "code": row["code"],
                    "title": row["title"],
                    "status": status,
                    "status_label": str(STATUS_LABELS.get(status, status)),
                    "level": row["level"],
                    "colour": COLOURS.get(BADGE.get(status, "secondary"), "#6b7280"),
                    "overdue": bool(status in OPEN_STATUSES and row["due_at"] and row["due_at"] < now),
                    "url": reverse("hazards:detail", args=[row["uuid"]]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features, "truncated": len(rows) > MAP_LIMIT})

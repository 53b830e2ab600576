"""The hazard overview page (隐患总览): tiles, status × district, by sector, overdue by escalation tier.
Every number links to the hazard list filtered to the hazards it counts."""

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safeloop.core.errors import FieldErrors
from safeloop.hazards.choices import EscalationTier, HazardLevel, HazardStatus
from safeloop.hazards.overview import Overview, hazard_overview
from safeloop.orgs import selectors as org_selectors

# The filters the overview passes on to the list (the rest of HazardFilterSet is the list's business).
CARRIED = ("sector", "level", "source", "division", "reported_from", "reported_to")


def filters_from(query: QueryDict) -> dict[str, Any]:
    return {name: query.get(name) for name in CARRIED if query.get(name)}


class Links:
    """Hazard-list URLs for the numbers on the page, keeping the overview's own filters."""

    def __init__(self, base: str, filters: dict[str, Any]) -> None:
        self.base = base
        self.filters = filters

    def __call__(self, **params: Any) -> str:
        merged = {**self.filters, **{k: v for k, v in params.items() if v is not None}}
        return f"{self.base}?{urlencode(merged)}" if merged else self.base


def page_context(overview: Overview, links: Links) -> dict[str, Any]:
    labels = dict(HazardStatus.choices)
    statuses = overview.statuses
    rate = overview.rectification_rate
    tiers = dict(EscalationTier.choices)
    return {
        "overview": overview,
        "rate": None if rate is None else f"{rate * 100:.1f}%",
        "tiles": [
            {"key": "open", "label": _("Open"), "value": overview.open, "url": links(open="true")},
            {"key": "overdue", "label": _("Overdue"), "value": overview.overdue, "url": links(overdue="true")},
            {
                "key": "major_open",
                "label": _("Major hazards open"),
                "value": overview.major_open,
                "url": links(open="true", level="major"),
            },
        ],
        "columns": [{"status": s, "label": labels.get(s, s), "url": links(status=s)} for s in statuses],
        "rows": [
            {
                "code": d.code,
                "name": d.name,
                "cells": [{"value": d.by_status.get(s, 0), "url": links(division=d.code, status=s)} for s in statuses],
                "total": d.total,
                "total_url": links(division=d.code),
            }
            for d in overview.districts
        ],
        "totals": [{"value": overview.by_status.get(s, 0), "url": links(status=s)} for s in statuses],
        "total_url": links(),
        "tiers": [{"tier": tier, "label": tiers[tier], "value": n} for tier, n in overview.overdue_by_tier.items()],
        "chart": {
            "sectors": [s.name for s in overview.sectors],
            "codes": [s.code for s in overview.sectors],
            "open": [s.open for s in overview.sectors],
            "closed": [s.closed for s in overview.sectors],
            "other": [s.total - s.open - s.closed for s in overview.sectors],
            "labels": {"open": _("Open"), "closed": _("Closed"), "other": _("Invalid or duplicate")},
            "list_url": links(),
        },
    }


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    filters = filters_from(request.GET)
    errors: list[dict[str, str]] = []
    try:
        result = hazard_overview(actor=request.user, filters=filters)
    except FieldErrors as exc:  # a bad filter in the address: show it, and the unfiltered figures
        errors = exc.errors
        filters = {}
        result = hazard_overview(actor=request.user)
    context = page_context(result, Links(reverse("hazards:list"), filters))
    context.update(
        filter_errors=errors,
        selected=filters,
        sector_options=org_selectors.sector_list(actor=request.user),
        level_options=HazardLevel.choices,
        chart_height=max(200, 34 * len(result.sectors) + 70),
    )
    return render(request, "hazards/overview.html", context, status=400 if errors else 200)

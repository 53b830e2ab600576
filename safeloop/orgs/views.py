"""Organisation pages: the division tree, the grid map and grid pages, departments and the 三管三必须
map. Enterprises are in views_enterprises.py. Views parse input, call a selector or a service and
render; anything outside the caller's scope is a 404."""

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from safeloop.core.errors import FieldErrors
from safeloop.orgs import selectors, services
from safeloop.orgs.choices import DivisionLevel
from safeloop.orgs.forms import ResponsibilityRuleForm, apply_field_errors, division_choices
from safeloop.orgs.models import Grid, ResponsibilityRule


def refused(request: HttpRequest, reason: str) -> HttpResponse:
    """A 403 that says why (the object is visible, the action is not allowed)."""
    return render(request, "orgs/refused.html", {"reason": reason}, status=403)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def map_labels() -> dict[str, str]:
    """The words the map script shows, translated here (json_script keeps them safe)."""
    return {
        "code": _("Grid code"),
        "village": _("Village/community"),
        "type": _("Grid type"),
        "workers": _("Grid workers"),
        "none": _("none assigned"),
        "open": _("Open the grid"),
        "empty": _("No grids to show."),
        "failed": _("The grids could not be loaded."),
    }


# ---- divisions -----------------------------------------------------------------------------------


def tree_rows(nodes: list[selectors.DivisionNode]) -> Iterator[dict[str, Any]]:
    """The tree as one flat sequence: a row per node, then a closing row after a node's children.
    Labels are made here, once per node: a page of a few thousand divisions renders in one loop."""
    levels = dict(DivisionLevel.choices)
    for node in nodes:
        division = node.division
        yield {
            "code": division.code,
            "name": division.name,
            "open": division.level <= DivisionLevel.COUNTY,
            "parent": bool(node.children),
            "level": levels.get(division.level, ""),
            "grids": node.grids,
            "grids_label": ngettext("%(n)d grid", "%(n)d grids", node.grids) % {"n": node.grids},
            "enterprises": node.enterprises,
            "enterprises_label": ngettext("%(n)d enterprise", "%(n)d enterprises", node.enterprises)
            % {"n": node.enterprises},
            "zones": [(m.zone.name, m.get_relation_display(), m.verified) for m in node.zones],
        }
        if node.children:
            yield from tree_rows(node.children)
            yield {"close": True}


@login_required
@require_GET
def division_tree(request: HttpRequest) -> HttpResponse:
    tree = selectors.division_tree(actor=request.user)
    return render(
        request,
        "orgs/division_tree.html",
        {
            "tree": tree,
            "rows": list(tree_rows(tree.roots)),
            "grid_map_url": reverse("orgs:grid_map"),
            "enterprise_list_url": reverse("orgs:enterprise_list"),
            "needs_review": _("needs review"),
        },
    )


# ---- grids ---------------------------------------------------------------------------------------


@login_required
@require_GET
def grid_map(request: HttpRequest) -> HttpResponse:
    division = request.GET.get("division", "").strip()
    divisions = selectors.division_list(actor=request.user).filter(level__lte=9)
    return render(
        request,
        "orgs/grid_map.html",
        {
            "division": division,
            "division_options": division_choices(divisions, _("All my grids")),
            "geojson_url": reverse("orgs:grid_geojson") + (f"?division={division}" if division else ""),
            "tile_url": settings.SAFELOOP_TILE_URL,
            "map_labels": map_labels(),
        },
    )


def grid_feature(grid: Grid) -> dict[str, Any]:
    workers = [m.user.real_name or m.user.username for m in grid.workers]  # type: ignore[attr-defined]
    return {
        "type": "Feature",
        "geometry": grid.geometry,
        "properties": {
            "code": grid.code,
            "name": grid.name,
            "village": grid.village.name,
            "village_code": grid.village_id,
            "grid_type": grid.grid_type,
            "grid_type_label": str(grid.get_grid_type_display()),
            "workers": workers,
            "url": reverse("orgs:grid_detail", args=[grid.code]),
        },
    }


@login_required
@require_GET
def grid_geojson(request: HttpRequest) -> JsonResponse:
    """The caller's grids as a GeoJSON FeatureCollection (WGS-84), optionally inside one division."""
    grids = selectors.grid_list_with_workers(actor=request.user, division_code=request.GET.get("division", "").strip())
    return JsonResponse({"type": "FeatureCollection", "features": [grid_feature(g) for g in grids]})


@login_required
@require_GET
def grid_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        grid = selectors.grid_get(actor=request.user, code=code)
    except ObjectDoesNotExist:
        raise Http404 from None
    enterprises = (
        selectors.enterprise_list(actor=request.user)
        .filter(grid__code=grid.code)
        .select_related("division")
        .prefetch_related("sectors")
    )
    return render(
        request,
        "orgs/grid_detail.html",
        {
            "grid": grid,
            "enterprises": enterprises,
            "feature": grid_feature(grid),
            "tile_url": settings.SAFELOOP_TILE_URL,
            "map_labels": map_labels(),
        },
    )


# ---- departments ---------------------------------------------------------------------------------


@login_required
@require_GET
def department_list(request: HttpRequest) -> HttpResponse:
    departments = selectors.department_list(actor=request.user).order_by("division_id", "name")
    return render(request, "orgs/department_list.html", {"departments": departments})


# ---- the responsibility map (三管三必须) ------------------------------------------------------------


@login_required
@require_GET
def responsibility_map(request: HttpRequest) -> HttpResponse:
    rows = selectors.responsibility_rows(actor=request.user)
    return render(
        request,
        "orgs/responsibility_map.html",
        {"rows": rows, "can_edit": services.can_edit_reference_data(request.user)},
    )


def _rule_or_404(request: HttpRequest, sector: str, level: str) -> ResponsibilityRule:
    try:
        return selectors.responsibility_rule_get(actor=request.user, sector_code=sector, level=level)
    except ObjectDoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def responsibility_rule_row(request: HttpRequest, sector: str, level: str) -> HttpResponse:
    """One row of the map (htmx swaps it back in when an inline edit is cancelled)."""
    rule = _rule_or_404(request, sector, level)
    (row,) = selectors.responsibility_rows(actor=request.user, rules=[rule])
    return render(
        request,
        "orgs/_responsibility_row.html",
        {"row": row, "can_edit": services.can_edit_reference_data(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def responsibility_rule_edit(request: HttpRequest, sector: str, level: str) -> HttpResponse:
    rule = _rule_or_404(request, sector, level)
    functions = selectors.department_functions(actor=request.user)
    template = "orgs/_responsibility_form.html" if is_htmx(request) else "orgs/responsibility_edit.html"
    if request.method == "POST":
        form = ResponsibilityRuleForm(request.POST, functions=functions)
        if form.is_valid():
            try:
                rule = services.responsibility_rule_update(
                    actor=request.user,
                    rule=rule,
                    lead_function=form.cleaned_data["lead_function"],
                    co_functions=form.cleaned_data["co_functions"],
                    legal_basis=form.cleaned_data["legal_basis"].strip(),
                )
            except services.NotAllowed as exc:
                return refused(request, str(exc))
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                if is_htmx(request):
                    (row,) = selectors.responsibility_rows(actor=request.user, rules=[rule])
                    return render(request, "orgs/_responsibility_row.html", {"row": row, "can_edit": True})
                messages.success(request, _("The responsibility rule was saved."))
                return redirect("orgs:responsibility_map")
        status = 422 if not is_htmx(request) else 200
        return render(request, template, {"form": form, "rule": rule}, status=status)
    if not services.can_edit_reference_data(request.user):
        return refused(request, _("Only the city office or a system administrator may edit the responsibility map."))
    initial = {"lead_function": rule.lead_function, "co_functions": rule.co_functions, "legal_basis": rule.legal_basis}
    form = ResponsibilityRuleForm(initial=initial, functions=functions)
    return render(request, template, {"form": form, "rule": rule})

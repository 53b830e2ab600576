"""The 四色图 pages (DOMAIN.md §4.4–4.5): the regional map of the caller's scoped risk points coloured by
their current level, with the aggregate per division or grid under it, and an enterprise's site plan
on which its points are placed. Reads go through the scoped selectors, writes through services_plan."""

from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeloop.core.errors import FieldErrors
from safeloop.core.forms import TablerFormMixin, apply_field_errors
from safeloop.core.images import MAX_IMAGE_BYTES
from safeloop.core.scoping import scope_for
from safeloop.orgs import depths
from safeloop.orgs import selectors as org_selectors
from safeloop.orgs.forms import division_choices
from safeloop.orgs.models import Enterprise
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.views import is_htmx, refused
from safeloop.risks import config, maps, permissions, selectors, services_plan
from safeloop.risks.choices import LEVEL_ORDER, RiskLevel
from safeloop.risks.filters import RiskPointFilterSet
from safeloop.risks.models import RiskPoint, SitePlan
from safeloop.risks.templatetags.risk_tags import INK

# DOMAIN.md §4.4: the four levels with the colour word the legend names.
LEGEND_LABELS: dict[str, Any] = {
    RiskLevel.MAJOR: gettext_lazy("Major risk (red)"),
    RiskLevel.SIGNIFICANT: gettext_lazy("Significant risk (orange)"),
    RiskLevel.GENERAL: gettext_lazy("General risk (yellow)"),
    RiskLevel.LOW: gettext_lazy("Low risk (blue)"),
}
DEPTH_LABELS: dict[int | str, Any] = {
    6: gettext_lazy("District/county"),
    9: gettext_lazy("Township/street"),
    12: gettext_lazy("Village/community"),
    depths.GRID: gettext_lazy("Grid"),
}
# The filter parameters the map's form does not show but keeps (the list's query string).
KEPT = ("q", "kind", "grid", "enterprise", "public", "reassess", "raised", "reassess_reason")


# ---- the regional map --------------------------------------------------------------------------------


def _filterset(request: HttpRequest) -> RiskPointFilterSet:
    """The register's FilterSet (the list's query string) over the caller's active points."""
    return RiskPointFilterSet(request.GET, queryset=selectors.risk_point_list(actor=request.user))


def _with_widgets(request: HttpRequest, filterset: RiskPointFilterSet) -> RiskPointFilterSet:
    """Widgets for the map's form; division and sector choices are limited to what the caller may see."""
    actor = request.user
    fields = filterset.form.fields
    divisions = list(org_selectors.division_list(actor=actor).filter(level__lte=9))
    chosen = request.GET.get("division", "").strip()
    if chosen and chosen not in {d.code for d in divisions}:
        divisions += list(org_selectors.division_list(actor=actor).filter(code=chosen))
    fields["division"].widget = forms.Select(
        choices=division_choices(divisions, str(_("All divisions"))), attrs={"class": "form-select"}
    )
    sectors = org_selectors.sector_list(actor=actor)
    fields["sector"].widget = forms.Select(
        choices=[("", _("All sectors")), *((s.code, s.name) for s in sectors)], attrs={"class": "form-select"}
    )
    return filterset


def _query(request: HttpRequest, **changes: str | None) -> str:
    params = request.GET.copy()
    params.pop("format", None)
    for name, value in changes.items():
        params.pop(name, None)
        if value:
            params[name] = value
    return params.urlencode()


def _depth(request: HttpRequest) -> int | str:
    given = depths.parse_depth(request.GET.get("depth"))
    if given is not None:
        return given
    if request.GET.get("grid", "").strip():
        return depths.GRID
    return depths.next_depth(request.GET.get("division", ""))


def _parent(code: str) -> str:
    """The division above, as the filter takes it ("" for the whole scope)."""
    if len(code) >= 12:
        return code[:9]
    if len(code) >= 9:
        return code[:6]
    return ""


def _summary(request: HttpRequest, filterset: RiskPointFilterSet) -> dict[str, Any]:
    depth = _depth(request)
    rows = maps.level_summary(filterset.qs, depth)
    base = reverse("risks:map")
    for row in rows:
        if not row.code:
            row.link = ""
        elif depth == depths.GRID:
            row.link = f"{base}?{_query(request, grid=row.code, depth=depths.GRID)}"
        else:
            row.link = f"{base}?{_query(request, division=row.code, depth=str(depths.next_depth(row.code)))}"
    division = request.GET.get("division", "").strip()
    up = ""
    if request.GET.get("grid", "").strip():
        up = f"{base}?{_query(request, grid=None, depth=None)}"
    elif division:
        parent = _parent(division)
        up = f"{base}?{_query(request, division=parent or None, depth=None)}"
    return {
        "depth": depth,
        "depth_label": DEPTH_LABELS[depth],
        "rows": rows,
        "total": maps.summary_total(rows),
        "levels": [(level, LEGEND_LABELS[level], config.colour(level)) for level in LEVEL_ORDER],
        "up_url": up,
    }


def _legend() -> list[dict[str, str]]:
    return [
        {
            "level": level,
            "label": str(LEGEND_LABELS[level]),
            "colour": config.colour(level),
            "numeral": config.numeral(level),
        }
        for level in LEVEL_ORDER
    ]


def _map_style() -> dict[str, Any]:
    """Colours for the script: the configured level colours, the text colour on each, the outline."""
    return {
        "levels": {level: config.colour(level) for level in LEVEL_ORDER},
        "unassessed": config.colour(""),
        "ink": {level: INK.get(level, "") for level in LEVEL_ORDER},
        "outline": "#ffffff",
    }


def _map_labels() -> dict[str, Any]:
    return {
        "open": _("Open the risk point"),
        "empty": _("No risk points match."),
        "failed": _("The map data could not be loaded."),
        "limited": _("Showing the %(n)d highest-level risk points only.") % {"n": maps.MAP_LIMIT},
        "unassessed": _("Not assessed"),
        "levels": {level: f"{config.numeral(level)} {label}".strip() for level, label in RiskLevel.choices},
    }


def _plan_links(request: HttpRequest, filterset: RiskPointFilterSet) -> list[Enterprise]:
    """The site plans worth a button: the caller's own enterprises, and the one the map is filtered to."""
    own = [grant.enterprise_id for grant in scope_for(request.user).grants if grant.enterprise_id is not None]
    chosen = filterset.form.cleaned_data.get("enterprise") if filterset.is_valid() else None
    if not own and not chosen:
        return []
    wanted = Q(pk__in=own) | (Q(uuid=chosen) if chosen else Q(pk__in=[]))
    return list(org_selectors.enterprise_list(actor=request.user).filter(wanted).order_by("name")[:5])


def _data_url(request: HttpRequest) -> str:
    query = _query(request)
    return f"{reverse('risks:map_data')}?{query}" if query else reverse("risks:map_data")


@login_required
@require_GET
def risk_map(request: HttpRequest) -> HttpResponse:
    filterset = _with_widgets(request, _filterset(request))
    return render(
        request,
        "risks/map.html",
        {
            "filter": filterset,
            "selected_levels": request.GET.getlist("level"),
            "plan_links": _plan_links(request, filterset),
            "kept": [(name, value) for name in KEPT for value in request.GET.getlist(name) if value],
            "data_url": _data_url(request),
            "tile_url": settings.SAFELOOP_TILE_URL,
            "legend": _legend(),
            "map_labels": _map_labels(),
            "map_style": _map_style(),
            "summary": _summary(request, filterset),
        },
    )


def _grid_layer_wanted(request: HttpRequest) -> bool:
    """Grids are coloured only when the view is down to a township or less (a city's thousands of
    grid outlines would outweigh the points)."""
    return bool(request.GET.get("grid", "").strip()) or len(request.GET.get("division", "").strip()) >= 9


@login_required
@require_GET
def risk_map_data(request: HttpRequest) -> JsonResponse:
    """The filtered points as a GeoJSON FeatureCollection (WGS-84), highest level first, at most
    maps.MAP_LIMIT (`truncated` says when there were more); near enough, the grids coloured by
    their highest level under `grids`."""
    filterset = _filterset(request)
    data = maps.point_features(filterset.qs, limit=maps.MAP_LIMIT)
    if _grid_layer_wanted(request):
        data["grids"] = maps.grid_features(maps.level_summary(filterset.qs, depths.GRID))
    return JsonResponse(data)


@login_required
@require_GET
def risk_map_summary(request: HttpRequest) -> HttpResponse:
    """The aggregate per division or grid: the table under the map (a fragment for htmx, else a page),
    or with `?format=json` the rows as JSON."""
    filterset = _filterset(request)
    summary = _summary(request, filterset)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "depth": summary["depth"],
                "division": request.GET.get("division", "").strip(),
                "items": [row.as_json() for row in summary["rows"]],
                "count": len(summary["rows"]),
                "total": summary["total"].as_json(),
            }
        )
    template = "risks/_map_summary.html" if is_htmx(request) else "risks/_map_summary_page.html"
    return render(request, template, {"summary": summary, "filter": filterset})


# ---- the enterprise's site plan ----------------------------------------------------------------------


class SitePlanForm(TablerFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Site plan image (JPEG, PNG or WebP, at most 10 MB)"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class PlaceForm(TablerFormMixin, forms.Form):
    """The position as fractions of the plan (the script fills them from a click); the service checks them."""

    x = forms.CharField(label=gettext_lazy("Across (0–1, from the left)"), required=False)
    y = forms.CharField(label=gettext_lazy("Down (0–1, from the top)"), required=False)


def _place_id(point: RiskPoint) -> str:
    return f"place-{point.code}-%s"


def _enterprise_or_404(request: HttpRequest, uuid: UUID) -> Enterprise:
    try:
        return org_selectors.enterprise_get(actor=request.user, uuid=uuid)
    except Enterprise.DoesNotExist as exc:
        raise Http404 from exc


def _point_or_404(request: HttpRequest, uuid: UUID) -> RiskPoint:
    try:
        point = selectors.risk_point_get(actor=request.user, uuid=uuid)
    except RiskPoint.DoesNotExist as exc:
        raise Http404 from exc
    if point.enterprise_id is None:
        raise Http404
    return point


def _plan_page(
    request: HttpRequest,
    enterprise: Enterprise,
    *,
    upload_form: SitePlanForm | None = None,
    place_form: PlaceForm | None = None,
    place_point: RiskPoint | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.user
    plan = SitePlan.objects.filter(enterprise=enterprise).first()
    points = sorted(
        selectors.risk_point_list(actor=actor).filter(enterprise=enterprise),
        key=lambda p: (LEVEL_ORDER.index(p.current_level) if p.current_level in LEVEL_ORDER else 9, p.code),
    )
    rows = []
    for point in points:
        x, y = point.plan_x, point.plan_y
        placed = x is not None and y is not None
        rows.append(
            {
                "point": point,
                "placed": placed,
                "left": f"{x * 100:.3f}" if x is not None else "",
                "top": f"{y * 100:.3f}" if y is not None else "",
                "colour": config.colour(point.current_level),
                "major": point.current_level == RiskLevel.MAJOR,
                "editable": plan is not None and permissions.can_edit(actor, point),
                "form": place_form
                if place_point is not None and place_point.pk == point.pk
                else PlaceForm(auto_id=_place_id(point), initial={"x": point.plan_x, "y": point.plan_y}),
            }
        )
    image_url = ""
    if plan is not None:
        image_url = f"{reverse('risks:site_plan_image', args=[enterprise.uuid])}?v={int(plan.updated_at.timestamp())}"
    return render(
        request,
        "risks/site_plan.html",
        {
            "enterprise": enterprise,
            "plan": plan,
            "image_url": image_url,
            "rows": rows,
            "placed": [row for row in rows if row["placed"]],
            "unplaced": [row for row in rows if not row["placed"]],
            "can_upload": services_plan.can_edit_plan(actor, enterprise),
            "upload_form": upload_form or SitePlanForm(),
            "legend": _legend(),
            "plan_labels": {"choose": _("Click on the plan where “{name}” is.")},
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_plan(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The enterprise's 四色图 on its site plan; a POST uploads (or replaces) the plan image."""
    enterprise = _enterprise_or_404(request, uuid)
    if request.method != "POST":
        return _plan_page(request, enterprise)
    if not services_plan.can_edit_plan(request.user, enterprise):
        return refused(request, _("You may not change this enterprise's site plan."))
    form = SitePlanForm(request.POST, request.FILES)
    if not form.is_valid():
        return _plan_page(request, enterprise, upload_form=form, status=422)
    upload = form.cleaned_data["file"]
    try:
        # One byte past the limit is enough for the service to refuse a file that is too large.
        services_plan.site_plan_upload(
            actor=request.user, enterprise=enterprise, content=upload.read(MAX_IMAGE_BYTES + 1)
        )
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _plan_page(request, enterprise, upload_form=form, status=422)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("The site plan was uploaded."))
    return redirect("risks:site_plan", uuid=enterprise.uuid)


@login_required
@require_GET
def site_plan_image(request: HttpRequest, uuid: UUID) -> FileResponse:
    """The plan image, served through the app (never from /media/) to users who see the enterprise."""
    enterprise = _enterprise_or_404(request, uuid)
    plan = SitePlan.objects.filter(enterprise=enterprise).first()
    if plan is None:
        raise Http404
    response = FileResponse(plan.file.open("rb"), content_type=plan.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def place_point(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Put a point on its enterprise's plan at the fractions x, y (from a click on the plan)."""
    point = _point_or_404(request, uuid)
    enterprise = point.enterprise
    assert enterprise is not None
    form = PlaceForm(request.POST, auto_id=_place_id(point))
    form.is_valid()
    try:
        services_plan.point_place(actor=request.user, point=point, x=request.POST.get("x"), y=request.POST.get("y"))
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _plan_page(request, enterprise, place_form=form, place_point=point, status=422)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("%(point)s was placed on the site plan.") % {"point": point.name})
    return redirect("risks:site_plan", uuid=enterprise.uuid)


@login_required
@require_POST
def unplace_point(request: HttpRequest, uuid: UUID) -> HttpResponse:
    point = _point_or_404(request, uuid)
    enterprise = point.enterprise
    assert enterprise is not None
    try:
        services_plan.point_unplace(actor=request.user, point=point)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("%(point)s was taken off the site plan.") % {"point": point.name})
    return redirect("risks:site_plan", uuid=enterprise.uuid)

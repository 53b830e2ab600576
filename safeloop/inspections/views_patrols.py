"""Grid patrol pages: the patrol log, coverage by district → township → village → grid, a grid's patrol
page (plan, recent check-ins, sites not visited), the plan form for division officers, and a check-in
form for desktop or phone (the browser's GPS fills the position). Reads through the scoped selectors,
writes through services_patrols."""

import uuid
from datetime import timedelta
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.forms import TablerFormMixin, apply_field_errors
from safeloop.inspections import config, coverage, selectors, services_patrols
from safeloop.inspections.api_patrols import filter_checkins
from safeloop.inspections.models import PatrolPlan
from safeloop.orgs import depths
from safeloop.orgs.models import Enterprise, Grid
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.views import refused

PAGE_SIZE = 50
RECENT = 20
DEPTH_LABELS: dict[int | str, Any] = {
    6: gettext_lazy("District/county"),
    9: gettext_lazy("Township/street"),
    12: gettext_lazy("Village/community"),
    depths.GRID: gettext_lazy("Grid"),
}


def _grid_or_404(request: HttpRequest, code: str) -> Grid:
    grid = coverage.scoped_grids(request.user).select_related("village").filter(code=code).first()
    if grid is None:
        raise Http404
    return grid


# ---- the patrol log -------------------------------------------------------------------------------


class LogFilterForm(TablerFormMixin, forms.Form):
    grid = forms.ChoiceField(label=gettext_lazy("Grid"), required=False)
    user = forms.CharField(label=gettext_lazy("Username"), required=False, max_length=150)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, grids: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["grid"]).choices = [("", _("All grids")), *grids]


def _grid_choices(actor: Any, limit: int = 500) -> list[tuple[str, str]]:
    return [
        (code, f"{name} ({code})") for code, name in coverage.scoped_grids(actor).values_list("code", "name")[:limit]
    ]


@login_required
@require_GET
def patrol_log(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = LogFilterForm(request.GET or None, grids=_grid_choices(actor))
    checkins = selectors.checkin_list(actor=actor)
    if form.is_bound and form.is_valid():
        params = {name: value for name, value in form.cleaned_data.items() if value}
        params = {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in params.items()}
        checkins = filter_checkins(checkins, params)
    page = Paginator(checkins.order_by("-at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/patrol_log.html",
        {"form": form, "page": page, "can_check_in": services_patrols.can_check_in(actor)},
    )


# ---- coverage -------------------------------------------------------------------------------------


def _coverage_url(**params: Any) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items() if value not in (None, ""))
    base = reverse("inspections:patrol_coverage")
    return f"{base}?{query}" if query else base


def _parent(code: str) -> str:
    if len(code) >= 15:
        return code[:12]
    if len(code) >= 12:
        return code[:9]
    if len(code) >= 9:
        return code[:6]
    return ""


@login_required
@require_GET
def patrol_coverage(request: HttpRequest) -> HttpResponse:
    """Coverage by district, township, village and grid; a row leads one level down."""
    division = request.GET.get("division", "").strip()
    days = request.GET.get("days", "").strip()
    problems: list[str] = []
    try:
        report = coverage.coverage(
            actor=request.user, depth=request.GET.get("depth"), division=division, days=days or None
        )
    except FieldErrors as exc:
        problems = [error["message"] for error in exc.errors]
        report = coverage.coverage(actor=request.user)
        division = days = ""
    for row in report.rows:
        if report.depth == depths.GRID:
            row.link = reverse("inspections:patrol_grid", args=[row.code]) + (f"?days={days}" if days else "")
        else:
            row.link = _coverage_url(division=row.code, days=days)
    up = _coverage_url(division=_parent(division), days=days) if division else ""
    return render(
        request,
        "inspections/patrol_coverage.html",
        {
            "report": report,
            "depth_label": DEPTH_LABELS[report.depth],
            "up_url": up,
            "problems": problems,
            "days_value": days or report.days,
            "division": division,
            "legend": [
                (coverage.COLOURS["good"], _("%(n)d%% or more") % {"n": coverage.GOOD}),
                (
                    coverage.COLOURS["partial"],
                    _("%(low)d–%(high)d%%") % {"low": coverage.PARTIAL, "high": coverage.GOOD},
                ),
                (coverage.COLOURS["poor"], _("Below %(n)d%%") % {"n": coverage.PARTIAL}),
            ],
        },
    )


# ---- a grid's patrols -----------------------------------------------------------------------------


@login_required
@require_GET
def patrol_grid(request: HttpRequest, code: str) -> HttpResponse:
    actor = request.user
    grid = _grid_or_404(request, code)
    errors = FieldErrors()
    days = coverage.parse_days(request.GET.get("days"), errors)
    if errors:
        days = coverage.parse_days(None, errors)
    plan = PatrolPlan.objects.filter(grid=grid).first()
    every = services_patrols.plan_every_days(plan)
    recent = list(selectors.checkin_list(actor=actor).filter(grid=grid).order_by("-at", "-id")[:RECENT])
    last = recent[0].at if recent else None
    met = None
    if every is not None:
        met = last is not None and last >= timezone.now() - timedelta(days=every)
    report = coverage.coverage(actor=actor, depth=depths.GRID, division=grid.code, days=days)
    row = report.rows[0] if report.rows else coverage.CoverageRow(code=grid.code, name=grid.name)
    return render(
        request,
        "inspections/patrol_grid.html",
        {
            "grid": grid,
            "plan": plan,
            "every_days": every,
            "plan_met": met,
            "last_at": last,
            "recent": recent,
            "row": row,
            "days": days,
            "unvisited": list(coverage.unvisited_sites(grid=grid, days=days)[:200]),
            "can_plan": services_patrols.can_plan(actor, grid.code),
            "can_check_in": services_patrols.can_check_in(actor, grid.code),
        },
    )


class PlanForm(TablerFormMixin, forms.Form):
    every_days = forms.CharField(
        label=gettext_lazy("Patrol every (days)"),
        widget=forms.NumberInput(attrs={"min": 1, "max": services_patrols.EVERY_DAYS_MAX, "inputmode": "numeric"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def patrol_plan_edit(request: HttpRequest, code: str) -> HttpResponse:
    grid = _grid_or_404(request, code)
    if not services_patrols.can_plan(request.user, grid.code):
        return refused(request, _("Only the district/township officers of this grid set its patrol plan."))
    plan = PatrolPlan.objects.filter(grid=grid).first()
    status = 200
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services_patrols.patrol_plan_set(
                    actor=request.user, grid=grid, every_days=form.cleaned_data["every_days"]
                )
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            except NotAllowed as exc:
                return refused(request, str(exc))
            else:
                messages.success(request, _("The patrol plan was saved."))
                return redirect("inspections:patrol_grid", code=grid.code)
        status = 422
    else:
        form = PlanForm(initial={"every_days": plan.every_days if plan else config.get("patrol_every_days")})
    return render(request, "inspections/patrol_plan_form.html", {"grid": grid, "form": form}, status=status)


# ---- the check-in form ----------------------------------------------------------------------------


class CheckInForm(TablerFormMixin, forms.Form):
    """Numbers are taken as text: the service reads them and names what is wrong."""

    id = forms.CharField(widget=forms.HiddenInput, required=False)
    grid = forms.ChoiceField(label=gettext_lazy("Grid"), required=False)
    enterprise_id = forms.ChoiceField(label=gettext_lazy("Site visited (optional)"), required=False)
    lon = forms.CharField(
        label=gettext_lazy("Longitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    lat = forms.CharField(
        label=gettext_lazy("Latitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    accuracy_m = forms.CharField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, grids: list[tuple[str, str]], sites: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["grid"]).choices = (
            grids if len(grids) == 1 else [("", _("Choose a grid")), *grids]
        )
        cast(forms.ChoiceField, self.fields["enterprise_id"]).choices = [("", _("No particular site")), *sites]
        self.location_errors: list[str] = []


def _checkin_choices(actor: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    own, prefixes = services_patrols.checkin_grid_codes(actor)
    wanted = Q(code__in=own)
    for prefix in prefixes:
        wanted |= Q(code__startswith=prefix)
    grids = Grid.objects.filter(wanted).order_by("code")
    grid_choices = [(code, f"{name} ({code})") for code, name in grids.values_list("code", "name")[:500]]
    sites = (
        Enterprise.objects.filter(active=True, grid__in=grids.values("code"))
        .order_by("grid_id", "name")
        .values_list("uuid", "name")[:500]
    )
    return grid_choices, [(str(key), name) for key, name in sites]


@login_required
@require_http_methods(["GET", "POST"])
def patrol_check_in(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not services_patrols.can_check_in(actor):
        return refused(request, _("Only grid workers and district/township officers check in on patrols."))
    grids, sites = _checkin_choices(actor)
    status = 200
    if request.method == "POST":
        form = CheckInForm(request.POST, grids=grids, sites=sites)
        form.is_valid()
        data = {name: request.POST.get(name, "") for name in form.fields}
        try:
            checkin, created = services_patrols.check_in(actor=actor, data=data)
        except FieldErrors as exc:
            form.location_errors = [e["message"] for e in exc.errors if e["field"] == "location"]
            apply_field_errors(form, FieldErrors([e for e in exc.errors if e["field"] != "location"]))
            status = 422
        except (NotAllowed, Conflict) as exc:
            return refused(request, str(exc))
        else:
            if created:
                messages.success(
                    request, _("Checked in at %(time)s.") % {"time": timezone.localtime(checkin.at).strftime("%H:%M")}
                )
            else:
                messages.info(request, _("This check-in was already recorded."))
            return redirect("inspections:patrol_grid", code=checkin.grid_id)
    else:
        initial = {"id": str(uuid.uuid4()), "grid": request.GET.get("grid") or (grids[0][0] if len(grids) == 1 else "")}
        if request.GET.get("enterprise"):
            initial["enterprise_id"] = request.GET["enterprise"]
        form = CheckInForm(initial=initial, grids=grids, sites=sites)
    return render(request, "inspections/patrol_check_in.html", {"form": form}, status=status)

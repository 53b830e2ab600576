"""The risk register's pages (风险清单, DOMAIN.md §4): the list over the shared RiskPointFilterSet, a
point's page with its assessments, control measures, their checks and the hazards found there, the
forms that call the services (point, assessment with a live score preview, measure, re-assessment,
retire), and the score band tables the city office keeps. Views only read through the scoped
selectors and write through the services; anything outside the caller's scope is a 404."""

import contextlib
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeloop.accounts.choices import Role
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.core.scoping import scope_for
from safeloop.hazards.selectors import criteria_items
from safeloop.orgs import selectors as org_selectors
from safeloop.orgs.models import Enterprise
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.views import refused
from safeloop.risks import permissions, scoring, selectors, services, services_bands
from safeloop.risks.choices import LEVEL_ORDER, Method, ResponsibleTier, RiskLevel
from safeloop.risks.forms import (
    FACTOR_LABELS,
    AssessForm,
    BandTableForm,
    MeasureForm,
    MethodSettingForm,
    PointForm,
    ReassessForm,
    factor_data,
    risk_point_filterset,
)
from safeloop.risks.models import ControlMeasure, RiskAssessment, RiskBandTable, RiskMethodSetting, RiskPoint

PAGE_SIZE = 50
# Up to this many of the caller's enterprises are offered in the point form; more are found by search.
ENTERPRISE_CHOICES = 300
SEARCH_LIMIT = 50
RECENT_CHECKS = 10

# DOMAIN.md §4.4: who controls a risk of each level, by the tier names of config's control tables.
CONTROL_LEVEL_LABELS: dict[str, Any] = {
    "company": gettext_lazy("Company level"),
    "department": gettext_lazy("Department (workshop) level"),
    "team": gettext_lazy("Team level"),
    "post": gettext_lazy("Post level"),
    "county": gettext_lazy("District/county level"),
    "township": gettext_lazy("Township (street) level"),
    "village": gettext_lazy("Village (community) level"),
    "grid": gettext_lazy("Grid level"),
}
# Who may keep a register at all (the services decide where, permissions.may_create).
CREATORS = frozenset(
    {Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER, Role.SYS_ADMIN, Role.ENTERPRISE_OFFICER}
)
BUSINESS = frozenset(Role.values) - {Role.AUDIT_ADMIN}
LEVEL_LABELS = dict(RiskLevel.choices)
TIER_LABELS = dict(ResponsibleTier.choices)


def _url(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # built by another part of the register; the path is the contract
        return fallback


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def filter_query(request: HttpRequest) -> str:
    """The current filter as a query string, without the page number."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def may_create(actor: Any) -> bool:
    return scope_for(actor).has_role(*CREATORS)


def point_or_404(request: HttpRequest, uuid: Any) -> RiskPoint:
    try:
        return selectors.risk_point_get(actor=request.user, uuid=uuid)
    except (RiskPoint.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def measure_or_404(request: HttpRequest, uuid: Any) -> ControlMeasure:
    points = selectors.risk_point_list(actor=request.user, include_inactive=True)
    try:
        return ControlMeasure.objects.select_related("point").get(uuid=uuid, point__in=points)
    except (ControlMeasure.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


# ---- list ------------------------------------------------------------------------------------------


@login_required
@require_GET
def point_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    filterset = risk_point_filterset(
        request.GET,
        selectors.risk_point_list(actor=actor),
        divisions=org_selectors.division_list(actor=actor).filter(level__lte=9),
        sectors=org_selectors.sector_list(actor=actor),
    )
    page = Paginator(filterset.qs.order_by("code"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for point in page.object_list:
        point.control_label = CONTROL_LEVEL_LABELS.get(point.control_level, point.control_level)
    query = filter_query(request)
    return render(
        request,
        "risks/list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "may_create": may_create(actor),
            "export_url": _with_query(_url("risks:export", "/risks/export.xlsx"), query),
            "import_url": _url("risks:import", "/risks/import/"),
            "map_url": _with_query(_url("risks:map", "/risks/map/"), query),
        },
    )


# ---- detail ----------------------------------------------------------------------------------------


def factors_text(factors: dict[str, Any] | None, method: str) -> str:
    """{"l": "3", "e": "6", "c": "7"} → "L 3 × E 6 × C 7", in the method's order (PostgreSQL's jsonb
    keeps the keys in its own order)."""
    factors = factors or {}
    order = [name for name in scoring.FACTORS.get(method, ()) if name in factors]
    order += [name for name in factors if name not in order]
    return " × ".join(f"{name.upper()} {factors[name]}" for name in order)


def _history(point: RiskPoint) -> list[RiskAssessment]:
    rows = list(selectors.assessments(point=point))
    for row in rows:
        row.inherent_text = factors_text(row.inherent_factors, row.method)  # type: ignore[attr-defined]
        row.residual_text = factors_text(row.residual_factors, row.method)  # type: ignore[attr-defined]
        who = row.assessed_by
        row.who = (who.real_name or who.username) if who else row.assessed_by_name  # type: ignore[attr-defined]
    return rows


def _measures(request: HttpRequest, point: RiskPoint) -> list[ControlMeasure]:
    measures = list(point.measures.all())
    checks = selectors.check_list(actor=request.user)
    for measure in measures:
        measure.recent_checks = list(  # type: ignore[attr-defined]
            checks.filter(measure=measure).order_by("-due_on", "-id")[:RECENT_CHECKS]
        )
    return measures


@login_required
@require_GET
def point_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    point = point_or_404(request, uuid)
    responsible = [
        {**entry, "tier_label": TIER_LABELS.get(str(entry.get("tier")), entry.get("tier"))}
        for entry in point.responsible or []
        if isinstance(entry, dict)
    ]
    links = list(point.hazard_links.select_related("hazard").order_by("-linked_at"))
    site_plan_url = ""
    if point.enterprise is not None:
        with contextlib.suppress(NoReverseMatch):  # the 四色图 part draws the site plan
            site_plan_url = reverse("risks:site_plan", args=[point.enterprise.uuid])
    return render(
        request,
        "risks/detail.html",
        {
            "point": point,
            "can_edit": permissions.can_edit(request.user, point),
            "responsible": responsible,
            "control_label": CONTROL_LEVEL_LABELS.get(point.control_level, point.control_level),
            "assessments": _history(point),
            "measures": _measures(request, point),
            "links": links,
            "site_plan_url": site_plan_url,
        },
    )


# ---- the point form --------------------------------------------------------------------------------


def _enterprises(actor: Any) -> QuerySet[Enterprise]:
    return org_selectors.enterprise_list(actor=actor).filter(active=True).order_by("name")


def _enterprise_choices(actor: Any, selected: str = "") -> tuple[list[Enterprise], bool]:
    everyone = _enterprises(actor)
    shown = list(everyone[: ENTERPRISE_CHOICES + 1])
    more = len(shown) > ENTERPRISE_CHOICES
    shown = shown[:ENTERPRISE_CHOICES]
    if selected and not any(str(e.uuid) == selected for e in shown):
        with contextlib.suppress(ValueError):
            shown += list(everyone.filter(uuid=UUID(selected)))
    return shown, more


def _point_page(
    request: HttpRequest, form: PointForm, *, point: RiskPoint | None, search: bool = False, status: int = 200
) -> HttpResponse:
    return render(request, "risks/point_form.html", {"form": form, "point": point, "search": search}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def point_create(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not may_create(actor):
        return refused(request, _("Your role does not allow adding risk points."))
    data = request.POST if request.method == "POST" else None
    selected = str(data.get("enterprise_id") or "") if data is not None else ""
    enterprises, more = _enterprise_choices(actor, selected)
    initial = {}
    if len(enterprises) == 1 and not scope_for(actor).has_role(*(CREATORS - {Role.ENTERPRISE_OFFICER})):
        initial["enterprise_id"] = str(enterprises[0].uuid)  # an enterprise officer keeps its own points
    form = PointForm(data, sectors=org_selectors.sector_list(actor=actor), enterprises=enterprises, initial=initial)
    if data is None:
        return _point_page(request, form, point=None, search=more)
    if not form.is_valid():
        return _point_page(request, form, point=None, search=more, status=422)
    body, aliases = form.service_data()
    try:
        point = services.risk_point_create(actor=actor, data=body)
    except FieldErrors as exc:
        apply_field_errors(form, exc, aliases)
        return _point_page(request, form, point=None, search=more, status=422)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("Risk point %(code)s was added. Assess it now.") % {"code": point.code})
    return redirect("risks:assess", uuid=point.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def point_edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    point = point_or_404(request, uuid)
    actor = request.user
    if not permissions.can_edit(actor, point):
        return refused(request, _("You may not change this risk point."))
    data = request.POST if request.method == "POST" else None
    form = PointForm(data, point=point, sectors=org_selectors.sector_list(actor=actor))
    if data is None:
        return _point_page(request, form, point=point)
    if not form.is_valid():
        return _point_page(request, form, point=point, status=422)
    body, aliases = form.service_data()
    try:
        services.risk_point_update(actor=actor, point=point, data=body)
    except FieldErrors as exc:
        apply_field_errors(form, exc, aliases)
        return _point_page(request, form, point=point, status=422)
    except Conflict as exc:
        form.add_error(None, str(exc))
        return _point_page(request, form, point=point, status=409)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("The risk point was saved."))
    return redirect("risks:detail", uuid=point.uuid)


@login_required
@require_GET
def enterprise_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the caller's enterprises matching ?q= (name, USCC or address), for the point form."""
    text = request.GET.get("q", "").strip()
    found = _enterprises(request.user)
    if text:
        found = found.filter(Q(name__icontains=text) | Q(uscc__iexact=text) | Q(address__icontains=text))
    return render(request, "risks/_register_enterprise_options.html", {"enterprises": found[:SEARCH_LIMIT]})


# ---- assessment ------------------------------------------------------------------------------------


def _assess_page(request: HttpRequest, point: RiskPoint, form: AssessForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "risks/assess_form.html",
        {"point": point, "form": form, "lec": Method.LEC, "ls": Method.LS},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def point_assess(request: HttpRequest, uuid: UUID) -> HttpResponse:
    point = point_or_404(request, uuid)
    actor = request.user
    if not permissions.can_edit(actor, point):
        return refused(request, _("You may not change this risk point."))
    data = request.POST if request.method == "POST" else None
    form = AssessForm(data, point=point, criteria=criteria_items(sector_code=point.sector_id))
    if data is None:
        return _assess_page(request, point, form)
    if not form.is_valid():
        return _assess_page(request, point, form, status=422)
    body, aliases = form.service_data()
    try:
        assessment = services.risk_assess(actor=actor, point=point, data=body)
    except FieldErrors as exc:
        apply_field_errors(form, exc, aliases)
        return _assess_page(request, point, form, status=422)
    except Conflict as exc:
        form.add_error(None, str(exc))
        return _assess_page(request, point, form, status=409)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(
        request,
        _("Assessed: %(level)s (score %(score)s).")
        % {"level": LEVEL_LABELS.get(assessment.level, assessment.level), "score": _plain(assessment.inherent_score)},
    )
    return redirect("risks:detail", uuid=point.uuid)


def _plain(number: Decimal | None) -> str:
    if number is None:
        return ""
    text = format(number.normalize(), "f")
    return text


@login_required
@require_GET
def evaluate_preview(request: HttpRequest) -> HttpResponse:
    """The score and level the assessment form's factors give now (scoring.evaluate, nothing written),
    or the messages naming what is wrong; drawn into the form by htmx as the factors change."""
    if scope_for(request.user).is_empty:
        raise Http404
    params = request.GET
    method = str(params.get("method") or "")
    sector = str(params.get("sector") or "")
    results: list[dict[str, Any]] = []
    problems: list[str] = []
    for residual, label in ((False, _("Inherent risk")), (True, _("Residual risk"))):
        values = factor_data(method, params, residual=residual) if method in Method.values else {}
        if residual and not any(values.values()):
            continue
        if not residual and method in Method.values and not any(values.values()):
            problems.append(_("Choose the factors to see the score."))
            continue
        try:
            evaluation = scoring.evaluate(method=method, sector=sector, data=values)
        except FieldErrors as exc:
            for error in exc.errors:
                factor = FACTOR_LABELS.get(error["field"])
                problems.append(f"{label} · {factor}: {error['message']}" if factor else f"{label}: {error['message']}")
            continue
        results.append(
            {"label": label, "score": _plain(evaluation.score), "level": evaluation.level, "table": evaluation.table}
        )
    direct = bool(params.get("criteria_item")) or params.get("major_hazard_source") in {"on", "true", "1"}
    level = ""
    if results and not problems:
        level = RiskLevel.MAJOR if direct else results[-1]["level"]
    return render(
        request,
        "risks/_register_preview.html",
        {"results": results, "problems": problems, "level": level, "direct": direct, "letter": _letter(method)},
    )


def _letter(method: str) -> str:
    return "D" if method == Method.LEC else "R"


# ---- measures, re-assessment, retiring -------------------------------------------------------------


def _measure_page(
    request: HttpRequest, point: RiskPoint, form: MeasureForm, measure: ControlMeasure | None, status: int = 200
) -> HttpResponse:
    return render(request, "risks/measure_form.html", {"point": point, "form": form, "measure": measure}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def measure_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    point = point_or_404(request, uuid)
    if not permissions.can_edit(request.user, point):
        return refused(request, _("You may not change this risk point."))
    form = MeasureForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _measure_page(request, point, form, None)
    if not form.is_valid():
        return _measure_page(request, point, form, None, 422)
    try:
        services.measure_add(actor=request.user, point=point, data=form.service_data())
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _measure_page(request, point, form, None, 422)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("The control measure was added; its first check is due today."))
    return redirect("risks:detail", uuid=point.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Edit a measure; a POST with `toggle` only switches it on or off (the detail page's button)."""
    measure = measure_or_404(request, uuid)
    point = measure.point
    if not permissions.can_edit(request.user, point):
        return refused(request, _("You may not change this risk point."))
    if request.method == "POST" and request.POST.get("toggle"):
        try:
            services.measure_update(actor=request.user, measure=measure, data={"active": request.POST.get("active")})
        except NotAllowed as exc:
            return refused(request, str(exc))
        if measure.active:
            messages.success(request, _("The control measure is active again."))
        else:
            messages.success(request, _("The control measure was deactivated; its open checks were withdrawn."))
        return redirect("risks:detail", uuid=point.uuid)
    form = MeasureForm(request.POST if request.method == "POST" else None, measure=measure)
    if request.method != "POST":
        return _measure_page(request, point, form, measure)
    if not form.is_valid():
        return _measure_page(request, point, form, measure, 422)
    try:
        services.measure_update(actor=request.user, measure=measure, data=form.service_data())
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _measure_page(request, point, form, measure, 422)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("The control measure was saved."))
    return redirect("risks:detail", uuid=point.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def reassess(request: HttpRequest, uuid: UUID) -> HttpResponse:
    point = point_or_404(request, uuid)
    if not permissions.can_edit(request.user, point):
        return refused(request, _("You may not change this risk point."))
    form = ReassessForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.reassessment_request(actor=request.user, point=point, data=dict(form.cleaned_data))
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, str(exc))
                status = 409
            except NotAllowed as exc:
                return refused(request, str(exc))
            else:
                messages.success(request, _("A re-assessment was requested; the people responsible are notified."))
                return redirect("risks:detail", uuid=point.uuid)
    return render(request, "risks/reassess_form.html", {"point": point, "form": form}, status=status)


@login_required
@require_POST
def set_active(request: HttpRequest, uuid: UUID) -> HttpResponse:
    point = point_or_404(request, uuid)
    active = request.POST.get("active") in {"1", "true", "on"}
    try:
        services.risk_point_set_active(actor=request.user, point=point, active=active)
    except NotAllowed as exc:
        return refused(request, str(exc))
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("risks:detail", uuid=point.uuid)
    if active:
        messages.success(request, _("The risk point is active again."))
    else:
        messages.success(request, _("The risk point was retired; its history is kept."))
    return redirect("risks:detail", uuid=point.uuid)


# ---- score band tables -----------------------------------------------------------------------------


def band_rows(table: RiskBandTable) -> list[tuple[str, str]]:
    """The table as intervals with closed lower bounds (DOMAIN.md §4.2): ("major", "D ≥ 320"), …"""
    letter = _letter(table.method)
    major, significant, general = (_plain(v) for v in (table.major_from, table.significant_from, table.general_from))
    return [
        (RiskLevel.MAJOR, f"{letter} ≥ {major}"),
        (RiskLevel.SIGNIFICANT, f"{significant} ≤ {letter} < {major}"),
        (RiskLevel.GENERAL, f"{general} ≤ {letter} < {significant}"),
        (RiskLevel.LOW, f"{letter} < {general}"),
    ]


def _bands_page(
    request: HttpRequest,
    *,
    bound: BandTableForm | None = None,
    setting_form: MethodSettingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.user
    can_edit = services_bands.can_edit_bands(actor)
    tables = list(RiskBandTable.objects.all())
    sectors = list(org_selectors.sector_list(actor=actor))
    rows = []
    for table in tables:
        form = None
        if can_edit:
            form = bound if bound is not None and bound.table.pk == table.pk else BandTableForm(table=table)
        rows.append({"table": table, "bands": band_rows(table), "form": form})
    settings = list(RiskMethodSetting.objects.select_related("table", "sector"))
    in_use = []
    for method, label in Method.choices:
        mine = [s for s in settings if s.method == method]
        default = next((s for s in mine if s.sector_id is None), None)
        own = [s for s in mine if s.sector_id]
        own.sort(key=lambda s: (s.sector.position if s.sector else 0, s.sector_id))
        in_use.append({"method": method, "label": label, "default": default, "sectors": own})
    if can_edit and setting_form is None:
        setting_form = MethodSettingForm(sectors=sectors, tables=tables)
    return render(
        request,
        "risks/bands.html",
        {
            "rows": rows,
            "in_use": in_use,
            "can_edit": can_edit,
            "setting_form": setting_form if can_edit else None,
            "levels": LEVEL_ORDER,
        },
        status=status,
    )


def _may_read_bands(actor: Any) -> bool:
    return bool(scope_for(actor).roles & BUSINESS)


@login_required
@require_GET
def bands(request: HttpRequest) -> HttpResponse:
    if not _may_read_bands(request.user):
        return refused(request, _("Your role does not allow reading the score bands."))
    return _bands_page(request)


@login_required
@require_POST
def band_table_edit(request: HttpRequest, code: str) -> HttpResponse:
    if not services_bands.can_edit_bands(request.user):
        return refused(request, _("Only the city office or a system administrator may change the score bands."))
    table = RiskBandTable.objects.filter(code=code).first()
    if table is None:
        raise Http404
    form = BandTableForm(request.POST, table=table)
    if not form.is_valid():
        return _bands_page(request, bound=form, status=422)
    try:
        services_bands.band_table_update(actor=request.user, table=table, data=dict(form.cleaned_data))
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _bands_page(request, bound=form, status=422)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("The band table “%(title)s” was saved.") % {"title": form.cleaned_data["title"]})
    return redirect("risks:bands")


@login_required
@require_POST
def method_setting(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not services_bands.can_edit_bands(actor):
        return refused(request, _("Only the city office or a system administrator may change the score bands."))
    form = MethodSettingForm(
        request.POST, sectors=org_selectors.sector_list(actor=actor), tables=RiskBandTable.objects.all()
    )
    if not form.is_valid():
        return _bands_page(request, setting_form=form, status=422)
    try:
        services_bands.method_setting_set(
            actor=actor,
            method=form.cleaned_data["method"],
            sector_code=form.cleaned_data["sector"],
            table_code=form.cleaned_data["table"],
        )
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _bands_page(request, setting_form=form, status=422)
    except NotAllowed as exc:
        return refused(request, str(exc))
    messages.success(request, _("The choice of band table was saved."))
    return redirect("risks:bands")

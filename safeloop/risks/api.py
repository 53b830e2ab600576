"""API v1 for the risk register (DESIGN.md "Contracts": `POST /risks/evaluate`, `GET /risk-points`):
scoring, the register with its assessments, control measures, check tasks, re-assessment requests,
linked hazards and the band tables. Each endpoint parses, calls one service or selector with `actor=`,
and renders; scope decides what exists (outside it → 404), the service what is allowed (403)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from safeloop.api.lists import paged
from safeloop.api.schemas import Page, PageIn, errors
from safeloop.core.errors import FieldErrors
from safeloop.core.filtering import filter_or_raise
from safeloop.hazards import routing
from safeloop.hazards import selectors as hazard_selectors
from safeloop.risks import config, scoring, selectors, services
from safeloop.risks.choices import CheckStatus
from safeloop.risks.filters import RiskPointFilterSet
from safeloop.risks.models import CheckTask, ControlMeasure, RiskBandTable, RiskMethodSetting
from safeloop.risks.schemas import (
    AssessIn,
    AssessmentCreatedOut,
    AssessmentOut,
    BandTableOut,
    CheckOut,
    CheckQuery,
    CheckRecordIn,
    EvaluateIn,
    EvaluateOut,
    HazardLinkIn,
    LinkedHazardOut,
    MeasureIn,
    MeasureOut,
    MeasurePatchIn,
    ReassessIn,
    RiskPointCreateIn,
    RiskPointOut,
    RiskPointPatchIn,
    RiskPointQuery,
    number,
)

router = Router(tags=["risks"])


# ---- scoring ----------------------------------------------------------------------------------


@router.post("/risks/evaluate", response={200: EvaluateOut, **errors(400, 401, 422)})
def risk_evaluate(request: HttpRequest, payload: EvaluateIn) -> Any:
    """Score and level of one set of factors: LEC `{"method": "lec", "l", "e", "c"}` (D = L × E × C,
    each from its discrete values) or the risk matrix `{"method": "ls", "l", "s"}` (R = L × S, 1–5).
    The band table is the sector's own if it has one, else the method's default. Nothing is stored;
    each bad factor is named in `errors`."""
    data = payload.model_dump()
    sector = str(data.get("sector") or "").strip()
    unknown_sector = FieldErrors()
    if sector and sector not in routing.sector_codes():
        unknown_sector.add("sector", _("Unknown sector code: %(code)s") % {"code": sector})
    try:
        result = scoring.evaluate(method=str(data.get("method") or "").strip(), sector=sector, data=data)
    except FieldErrors as exc:
        raise FieldErrors(exc.errors + unknown_sector.errors) from exc
    unknown_sector.raise_if_any()
    return {
        "method": result.method,
        "table": result.table.code,
        "factors": {name: number(value) for name, value in result.factors.items()},
        "score": number(result.score),
        "level": result.level,
        "colour": config.colour(result.level),
        "numeral": config.numeral(result.level),
    }


@router.get("/risk-band-tables", response={200: Page[BandTableOut], **errors(401, 422)})
def band_table_list(request: HttpRequest, page: Query[PageIn]) -> Any:
    """The score band tables (closed lower bounds: score ≥ major_from → major, …, else low) and which
    method and sector use each (`sector: null` is the method's default)."""
    uses = Prefetch("settings", queryset=RiskMethodSetting.objects.order_by("sector_id"))
    return paged(RiskBandTable.objects.prefetch_related(uses).order_by("method", "code"), page)


# ---- risk points ------------------------------------------------------------------------------


@router.get("/risk-points", response={200: Page[RiskPointOut], **errors(400, 401, 422)})
def risk_point_list(request: HttpRequest, page: Query[PageIn], query: Query[RiskPointQuery]) -> Any:
    """Risk points in the caller's scope, by code; filters as on the register page and the 四色图."""
    params = query.model_dump(exclude_none=True)
    include_inactive = bool(params.pop("include_inactive", False))
    points = selectors.risk_point_list(actor=request.user, include_inactive=include_inactive)
    return paged(filter_or_raise(RiskPointFilterSet, params, points).order_by("code", "pk"), page)


@router.post("/risk-points", response={201: RiskPointOut, **errors(400, 401, 403, 422)})
def risk_point_create(request: HttpRequest, payload: RiskPointCreateIn) -> Any:
    """Add a risk point of an enterprise (`enterprise_id`) or of a public area. Division and grid follow
    from the location (a point, the centre of `polygon`, or the enterprise's location)."""
    data = payload.model_dump(exclude_unset=True)
    with _location_field_names(data):
        point = services.risk_point_create(actor=request.user, data=data)
    return Status(201, selectors.risk_point_get(actor=request.user, uuid=point.uuid))


@router.get("/risk-points/{uuid:point_id}", response={200: RiskPointOut, **errors(401, 404)})
def risk_point_detail(request: HttpRequest, point_id: UUID) -> Any:
    return selectors.risk_point_get(actor=request.user, uuid=point_id)


@router.patch("/risk-points/{uuid:point_id}", response={200: RiskPointOut, **errors(400, 401, 403, 404, 409, 422)})
def risk_point_update(request: HttpRequest, point_id: UUID, payload: RiskPointPatchIn) -> Any:
    """Change the fields sent. With `version`, a point changed meanwhile is refused (409). `active:
    false` retires the point (its history stays), `true` brings it back."""
    point = selectors.risk_point_get(actor=request.user, uuid=point_id)
    data = payload.model_dump(exclude_unset=True)
    active = data.pop("active", None)
    with _location_field_names(data), transaction.atomic():
        point = services.risk_point_update(actor=request.user, point=point, data=data)
        if active is not None:
            services.risk_point_set_active(actor=request.user, point=point, active=active)
    return selectors.risk_point_get(actor=request.user, uuid=point_id)


@router.post(
    "/risk-points/{uuid:point_id}/reassessment", response={200: RiskPointOut, **errors(400, 401, 403, 404, 422)}
)
def risk_point_reassessment(request: HttpRequest, point_id: UUID, payload: ReassessIn) -> Any:
    """Ask for a re-assessment after an accident (`accident`) or a change of process, equipment or
    people (`change`); the people responsible are told."""
    point = selectors.risk_point_get(actor=request.user, uuid=point_id)
    services.reassessment_request(actor=request.user, point=point, data=payload.model_dump())
    return selectors.risk_point_get(actor=request.user, uuid=point_id)


# ---- assessments ------------------------------------------------------------------------------


@router.get("/risk-points/{uuid:point_id}/assessments", response={200: Page[AssessmentOut], **errors(401, 404, 422)})
def assessment_list(request: HttpRequest, point_id: UUID, page: Query[PageIn]) -> Any:
    """Every assessment of the point, newest first: who, when, method, inputs, result."""
    point = selectors.risk_point_get(actor=request.user, uuid=point_id)
    return paged(selectors.assessments(point=point).order_by("-assessed_at", "-id"), page)


@router.post(
    "/risk-points/{uuid:point_id}/assessments",
    response={201: AssessmentCreatedOut, **errors(400, 401, 403, 404, 409, 422)},
)
def assessment_create(request: HttpRequest, point_id: UUID, payload: AssessIn) -> Any:
    """A new assessment with the sector's band table: inherent factors (in `inherent` or flat) and
    optionally `residual` ones; the residual level decides when given. A `criteria_item` or
    `major_hazard_source` makes the point major directly, with the reason recorded."""
    point = selectors.risk_point_get(actor=request.user, uuid=point_id)
    data = payload.model_dump(exclude_unset=True)
    assessment = services.risk_assess(actor=request.user, point=point, data=data)
    assessment.point = selectors.risk_point_get(actor=request.user, uuid=point_id)
    return Status(201, assessment)


# ---- control measures -------------------------------------------------------------------------


@router.get("/risk-points/{uuid:point_id}/measures", response={200: Page[MeasureOut], **errors(401, 404, 422)})
def measure_list(request: HttpRequest, point_id: UUID, page: Query[PageIn]) -> Any:
    point = selectors.risk_point_get(actor=request.user, uuid=point_id)
    return paged(point.measures.select_related("point").order_by("kind", "id"), page)


@router.post("/risk-points/{uuid:point_id}/measures", response={201: MeasureOut, **errors(400, 401, 403, 404, 422)})
def measure_create(request: HttpRequest, point_id: UUID, payload: MeasureIn) -> Any:
    """A control measure with the post responsible and its check frequency; its first check is due today."""
    point = selectors.risk_point_get(actor=request.user, uuid=point_id)
    return Status(201, services.measure_add(actor=request.user, point=point, data=payload.model_dump()))


@router.patch("/risk-measures/{uuid:measure_id}", response={200: MeasureOut, **errors(400, 401, 403, 404, 422)})
def measure_update(request: HttpRequest, measure_id: UUID, payload: MeasurePatchIn) -> Any:
    """Change the fields sent; `active: false` stops the measure's checks."""
    measure = _measure_get(request.user, measure_id)
    data = payload.model_dump(exclude_unset=True)
    return services.measure_update(actor=request.user, measure=measure, data=data)


def _measure_get(actor: Any, uuid: UUID) -> ControlMeasure:
    """A measure of a point in the caller's scope, else DoesNotExist (→ 404)."""
    points = selectors.risk_point_list(actor=actor, include_inactive=True)
    return ControlMeasure.objects.select_related("point").get(uuid=uuid, point__in=points)


# ---- checks -----------------------------------------------------------------------------------


@router.get("/risk-checks", response={200: Page[CheckOut], **errors(400, 401, 422)})
def check_list(request: HttpRequest, page: Query[PageIn], query: Query[CheckQuery]) -> Any:
    """Check tasks (排查任务) of the points in the caller's scope, soonest due first."""
    return paged(_checks(request.user, query).order_by("due_on", "id"), page)


def _checks(actor: Any, query: CheckQuery) -> QuerySet[CheckTask]:
    checks = selectors.check_list(actor=actor)
    if query.status:
        if query.status not in CheckStatus.values:
            raise FieldErrors.single("status", _("Unknown value: %(value)s") % {"value": query.status})
        checks = checks.filter(status=query.status)
    if query.open is not None:
        checks = checks.filter(status=CheckStatus.OPEN) if query.open else checks.exclude(status=CheckStatus.OPEN)
    if query.due_before is not None:
        checks = checks.filter(due_on__lte=query.due_before)
    if query.point is not None:
        checks = checks.filter(point__uuid=query.point)
    return checks


@router.post("/risk-checks/{uuid:check_id}/record", response={200: CheckOut, **errors(400, 401, 403, 404, 409, 422)})
def check_record(request: HttpRequest, check_id: UUID, payload: CheckRecordIn) -> Any:
    """Record a check: `passed`, or `failed` with a note, which reports a hazard linked to the point
    (`hazard_id`, `hazard_code`) and raises the point's current level until that hazard is closed."""
    task = selectors.check_get(actor=request.user, uuid=check_id)
    services.check_record(actor=request.user, task=task, data=payload.model_dump(exclude_none=True))
    return selectors.check_get(actor=request.user, uuid=check_id)


# ---- linked hazards ---------------------------------------------------------------------------


@router.get("/risk-points/{uuid:point_id}/hazards", response={200: Page[LinkedHazardOut], **errors(401, 404, 422)})
def linked_hazard_list(request: HttpRequest, point_id: UUID, page: Query[PageIn]) -> Any:
    """Hazards found at the point (those the caller may see), newest link first."""
    point = selectors.risk_point_get(actor=request.user, uuid=point_id)
    visible = hazard_selectors.hazard_list(actor=request.user).values("pk")
    links = (
        point.hazard_links.filter(hazard__in=visible)
        .select_related("hazard", "check_task")
        .order_by("-linked_at", "-id")
    )
    rows = [
        {
            "id": link.hazard.uuid,
            "code": link.hazard.code,
            "title": link.hazard.title,
            "status": link.hazard.status,
            "level": link.hazard.level,
            "linked_at": link.linked_at,
            "check_id": link.check_task.uuid if link.check_task else None,
        }
        for link in links
    ]
    return paged(rows, page)


@router.post("/risk-points/{uuid:point_id}/hazards", response={200: RiskPointOut, **errors(400, 401, 403, 404, 422)})
def hazard_link(request: HttpRequest, point_id: UUID, payload: HazardLinkIn) -> Any:
    """Link a hazard found at this point by other means (an inspection, a patrol): `hazard_id` is its
    id or code, among the hazards the caller may see. While it is open the point's level is raised."""
    point = selectors.risk_point_get(actor=request.user, uuid=point_id)
    reference = str(payload.hazard_id or "").strip()
    if not reference:
        raise FieldErrors.single("hazard_id", _("This field is required."))
    hazard = hazard_selectors.by_code_or_uuid(actor=request.user, reference=reference)
    if hazard is None:
        raise FieldErrors.single("hazard_id", _("Unknown hazard."))
    services.link_hazard(actor=request.user, point=point, hazard=hazard)
    return selectors.risk_point_get(actor=request.user, uuid=point_id)


@contextmanager
def _location_field_names(data: dict[str, Any]) -> Iterator[None]:
    """When the place came as `location: {"lon", "lat"}`, the service's `lon`/`lat` errors name it so."""
    try:
        yield
    except FieldErrors as exc:
        if isinstance(data.get("location"), dict) and "lon" not in data and "lat" not in data:
            for error in exc.errors:
                if error["field"] in ("lon", "lat"):
                    error["field"] = f"location.{error['field']}"
        raise


__all__ = ["router"]

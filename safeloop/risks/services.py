"""Every change to the risk register: one service call, one transaction, one audit row (DESIGN.md
"Audit"). Bad input raises FieldErrors naming each field before anything is written."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.core import audit
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.geo import GeometryError, point_in_range, polygon_from_geojson
from safeloop.core.scoping import scope_for
from safeloop.hazards import config as hazard_config
from safeloop.hazards import numbering, routing
from safeloop.hazards.choices import OPEN_STATUSES, HazardLevel, HazardSource
from safeloop.hazards.models import CriteriaItem, Hazard
from safeloop.hazards.services import hazard_create
from safeloop.orgs.models import Enterprise
from safeloop.orgs.services import NotAllowed
from safeloop.risks import config, notify, permissions, scoring
from safeloop.risks.choices import (
    FREQUENCY_DAYS,
    CheckStatus,
    Frequency,
    MeasureKind,
    PointKind,
    ReassessReason,
    ResponsibleTier,
    RiskLevel,
    raised,
)
from safeloop.risks.models import CheckTask, ControlMeasure, RiskAssessment, RiskPoint, RiskPointHazard

POINT_FIELDS = (
    "code",
    "name",
    "kind",
    "sector",
    "description",
    "accident_types",
    "enterprise",
    "lon",
    "lat",
    "polygon",
    "address",
    "division",
    "grid",
    "responsible",
    "method",
    "inherent_score",
    "inherent_level",
    "residual_score",
    "residual_level",
    "assessed_level",
    "override_reason",
    "current_level",
    "raised_reason",
    "control_level",
    "next_review_at",
    "reassess_reason",
    "plan_x",
    "plan_y",
    "active",
)
EDITABLE = ("name", "kind", "sector", "description", "accident_types", "address", "responsible", "location", "polygon")
MEASURE_INPUTS = ("kind", "description", "responsible_post", "responsible_name", "frequency")
MEASURE_FIELDS = ("point", "kind", "description", "responsible_post", "responsible_name", "frequency", "active")
CHECK_FIELDS = ("measure", "due_on", "status", "checked_by", "checked_at", "note", "hazard")

CHANGED_MEANWHILE = _("This risk point was changed by someone else meanwhile; reload it and try again.")


# ---- small field readers ----------------------------------------------------------------------


def _text(data: dict[str, Any], name: str, errors: FieldErrors, *, required: bool = False, limit: int = 0) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        errors.add(name, _("This field is required."))
    elif limit and len(value) > limit:
        errors.add(name, _("At most %(limit)s characters.") % {"limit": limit})
    return value


def _choice(data: dict[str, Any], name: str, choices: Any, errors: FieldErrors, *, required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if not value:
        if required:
            errors.add(name, _("This field is required."))
        return ""
    if value not in choices.values:
        errors.add(name, _("Unknown value: %(value)s") % {"value": value})
        return ""
    return value


def _float(value: Any, name: str, errors: FieldErrors) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        errors.add(name, _("Enter a number."))
        return None


def _sector(data: dict[str, Any], errors: FieldErrors) -> str:
    sector = str(data.get("sector") or "").strip()
    if not sector:
        errors.add("sector", _("This field is required."))
    elif sector not in routing.sector_codes():
        errors.add("sector", _("Unknown sector code: %(code)s") % {"code": sector})
    return sector


def _responsible(value: Any, errors: FieldErrors) -> list[dict[str, str]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        errors.add("responsible", _("Give a list of people, one per tier."))
        return []
    clean: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, entry in enumerate(value):
        field = f"responsible.{index}"
        if not isinstance(entry, dict):
            errors.add(field, _("Give the tier and the name."))
            continue
        tier = str(entry.get("tier") or "").strip()
        name = str(entry.get("name") or "").strip()
        phone = str(entry.get("phone") or "").strip()
        if tier not in ResponsibleTier.values:
            errors.add(f"{field}.tier", _("Unknown tier: %(value)s") % {"value": tier})
        elif tier in seen:
            errors.add(f"{field}.tier", _("One person per tier."))
        if not name:
            errors.add(f"{field}.name", _("This field is required."))
        elif len(name) > 64:
            errors.add(f"{field}.name", _("At most %(limit)s characters.") % {"limit": 64})
        if len(phone) > 20:
            errors.add(f"{field}.phone", _("At most %(limit)s characters.") % {"limit": 20})
        seen.add(tier)
        clean.append({"tier": tier, "name": name, "phone": phone})
    return clean


def _enterprise(actor: Any, reference: Any, errors: FieldErrors) -> Enterprise | None:
    if reference in (None, ""):
        return None
    from safeloop.orgs.selectors import enterprise_list

    try:
        key = UUID(str(reference))
    except ValueError:
        errors.add("enterprise_id", _("Unknown enterprise."))
        return None
    enterprise = enterprise_list(actor=actor).filter(uuid=key).first()
    if enterprise is None:
        errors.add("enterprise_id", _("Unknown enterprise."))
    return enterprise


@dataclass
class Place:
    lon: float
    lat: float
    polygon: dict[str, Any] | None
    division: str
    grid: str | None


def _place(data: dict[str, Any], enterprise: Enterprise | None, errors: FieldErrors) -> Place | None:
    """Location from a point, a polygon (its centroid), or the enterprise; division and grid derived."""
    polygon = data.get("polygon") or None
    known = len(errors.errors)
    lon = _float(data.get("lon"), "lon", errors)
    lat = _float(data.get("lat"), "lat", errors)
    location = data.get("location")
    if isinstance(location, dict) and lon is None and lat is None:
        lon, lat = _float(location.get("lon"), "lon", errors), _float(location.get("lat"), "lat", errors)
    if polygon is not None:
        try:
            shape = polygon_from_geojson(polygon)
        except GeometryError as exc:
            errors.add("polygon", str(exc))
            return None
        if lon is None and lat is None:
            centre = shape.representative_point()
            lon, lat = centre.x, centre.y
    if len(errors.errors) > known:  # a number was unreadable: that message is the one to show
        return None
    if (lon is None) != (lat is None):
        errors.add("lat" if lat is None else "lon", _("Give both longitude and latitude."))
        return None
    if lon is None or lat is None:
        if enterprise is None:
            errors.add("location", _("Give the location (longitude and latitude), an area or the enterprise."))
            return None
        lon, lat = enterprise.lon, enterprise.lat
    if not point_in_range(lon, lat):
        errors.add("location", _("This point is not a WGS-84 position in China."))
        return None
    grid = routing.locate(lon, lat)
    if grid is None and enterprise is not None:
        return Place(lon, lat, polygon, enterprise.division_id, enterprise.grid_id)
    if grid is None:
        errors.add("location", _("This point lies outside every grid of the city."))
        return None
    return Place(lon, lat, polygon, grid[:12], grid)


def _next_code(county_code: str) -> str:
    city = hazard_config.get("city_prefix").get(county_code[:4], county_code[:4])
    district = hazard_config.get("county_abbreviations").get(county_code, county_code[4:6])
    prefix = f"{city}-{district}-FX"
    return f"{prefix}-{numbering.next_number(prefix):05d}"


def _snapshot(point: RiskPoint) -> dict[str, Any]:
    return audit.snapshot(point, POINT_FIELDS)


# ---- risk points ------------------------------------------------------------------------------


def risk_point_create(*, actor: Any, data: dict[str, Any]) -> RiskPoint:
    if scope_for(actor).is_empty:
        raise NotAllowed(_("You have no role from which to keep a risk register."))
    errors = FieldErrors()
    name = _text(data, "name", errors, required=True, limit=120)
    kind = _choice(data, "kind", PointKind, errors)
    sector = _sector(data, errors)
    description = _text(data, "description", errors, limit=4000)
    accident_types = _text(data, "accident_types", errors, limit=200)
    address = _text(data, "address", errors, limit=200)
    responsible = _responsible(data.get("responsible"), errors)
    enterprise = _enterprise(actor, data.get("enterprise_id"), errors)
    place = _place(data, enterprise, errors)
    errors.raise_if_any()
    assert place is not None
    if not permissions.may_create(
        actor, enterprise=enterprise, division=place.division, sector=sector, grid=place.grid
    ):
        raise NotAllowed(_("You may not add risk points here."))
    with transaction.atomic():
        point = RiskPoint(
            name=name,
            kind=kind,
            sector_id=sector,
            description=description,
            accident_types=accident_types,
            enterprise=enterprise,
            lon=place.lon,
            lat=place.lat,
            polygon=place.polygon,
            address=address or (enterprise.address if enterprise else ""),
            division_id=place.division,
            grid_id=place.grid,
            responsible=responsible,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        point.code = _next_code(place.division[:6])
        point.save(force_insert=True)
        audit.record(actor=actor, verb="risk_point.create", obj=point, after=_snapshot(point))
    return point


def _check_version(point: RiskPoint, data: dict[str, Any]) -> None:
    given = data.get("version")
    if given not in (None, "") and str(given) != str(point.version):
        raise Conflict(str(CHANGED_MEANWHILE))


def _save(actor: Any, point: RiskPoint, verb: str, before: dict[str, Any], fields: list[str]) -> RiskPoint:
    """Compare-and-set on `version`, then one audit row with before and after."""
    attnames = [point._meta.get_field(name).attname for name in fields]  # type: ignore[union-attr]
    renamed = {attname: getattr(point, attname) for attname in attnames}
    moved = RiskPoint.objects.filter(pk=point.pk, version=point.version).update(
        version=F("version") + 1, updated_at=timezone.now(), **renamed
    )
    if moved != 1:
        raise Conflict(str(CHANGED_MEANWHILE))
    point.version += 1
    audit.record(actor=actor, verb=verb, obj=point, before=before, after=_snapshot(point))
    return point


def risk_point_update(*, actor: Any, point: RiskPoint, data: dict[str, Any]) -> RiskPoint:
    """Change the description of a point. Only the fields present in `data` change."""
    permissions.require_edit(actor, point)
    _check_version(point, data)
    errors = FieldErrors()
    before = _snapshot(point)
    changed: list[str] = []
    if "name" in data:
        point.name = _text(data, "name", errors, required=True, limit=120)
        changed.append("name")
    if "kind" in data:
        point.kind = _choice(data, "kind", PointKind, errors)
        changed.append("kind")
    if "sector" in data:
        point.sector_id = _sector(data, errors)
        changed.append("sector")
    for name, limit in (("description", 4000), ("accident_types", 200), ("address", 200)):
        if name in data:
            setattr(point, name, _text(data, name, errors, limit=limit))
            changed.append(name)
    if "responsible" in data:
        point.responsible = _responsible(data.get("responsible"), errors)
        changed.append("responsible")
    if any(key in data for key in ("lon", "lat", "location", "polygon")):
        place = _place(data, point.enterprise, errors)
        if place is not None:
            point.lon, point.lat, point.polygon = place.lon, place.lat, place.polygon
            point.division_id, point.grid_id = place.division, place.grid
            changed += ["lon", "lat", "polygon", "division", "grid"]
    errors.raise_if_any()
    if not changed:
        return point
    with transaction.atomic():
        return _save(actor, point, "risk_point.update", before, changed)


def risk_point_set_active(*, actor: Any, point: RiskPoint, active: bool) -> RiskPoint:
    """Retire a point (a facility removed) or bring it back; its history stays."""
    permissions.require_edit(actor, point)
    if point.active == active:
        return point
    before = _snapshot(point)
    point.active = active
    with transaction.atomic():
        _save(actor, point, "risk_point.activate" if active else "risk_point.retire", before, ["active"])
        if not active:
            CheckTask.objects.filter(point=point, status=CheckStatus.OPEN).delete()
    return point


# ---- assessments ------------------------------------------------------------------------------


def control_level_for(point: RiskPoint, level: str) -> str:
    table = config.get("enterprise_control") if point.enterprise_id else config.get("government_control")
    return str(table.get(level, "")) if level else ""


def _criteria(data: dict[str, Any], errors: FieldErrors) -> CriteriaItem | None:
    code = str(data.get("criteria_item") or "").strip()
    if not code:
        return None
    item = CriteriaItem.objects.filter(code=code).first()
    if item is None:
        errors.add("criteria_item", _("Unknown criteria item: %(code)s") % {"code": code})
    return item


def _bool(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on", "是"} if not isinstance(value, bool) else value


def risk_assess(*, actor: Any, point: RiskPoint, data: dict[str, Any]) -> RiskAssessment:
    """A new assessment: inherent (and optionally residual) factors scored with the sector's band
    table; a matching 重大事故隐患 criteria item or a 重大危险源 makes it major directly, with the
    reason recorded (DOMAIN.md §4.2). The history keeps every assessment."""
    permissions.require_edit(actor, point)
    _check_version(point, data)
    errors = FieldErrors()
    method = str(data.get("method") or "").strip()
    nested = data.get("inherent")
    inherent_data: dict[str, Any] = nested if isinstance(nested, dict) else data
    inherent = _evaluate(method, point.sector_id, inherent_data, "inherent." if "inherent" in data else "", errors)
    residual = None
    if isinstance(data.get("residual"), dict) and any(str(v).strip() for v in data["residual"].values()):
        residual = _evaluate(method, point.sector_id, data["residual"], "residual.", errors)
    item = _criteria(data, errors)
    major_source = _bool(data.get("major_hazard_source", False))
    reason = _text(data, "override_reason", errors, limit=200)
    note = _text(data, "note", errors, limit=4000)
    errors.raise_if_any()
    assert inherent is not None
    level = residual.level if residual else inherent.level
    if item is not None or major_source:
        if not reason:
            reasons = []
            if item is not None:
                reasons.append(
                    _("Matches major-accident-hazard criterion %(article)s") % {"article": item.article or item.code}
                )
            if major_source:
                reasons.append(_("Involves a major hazard installation"))
            reason = "；".join(reasons)[:200]
        level = RiskLevel.MAJOR
    elif reason:
        reason = ""  # a reason without a direct-judgement ground has nothing to explain
    now = timezone.now()
    with transaction.atomic():
        before = _snapshot(point)
        assessment = RiskAssessment.objects.create(
            point=point,
            method=method,
            table=inherent.table,
            inherent_factors=inherent.factors,
            inherent_score=inherent.score,
            inherent_level=inherent.level,
            residual_factors=residual.factors if residual else None,
            residual_score=residual.score if residual else None,
            residual_level=residual.level if residual else "",
            criteria_item=item,
            major_hazard_source=major_source,
            override_reason=reason,
            level=level,
            note=note,
            assessed_by=actor if getattr(actor, "is_authenticated", False) else None,
            assessed_by_name=audit_name(actor),
            assessed_at=now,
        )
        point.method = method
        point.inherent_score, point.inherent_level = inherent.score, inherent.level
        point.residual_score = residual.score if residual else None
        point.residual_level = residual.level if residual else ""
        point.assessed_level = level
        point.override_reason = reason
        point.control_level = control_level_for(point, level)
        point.last_assessed_at = now
        point.next_review_at = timezone.localdate(now) + timedelta(days=int(config.get("review_cycle_days")))
        point.reassess_reason = ""
        point.reminded_on = None
        current = current_level_of(point)
        point.current_level, point.raised_reason, point.reassess_reason = (
            current.level,
            current.reason,
            current.reassess,
        )
        _save(
            actor,
            point,
            "risk_point.assess",
            before,
            [
                "method",
                "inherent_score",
                "inherent_level",
                "residual_score",
                "residual_level",
                "assessed_level",
                "override_reason",
                "control_level",
                "last_assessed_at",
                "next_review_at",
                "reassess_reason",
                "reminded_on",
                "current_level",
                "raised_reason",
            ],
        )
    return assessment


def _evaluate(
    method: str, sector: str, data: dict[str, Any], prefix: str, errors: FieldErrors
) -> scoring.Evaluation | None:
    try:
        return scoring.evaluate(method=method, sector=sector, data=data, prefix=prefix)
    except FieldErrors as exc:
        for error in exc.errors:
            if error not in errors.errors:
                errors.errors.append(error)
        return None


def audit_name(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return str(actor.get_username())[:150]
    return str(actor or "system")[:150]


# ---- the level while hazards are open ---------------------------------------------------------


@dataclass(frozen=True)
class CurrentLevel:
    level: str  # what the map shows
    reason: str  # why it is raised ("" when it is not)
    reassess: str  # the re-assessment reason a raise asks for ("" when not raised)


def current_level_of(point: RiskPoint) -> CurrentLevel:
    """The assessed level, raised by the configured steps while hazards found at the point are open
    (to major by an open major hazard) — from one query of the open linked hazards."""
    base = point.assessed_level
    open_hazards = (
        list(Hazard.objects.filter(risk_point_links__point=point, status__in=OPEN_STATUSES).only("code", "level"))
        if point.pk
        else []
    )
    if not open_hazards:
        return CurrentLevel(base, "", "")
    codes = "、".join(h.code for h in open_hazards[:3])
    major = any(h.level == HazardLevel.MAJOR for h in open_hazards)
    reassess = ReassessReason.MAJOR_HAZARD if major else ReassessReason.OPEN_HAZARD
    if major and config.get("major_hazard_raises_to_major"):
        return CurrentLevel(RiskLevel.MAJOR, (_("Major hazard %(codes)s open") % {"codes": codes})[:200], reassess)
    level = raised(base or RiskLevel.LOW, int(config.get("open_hazard_raise_steps")))
    return CurrentLevel(level, (_("Hazard %(codes)s open") % {"codes": codes})[:200], reassess)


def refresh_level(*, actor: Any, point: RiskPoint) -> RiskPoint:
    """Recompute the current level from the assessment and the open linked hazards; audit a change
    and ask for a re-assessment when the level goes up."""
    current = current_level_of(point)
    if (current.level, current.reason) == (point.current_level, point.raised_reason):
        return point
    before = _snapshot(point)
    went_up = bool(current.reason)
    point.current_level, point.raised_reason = current.level, current.reason
    fields = ["current_level", "raised_reason"]
    if went_up and point.reassess_reason not in {ReassessReason.ACCIDENT, ReassessReason.MAJOR_HAZARD}:
        point.reassess_reason = current.reassess
        fields.append("reassess_reason")
    _save(actor, point, "risk_point.level_raised" if went_up else "risk_point.level_restored", before, fields)
    if went_up:
        notify.reassessment_needed(point)
    return point


def reassessment_request(*, actor: Any, point: RiskPoint, data: dict[str, Any]) -> RiskPoint:
    """Ask for a re-assessment after an accident or a change of process, equipment or people."""
    permissions.require_edit(actor, point)
    errors = FieldErrors()
    reason = _choice(data, "reason", ReassessReason, errors)
    if reason and reason not in {ReassessReason.ACCIDENT, ReassessReason.CHANGE}:
        errors.add("reason", _("Choose an accident or a change."))
    note = _text(data, "note", errors, required=True, limit=200)
    errors.raise_if_any()
    before = _snapshot(point)
    point.reassess_reason = reason
    with transaction.atomic():
        _save(actor, point, "risk_point.reassessment_requested", before, ["reassess_reason"])
        audit.record(
            actor=actor, verb="risk_point.reassessment_note", obj=point, after={"reason": reason, "note": note}
        )
        notify.reassessment_needed(point, note=note)
    return point


# ---- control measures and their checks --------------------------------------------------------


def _measure_values(data: dict[str, Any], errors: FieldErrors, current: ControlMeasure | None = None) -> dict[str, Any]:
    """The measure's fields from `data`; when changing one, only the fields present."""
    present = set(data) if current is not None else set(MEASURE_INPUTS)
    values: dict[str, Any] = {}
    if "kind" in present:
        values["kind"] = _choice(data, "kind", MeasureKind, errors)
    if "description" in present:
        values["description"] = _text(data, "description", errors, required=True, limit=2000)
    if "responsible_post" in present:
        values["responsible_post"] = _text(data, "responsible_post", errors, required=True, limit=64)
    if "responsible_name" in present:
        values["responsible_name"] = _text(data, "responsible_name", errors, limit=64)
    if "frequency" in present:
        values["frequency"] = _choice(data, "frequency", Frequency, errors)
    return values


def measure_add(*, actor: Any, point: RiskPoint, data: dict[str, Any]) -> ControlMeasure:
    permissions.require_edit(actor, point)
    errors = FieldErrors()
    values = _measure_values(data, errors)
    errors.raise_if_any()
    with transaction.atomic():
        measure = ControlMeasure.objects.create(point=point, **values)
        audit.record(
            actor=actor, verb="risk_measure.create", obj=measure, after=audit.snapshot(measure, MEASURE_FIELDS)
        )
        CheckTask.objects.create(measure=measure, point=point, due_on=timezone.localdate())  # the first check
    return measure


def measure_update(*, actor: Any, measure: ControlMeasure, data: dict[str, Any]) -> ControlMeasure:
    permissions.require_edit(actor, measure.point)
    errors = FieldErrors()
    values = _measure_values(data, errors, current=measure)
    if "active" in data:
        values["active"] = _bool(data["active"])
    errors.raise_if_any()
    before = audit.snapshot(measure, MEASURE_FIELDS)
    for name, value in values.items():
        setattr(measure, name, value)
    with transaction.atomic():
        measure.save()
        if not measure.active:
            measure.checks.filter(status=CheckStatus.OPEN).delete()
        else:
            _schedule_first_check(measure)
        audit.record(
            actor=actor,
            verb="risk_measure.update",
            obj=measure,
            before=before,
            after=audit.snapshot(measure, MEASURE_FIELDS),
        )
    return measure


def _period(measure: ControlMeasure) -> timedelta:
    return timedelta(days=FREQUENCY_DAYS[measure.frequency])


def _schedule_first_check(measure: ControlMeasure) -> None:
    if measure.active and not measure.checks.filter(status=CheckStatus.OPEN).exists():
        CheckTask.objects.get_or_create(measure=measure, due_on=timezone.localdate(), defaults={"point": measure.point})


def generate_checks(*, today: date | None = None) -> int:
    """For every active measure without an open check, create the next one: due one period after
    the last check's due date (or today), once it is within the lead time. Safe to run twice."""
    today = today or timezone.localdate()
    lead = timedelta(days=int(config.get("check_lead_days")))
    created = 0
    measures = (
        ControlMeasure.objects.filter(active=True, point__active=True)
        .exclude(checks__status=CheckStatus.OPEN)
        .select_related("point")
    )
    for measure in measures.iterator(chunk_size=2000):
        last = measure.checks.order_by("-due_on").values_list("due_on", flat=True).first()
        due = max(last + _period(measure), today) if last else today
        if due - lead > today:
            continue
        _, made = CheckTask.objects.get_or_create(measure=measure, due_on=due, defaults={"point": measure.point})
        created += int(made)
    return created


def mark_missed(*, today: date | None = None) -> int:
    """Checks still open past their grace days are missed (the supervision rules count them)."""
    today = today or timezone.localdate()
    grace = timedelta(days=int(config.get("check_grace_days")))
    return CheckTask.objects.filter(status=CheckStatus.OPEN, due_on__lt=today - grace).update(
        status=CheckStatus.MISSED, updated_at=timezone.now()
    )


def check_record(*, actor: Any, task: CheckTask, data: dict[str, Any]) -> CheckTask:
    """Record a check. `result` = passed | failed; a failed check reports a hazard through the hazard
    service (linked to the point), which raises the point's level until the hazard closes."""
    permissions.require_check(actor, task)
    if task.status != CheckStatus.OPEN:
        raise Conflict(_("This check has been recorded already."))
    errors = FieldErrors()
    result = str(data.get("result") or "").strip()
    if result not in {CheckStatus.PASSED, CheckStatus.FAILED}:
        errors.add("result", _("Choose “passed” or “failed”."))
    note = _text(data, "note", errors, limit=2000, required=result == CheckStatus.FAILED)
    errors.raise_if_any()
    point = task.point
    before = audit.snapshot(task, CHECK_FIELDS)
    with transaction.atomic():
        claimed = CheckTask.objects.filter(pk=task.pk, status=CheckStatus.OPEN).update(
            status=result,
            checked_by=actor if getattr(actor, "is_authenticated", False) else None,
            checked_at=timezone.now(),
            note=note,
            updated_at=timezone.now(),
        )
        if claimed != 1:
            raise Conflict(_("This check has been recorded already."))
        task.refresh_from_db()
        if result == CheckStatus.FAILED:
            hazard = _report_failed_control(actor, task, data, note)
            task.hazard = hazard
            task.save(update_fields=["hazard"])
            RiskPointHazard.objects.get_or_create(point=point, hazard=hazard, defaults={"check_task": task})
            refresh_level(actor=actor, point=point)
        audit.record(
            actor=actor, verb=f"risk_check.{result}", obj=task, before=before, after=audit.snapshot(task, CHECK_FIELDS)
        )
    return task


def _report_failed_control(actor: Any, task: CheckTask, data: dict[str, Any], note: str) -> Hazard:
    point, measure = task.point, task.measure
    hazard_data: dict[str, Any] = {
        "title": str(data.get("title") or "").strip()
        or (
            _("%(point)s: control failing (%(measure)s)") % {"point": point.name, "measure": measure.get_kind_display()}
        )[:120],
        "description": note,
        "sector": point.sector_id,
        "source": HazardSource.SELF_CHECK if point.enterprise_id else HazardSource.GRID_PATROL,
        "lon": point.lon,
        "lat": point.lat,
        "address": point.address,
        "measures": measure.description,
        "enterprise_id": str(point.enterprise.uuid) if point.enterprise else None,
    }
    for name in ("level", "criteria_item", "level_reason", "category", "due_at"):
        if data.get(name):
            hazard_data[name] = data[name]
    try:
        return hazard_create(actor=actor, data=hazard_data).hazard
    except FieldErrors as exc:
        # The hazard's own fields keep their names; the check form shows them beside its own.
        raise FieldErrors([{"field": e["field"], "message": e["message"]} for e in exc.errors]) from exc


def link_hazard(*, actor: Any, point: RiskPoint, hazard: Hazard) -> RiskPointHazard:
    """Link a hazard found at this point by other means (an inspection, a patrol)."""
    permissions.require_edit(actor, point)
    with transaction.atomic():
        link, created = RiskPointHazard.objects.get_or_create(point=point, hazard=hazard)
        if created:
            audit.record(actor=actor, verb="risk_point.link_hazard", obj=point, after={"hazard": hazard.code})
            refresh_level(actor=actor, point=point)
    return link


def hazard_moved(*, hazard: Hazard, actor: Any) -> None:
    """A linked hazard changed state: recompute the points it is linked to (in the same transaction),
    in the name of whoever moved the hazard."""
    for point in RiskPoint.objects.filter(hazard_links__hazard=hazard):
        refresh_level(actor=actor, point=point)

"""Writes for hazards. `hazard_create` (intake with routing and idempotency) and `hazard_transition`
(the only door that changes a hazard's status) each run in one transaction: rule check, compare-and-
set move, event row, audit row, notifications after commit. DOMAIN.md §3.5; workflow.py."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeloop.accounts.choices import Role
from safeloop.core import audit
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.geo import point_in_range
from safeloop.core.images import CleanImage, ImageRejected, clean_image
from safeloop.core.scoping import scope_for
from safeloop.hazards import config, notify, numbering, permissions, routing, signals, tally, workflow
from safeloop.hazards.choices import (
    ExtensionStatus,
    HazardCategory,
    HazardLevel,
    HazardSource,
    HazardStatus,
    JudgementType,
    ListingLevel,
    PhotoKind,
)
from safeloop.hazards.models import (
    CriteriaItem,
    DeadlineExtension,
    GovernancePlan,
    Hazard,
    HazardEvent,
    HazardPhoto,
    IdempotencyRecord,
)
from safeloop.orgs.models import Enterprise, Sector
from safeloop.orgs.selectors import enterprise_list
from safeloop.orgs.services import NotAllowed

AUDITED_FIELDS = (
    "code",
    "status",
    "level",
    "sector",
    "due_at",
    "division",
    "grid",
    "territorial_unit",
    "industry_department",
    "enterprise",
    "escalation_tier",
    "suspended",
    "listing_level",
)

SOURCE_BY_ROLE: dict[str, str] = {
    Role.GRID_WORKER: HazardSource.GRID_PATROL,
    Role.ENTERPRISE_OFFICER: HazardSource.SELF_CHECK,
    Role.DEPARTMENT_OFFICER: HazardSource.DEPARTMENT_INSPECTION,
    Role.SUPERVISOR: HazardSource.SUPERVISION,
}


class TransitionConflict(Conflict):
    """Another action moved the hazard first (→ 409)."""


CHANGED_MEANWHILE = gettext_lazy("The hazard was changed by someone else; reload it and try again.")


# ---- small parsers: each names its field ------------------------------------------------------------


def as_uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _text(data: dict[str, Any], name: str, errors: FieldErrors, *, required: bool = False, limit: int = 0) -> str:
    value = data.get(name)
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(name, _("This field is required."))
    elif limit and len(text) > limit:
        errors.add(name, _("At most %(n)d characters.") % {"n": limit})
    return text


def _choice(data: dict[str, Any], name: str, choices: Any, errors: FieldErrors, default: str = "") -> str:
    value = str(data.get(name) or default).strip()
    if value and value not in choices.values:
        errors.add(name, _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)})
    return value


def _datetime(data: dict[str, Any], name: str, errors: FieldErrors) -> datetime | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day, 23, 59)
    else:
        text = str(value).strip()
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime(day.year, day.month, day.day, 23, 59) if day else None
    if parsed is None:
        errors.add(name, _("Enter a date (YYYY-MM-DD) or a date and time."))
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _date(data: dict[str, Any], name: str, errors: FieldErrors) -> date | None:
    moment = _datetime(data, name, errors)
    return timezone.localtime(moment).date() if moment else None


def _float(data: dict[str, Any], name: str, errors: FieldErrors) -> float | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        errors.add(name, _("Enter a number."))
        return None


def _criteria_item(data: dict[str, Any], sector: str, errors: FieldErrors) -> CriteriaItem | None:
    code = str(data.get("criteria_item") or "").strip()
    if not code:
        return None
    item = CriteriaItem.objects.select_related("document").filter(code=code).first()
    if item is None:
        errors.add("criteria_item", _("Unknown criteria item: %(code)s") % {"code": code})
    elif sector and item.document.sector_id != sector:
        errors.add("criteria_item", _("This criteria item belongs to another sector."))
    return item


def judged_level(level: str, item: CriteriaItem | None, reason: str, errors: FieldErrors, *, level_given: bool) -> str:
    """A match on a direct-judgement item makes the hazard major (DOMAIN.md §3.2); judging it general
    anyway needs a written reason."""
    if item is not None and item.judgement == JudgementType.DIRECT:
        if level_given and level == HazardLevel.GENERAL:
            if not reason:
                errors.add(
                    "level_reason",
                    _("A direct-judgement criteria item makes this a major hazard; give a reason to judge it general."),
                )
            return HazardLevel.GENERAL
        return HazardLevel.MAJOR
    return level or HazardLevel.GENERAL


# ---- intake -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    hazard: Hazard
    created: bool
    nearby: list[Hazard]


def body_digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _default_source(actor: Any) -> str:
    for role in scope_for(actor).roles:
        if role in SOURCE_BY_ROLE:
            return SOURCE_BY_ROLE[role]
    return HazardSource.PUBLIC_REPORT


def _resolve_enterprise(actor: Any, reference: Any, errors: FieldErrors) -> Enterprise | None:
    if reference in (None, ""):
        return None
    key = as_uuid(reference)
    enterprise = enterprise_list(actor=actor).filter(uuid=key).first() if key else None
    if enterprise is None:
        errors.add("enterprise_id", _("No enterprise with this id in your scope."))
    return enterprise


def validate_report(actor: Any, data: dict[str, Any]) -> tuple[dict[str, Any], FieldErrors]:
    """Every intake field checked and named; returns the clean values (nothing is written)."""
    errors = FieldErrors()
    clean: dict[str, Any] = {
        "title": _text(data, "title", errors, required=True, limit=120),
        "description": _text(data, "description", errors, limit=4000),
        "address": _text(data, "address", errors, limit=200),
        "responsible_person": _text(data, "responsible_person", errors, limit=64),
        "responsible_phone": _text(data, "responsible_phone", errors, limit=20),
        "measures": _text(data, "measures", errors, limit=4000),
        "category": _choice(data, "category", HazardCategory, errors, HazardCategory.THING),
        "source": _choice(data, "source", HazardSource, errors, _default_source(actor)),
        "level_reason": _text(data, "level_reason", errors, limit=200),
    }
    sector = str(data.get("sector") or "").strip()
    if not sector:
        errors.add("sector", _("This field is required."))
    elif sector not in routing.sector_codes():
        errors.add("sector", _("Unknown sector code: %(code)s") % {"code": sector})
    clean["sector"] = sector
    level = _choice(data, "level", HazardLevel, errors)
    item = _criteria_item(data, sector, errors)
    clean["criteria_item"] = item
    clean["level"] = judged_level(level, item, clean["level_reason"], errors, level_given=bool(level))
    clean["enterprise"] = _resolve_enterprise(actor, data.get("enterprise_id"), errors)
    lon, lat = _float(data, "lon", errors), _float(data, "lat", errors)
    location = data.get("location")
    if isinstance(location, dict) and lon is None and lat is None:
        lon, lat = _float(location, "lon", errors), _float(location, "lat", errors)
    if (lon is None) != (lat is None):
        errors.add("lat" if lat is None else "lon", _("Give both longitude and latitude."))
    if lon is None and clean["enterprise"] is None:
        errors.add("location", _("Give the location (longitude and latitude) or the enterprise."))
    if lon is not None and lat is not None and not point_in_range(lon, lat):
        errors.add("location", _("This point is not a WGS-84 position in China."))
    clean["lon"], clean["lat"] = lon, lat
    now = timezone.now()
    clean["reported_at"] = _datetime(data, "reported_at", errors) or now
    if clean["reported_at"] > now + timedelta(minutes=5):
        errors.add("reported_at", _("The time found cannot be in the future."))
    clean["due_at"] = _datetime(data, "due_at", errors)
    if clean["due_at"] is not None and clean["due_at"] <= clean["reported_at"]:
        errors.add("due_at", _("The deadline must be after the time found."))
    return clean, errors


def _route(clean: dict[str, Any], errors: FieldErrors) -> routing.Routing | None:
    enterprise: Enterprise | None = clean["enterprise"]
    if clean["lon"] is None and enterprise is not None:
        clean["lon"], clean["lat"] = enterprise.lon, enterprise.lat
        return routing.route_enterprise(enterprise, clean["sector"])
    grid_code = routing.locate(clean["lon"], clean["lat"])
    if grid_code is None:
        if enterprise is not None:
            return routing.route_enterprise(enterprise, clean["sector"])
        errors.add("location", _("This point lies outside every grid of the city."))
        return None
    return routing.route(sector_code=clean["sector"], grid_code=grid_code, division_code=grid_code[:12])


def _next_code(county_code: str, year: int) -> str:
    city = config.get("city_prefix").get(county_code[:4], county_code[:4])
    district = config.get("county_abbreviations").get(county_code, county_code[4:6])
    prefix = f"{city}-{district}-{year}"
    return f"{prefix}-{numbering.next_number(prefix):06d}"


def hazard_create(*, actor: Any, data: dict[str, Any], idempotency_key: str = "") -> Intake:
    """Report a hazard: validate, route (division, grid, 属地, 行业部门), number, record, notify both
    owners after commit. With an idempotency key, the same key and body return the first hazard."""
    scope = scope_for(actor)
    if scope.is_empty:
        raise NotAllowed(_("You have no role from which to report hazards."))
    digest = body_digest(data) if idempotency_key else ""
    if idempotency_key:
        replay = _replay(actor, idempotency_key, digest)
        if replay is not None:
            return Intake(replay, created=False, nearby=[])
    clean, errors = validate_report(actor, data)
    errors.raise_if_any()
    place = _route(clean, errors)
    errors.raise_if_any()
    assert place is not None
    enterprise: Enterprise | None = clean["enterprise"]
    due_at = clean["due_at"] or routing.default_due_at(
        level=clean["level"], sector_code=clean["sector"], start=clean["reported_at"]
    )
    try:
        with transaction.atomic():
            hazard = Hazard(
                title=clean["title"],
                description=clean["description"],
                sector_id=clean["sector"],
                category=clean["category"],
                level=clean["level"],
                level_reason=clean["level_reason"],
                criteria_item=clean["criteria_item"],
                source=clean["source"],
                lon=clean["lon"],
                lat=clean["lat"],
                address=clean["address"] or (enterprise.address if enterprise else ""),
                enterprise=enterprise,
                division_id=place.division_code,
                county_code=place.division_code[:6],
                grid_id=place.grid_code,
                territorial_division_id=place.territorial_division,
                territorial_zone_id=place.territorial_zone_id,
                territorial_unit=place.territorial_unit,
                industry_department=place.industry_department,
                rectifier_name=enterprise.name if enterprise else place.territorial_unit,
                rectifying_unit=f"enterprise:{enterprise.pk}" if enterprise else "",
                responsible_person=clean["responsible_person"] or (enterprise.principal_name if enterprise else ""),
                responsible_phone=clean["responsible_phone"] or (enterprise.principal_phone if enterprise else ""),
                measures=clean["measures"],
                due_at=due_at,
                reported_by=actor if getattr(actor, "is_authenticated", False) else None,
                reported_at=clean["reported_at"],
            )
            hazard.code = _next_code(hazard.county_code, timezone.localtime(clean["reported_at"]).year)
            hazard.save(force_insert=True)
            if idempotency_key:
                IdempotencyRecord.objects.create(user=actor, key=idempotency_key, body_hash=digest, hazard=hazard)
            HazardEvent.objects.create(
                hazard=hazard,
                actor=hazard.reported_by,
                actor_name=_actor_name(actor),
                action="report",
                to_status=hazard.status,
                data={
                    "source": hazard.source,
                    "industry_department": place.industry_department.name if place.industry_department else "",
                },
            )
            audit.record(actor=actor, verb="hazard.report", obj=hazard, after=audit.snapshot(hazard, AUDITED_FIELDS))
            notify.after_report(hazard)
    except IntegrityError:
        if idempotency_key:  # a concurrent request with the same key won the race
            replay = _replay(actor, idempotency_key, digest)
            if replay is not None:
                return Intake(replay, created=False, nearby=[])
        raise
    nearby = routing.nearby_open(sector_code=hazard.sector_id, lon=hazard.lon, lat=hazard.lat, exclude_id=hazard.pk)
    return Intake(hazard, created=True, nearby=nearby)


def _replay(actor: Any, key: str, digest: str) -> Hazard | None:
    record = IdempotencyRecord.objects.select_related("hazard").filter(user=actor, key=key).first()
    if record is None:
        return None
    if record.body_hash != digest:
        raise Conflict(_("This Idempotency-Key was already used with a different request body."))
    return record.hazard


def _actor_name(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.real_name or actor.get_username()
    return str(actor)


# ---- transitions ------------------------------------------------------------------------------------


@dataclass
class Move:
    """What an action changes besides the status: fields of the hazard, the event's extra data, and
    work to do in the same transaction once the move has landed."""

    fields: dict[str, Any]
    data: dict[str, Any]
    after: list[Any]


def hazard_transition(*, actor: Any, hazard: Hazard, action: str, payload: dict[str, Any] | None = None) -> Hazard:
    payload = dict(payload or {})
    rule = workflow.rule_for(action, hazard.status, hazard.level)
    if rule is None:
        if action not in workflow.ACTIONS:
            raise FieldErrors.single("action", _("Unknown action: %(action)s") % {"action": action})
        # The hazard's state no longer allows it (often: another action got there first) → 409.
        raise TransitionConflict(
            _("“%(action)s” is not possible while the hazard is “%(status)s”.")
            % {"action": action, "status": hazard.get_status_display()}
        )
    permissions.require(actor, hazard, rule)
    errors = FieldErrors()
    for name in rule.needs:
        value = payload.get(name)
        if value is None or value == "" or value == []:
            errors.add(name, _("This field is required."))
    errors.raise_if_any()
    move = HANDLERS[action](actor=actor, hazard=hazard, payload=payload, errors=errors)
    errors.raise_if_any()
    level = move.fields.get("level", hazard.level)
    target = rule.target(level, hazard.status)
    note = str(payload.get("note") or "").strip()
    with transaction.atomic():
        before = audit.snapshot(hazard, AUDITED_FIELDS)
        moved = Hazard.objects.filter(pk=hazard.pk, version=hazard.version).update(
            status=target, version=F("version") + 1, updated_at=timezone.now(), **move.fields
        )
        if moved != 1:
            raise TransitionConflict(str(CHANGED_MEANWHILE))
        from_status = hazard.status
        hazard.refresh_from_db()
        tally.tally_move(hazard, from_status, target)
        for step in move.after:
            step(hazard)
        HazardEvent.objects.create(
            hazard=hazard,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_name=_actor_name(actor),
            action=action,
            from_status=from_status,
            to_status=target,
            note=note,
            data=move.data,
        )
        audit.record(
            actor=actor,
            verb=f"hazard.{action}",
            obj=hazard,
            before=before,
            after=audit.snapshot(hazard, AUDITED_FIELDS),
        )
        notify.after_action(hazard, action, note)
        signals.hazard_moved.send(
            Hazard, hazard=hazard, actor=actor, action=action, from_status=from_status, to_status=target
        )
    return hazard


def _move(
    fields: dict[str, Any] | None = None, data: dict[str, Any] | None = None, after: list[Any] | None = None
) -> Move:
    return Move(fields or {}, data or {}, after or [])


def _rectifier_unit(actor: Any, hazard: Hazard) -> dict[str, Any]:
    if hazard.rectifying_unit:
        return {}
    return {"rectifying_unit": permissions.acting_unit(actor, hazard, workflow.RECTIFIER)}


def _confirm(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    fields: dict[str, Any] = {"confirmed_at": timezone.now()}
    level = _choice(payload, "level", HazardLevel, errors)
    sector = str(payload.get("sector") or hazard.sector_id)
    if sector != hazard.sector_id:
        if not Sector.objects.filter(code=sector).exists():
            errors.add("sector", _("Unknown sector code: %(code)s") % {"code": sector})
        fields["sector_id"] = sector
    item = _criteria_item(payload, sector, errors) if payload.get("criteria_item") else hazard.criteria_item
    reason = _text(payload, "level_reason", errors, limit=200) or hazard.level_reason
    fields["level"] = judged_level(level or hazard.level, item, reason, errors, level_given=bool(level))
    fields["criteria_item"] = item
    fields["level_reason"] = reason
    for name, limit in (("responsible_person", 64), ("responsible_phone", 20), ("measures", 4000)):
        if payload.get(name):
            fields[name] = _text(payload, name, errors, limit=limit)
    due_at = _datetime(payload, "due_at", errors)
    if due_at is not None and due_at <= timezone.now():
        errors.add("due_at", _("The deadline must be in the future."))
    if due_at is None and fields["level"] != hazard.level:
        due_at = routing.default_due_at(level=fields["level"], sector_code=sector)
    if due_at is not None:
        fields.update(due_at=due_at, escalation_tier=0, reminded_days=None)
    return _move(fields, {"level": fields["level"], "criteria_item": item.code if item else ""})


def _reject(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    return _move({"invalid_reason": _text(payload, "note", errors, limit=200), "closed_at": timezone.now()})


def _duplicate(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    from safeloop.hazards.selectors import by_code_or_uuid

    original = by_code_or_uuid(actor=actor, reference=str(payload.get("duplicate_of")))
    if original is None:
        errors.add("duplicate_of", _("No hazard with this code or id in your scope."))
    elif original.pk == hazard.pk:
        errors.add("duplicate_of", _("A hazard cannot duplicate itself."))
    elif original.status in (HazardStatus.DUPLICATE, HazardStatus.INVALID):
        errors.add(
            "duplicate_of", _("Link to the original hazard, not to one that is itself closed as duplicate or invalid.")
        )
    if errors:
        return _move()
    assert original is not None
    return _move({"duplicate_of": original, "closed_at": timezone.now()}, {"duplicate_of": original.code})


def _start(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    fields = _rectifier_unit(actor, hazard)
    if payload.get("measures"):
        fields["measures"] = _text(payload, "measures", errors, limit=4000)
    return _move(fields)


def _photos(hazard: Hazard, payload: dict[str, Any], kind: str, errors: FieldErrors) -> list[HazardPhoto]:
    ids = payload.get("photo_ids") or []
    if not isinstance(ids, list):
        ids = [ids]
    photos = []
    for photo_id in ids:
        key = as_uuid(photo_id)
        photo = hazard.photos.filter(uuid=key, kind=kind).first() if key else None
        if photo is None:
            errors.add(
                "photo_ids",
                _("Photo %(id)s is not an “%(kind)s” photo of this hazard.") % {"id": photo_id, "kind": kind},
            )
        else:
            photos.append(photo)
    return photos


def _submit(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    photos = _photos(hazard, payload, PhotoKind.AFTER, errors)
    fields = {"submitted_at": timezone.now(), **_rectifier_unit(actor, hazard)}
    if payload.get("measures"):
        fields["measures"] = _text(payload, "measures", errors, limit=4000)
    return _move(fields, {"photo_ids": [str(p.uuid) for p in photos]})


def _verify(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    now = timezone.now()
    return _move({"verified_by": actor, "verified_at": now, "closed_at": now})


def _return(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    return _move({"submitted_at": None} if hazard.level == HazardLevel.GENERAL else {"acceptance_due_at": None})


def _submit_plan(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    parts = GovernancePlan.SIX_PARTS + GovernancePlan.REPORT_PARTS
    given = {name: _text(payload, name, errors, limit=8000) for name in parts if payload.get(name) is not None}
    plan_payload = payload.get("plan")
    if isinstance(plan_payload, dict):
        given |= {
            name: _text(plan_payload, name, errors, limit=8000) for name in parts if plan_payload.get(name) is not None
        }
    if not any(given.values()):
        errors.add("plan", _("Give at least one part of the governance plan."))
    now = timezone.now()

    def save_plan(h: Hazard) -> None:
        plan, _created = GovernancePlan.objects.get_or_create(hazard=h)
        for name, value in given.items():
            setattr(plan, name, value)
        plan.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
        plan.submitted_at = now
        plan.save()
        complete = not plan.missing_parts() and all(getattr(plan, p).strip() for p in GovernancePlan.REPORT_PARTS)
        if complete and h.reported_to_regulator_at is None:
            # 安全生产法 Art. 41 ¶2, 16号令 Art. 14: the major-hazard report reaches the regulator.
            Hazard.objects.filter(pk=h.pk).update(reported_to_regulator_at=now)
            h.reported_to_regulator_at = now

    return _move({}, {"parts": sorted(k for k, v in given.items() if v)}, [save_plan])


def _approve_plan(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    plan = GovernancePlan.objects.filter(hazard=hazard).first()
    if plan is None:
        errors.add("plan", _("Submit the governance plan first."))
        return _move()
    for part in plan.missing_parts():
        errors.add(f"plan.{part}", _("This part of the governance plan is missing."))
    if hazard.reported_to_regulator_at is None:
        errors.add(
            "plan", _("The major-hazard report (situation, severity and plan) has not reached the regulator yet.")
        )
    principal = _text(payload, "principal_name", errors, limit=64)
    registered = hazard.enterprise.principal_name if hazard.enterprise_id and hazard.enterprise else ""
    if registered and principal and principal != registered:
        errors.add(
            "principal_name",
            _("The plan must be approved by the enterprise's principal, %(name)s.") % {"name": registered},
        )
    now = timezone.now()
    suspended = bool(payload.get("suspended"))

    def approve(h: Hazard) -> None:
        GovernancePlan.objects.filter(pk=plan.pk).update(approved_by_name=principal, approved_at=now)

    return _move({"suspended": suspended}, {"principal_name": principal, "suspended": suspended}, [approve])


def _list(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    level = _choice(payload, "listing_level", ListingLevel, errors)
    unit = _text(payload, "supervising_unit", errors, required=True, limit=64)
    deadline = _date(payload, "listing_deadline", errors)
    if deadline is not None and deadline <= timezone.localdate():
        errors.add("listing_deadline", _("The deadline must be in the future."))
    fields = {
        "listing_level": level,
        "supervising_unit": unit,
        "listing_deadline": deadline,
        "listed_at": timezone.now(),
    }
    return _move(fields, {"listing_level": level, "supervising_unit": unit, "listing_deadline": str(deadline)})


def _evaluate(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    report = _text(payload, "evaluation_report", errors, limit=20000)
    if hazard.suspended and not report:
        # DOMAIN.md §3.5 rule 3: a suspension is lifted only on an evaluation report.
        errors.add("evaluation_report", _("A suspended enterprise needs an evaluation report."))
    elif not report and not str(payload.get("note") or "").strip():
        errors.add("evaluation_report", _("Give the evaluation report or a note on the evaluation."))
    return _move({"evaluation_report": report, "evaluated_at": timezone.now()})


def _apply_acceptance(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    application = _text(payload, "resume_application", errors, limit=20000)
    if hazard.suspended and not application:
        errors.add("resume_application", _("A suspended enterprise applies in writing to resume production."))
    now = timezone.now()
    due = now + timedelta(days=int(config.get("acceptance_review_days")))
    return _move(
        {"resume_application": application, "acceptance_requested_at": now, "acceptance_due_at": due},
        {"acceptance_due_at": due.isoformat()},
    )


def _accept(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    now = timezone.now()
    return _move({"verified_by": actor, "verified_at": now, "closed_at": now, "suspended": False})


def _extend(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    due_at = _datetime(payload, "due_at", errors)
    reason = _text(payload, "note", errors, limit=500)
    if due_at is not None and hazard.due_at and due_at <= hazard.due_at:
        errors.add("due_at", _("The new deadline must be later than the current one."))
    if hazard.extensions.filter(status=ExtensionStatus.PENDING).exists():
        errors.add("due_at", _("An extension request is already waiting for a decision."))

    def request(h: Hazard) -> None:
        assert due_at is not None  # checked above: "due_at" is a required field of the rule
        DeadlineExtension.objects.create(
            hazard=h, requested_by=actor, reason=reason, old_due_at=h.due_at, requested_due_at=due_at
        )

    return _move({}, {"requested_due_at": due_at.isoformat() if due_at else ""}, [request])


def _approve_extension(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    extension = hazard.extensions.filter(status=ExtensionStatus.PENDING).first()
    if extension is None:
        errors.add("approved", _("There is no extension request waiting for a decision."))
        return _move()
    approved = payload.get("approved") in (True, "true", "True", "1", 1, "on", "yes")
    decision = ExtensionStatus.APPROVED if approved else ExtensionStatus.REFUSED
    note = str(payload.get("note") or "")[:500]
    now = timezone.now()

    def decide(h: Hazard) -> None:
        DeadlineExtension.objects.filter(pk=extension.pk).update(
            status=decision, decided_by=actor, decided_at=now, decision_note=note
        )

    fields: dict[str, Any] = {}
    if approved:
        fields = {"due_at": extension.requested_due_at, "escalation_tier": 0, "reminded_days": None}
    return _move(fields, {"decision": decision, "due_at": extension.requested_due_at.isoformat()}, [decide])


def _reopen(*, actor: Any, hazard: Hazard, payload: dict[str, Any], errors: FieldErrors) -> Move:
    due_at = _datetime(payload, "due_at", errors) or routing.default_due_at(
        level=hazard.level, sector_code=hazard.sector_id
    )
    return _move(
        {
            "closed_at": None,
            "verified_at": None,
            "verified_by": None,
            "submitted_at": None,
            "due_at": due_at,
            "escalation_tier": 0,
            "reminded_days": None,
        }
    )


HANDLERS = {
    "confirm": _confirm,
    "reject": _reject,
    "duplicate": _duplicate,
    "start": _start,
    "submit": _submit,
    "verify": _verify,
    "return": _return,
    "submit_plan": _submit_plan,
    "approve_plan": _approve_plan,
    "list": _list,
    "evaluate": _evaluate,
    "apply_acceptance": _apply_acceptance,
    "accept": _accept,
    "extend": _extend,
    "approve_extension": _approve_extension,
    "reopen": _reopen,
}


# ---- photos -----------------------------------------------------------------------------------------


def photo_add(
    *,
    actor: Any,
    hazard: Hazard,
    content: bytes,
    kind: str,
    lon: Any = None,
    lat: Any = None,
    image: CleanImage | None = None,
) -> HazardPhoto:
    """Store a photo: type sniffed from content, ≤ 10 MB, metadata stripped, random name; the place
    comes from EXIF GPS when none was given."""
    errors = FieldErrors()
    if kind not in PhotoKind.values:
        errors.add("kind", _("Choose one of: %(values)s.") % {"values": ", ".join(PhotoKind.values)})
    found = permissions.parties(actor, hazard)
    may = bool(found) or hazard.reported_by_id == getattr(actor, "pk", None)
    if kind == PhotoKind.AFTER:
        may = workflow.RECTIFIER in found
    if not may:
        raise NotAllowed(_("Your role does not allow adding this photo."))
    given_lon, given_lat = _float({"lon": lon}, "lon", errors), _float({"lat": lat}, "lat", errors)
    try:
        image = image or clean_image(content)  # a caller that already checked the photo passes it in
    except ImageRejected as exc:
        errors.add("file", str(exc))
    errors.raise_if_any()
    assert image is not None
    if given_lon is None or given_lat is None:
        given_lon, given_lat = image.gps if image.gps else (None, None)
    with transaction.atomic():
        photo = HazardPhoto(
            hazard=hazard,
            kind=kind,
            content_type=image.content_type,
            size=len(image.content),
            width=image.width,
            height=image.height,
            lon=given_lon,
            lat=given_lat,
            taken_at=image.taken_at,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        photo.file.save(f"photo.{image.extension}", ContentFile(image.content), save=False)
        photo.save()
        audit.record(
            actor=actor,
            verb="hazard.photo_add",
            obj=hazard,
            after={"photo": str(photo.uuid), "kind": kind, "size": photo.size, "lon": photo.lon, "lat": photo.lat},
        )
    return photo


def hazard_report_with_photos(
    *, actor: Any, data: dict[str, Any], photos: list[bytes], idempotency_key: str = ""
) -> Intake:
    """The phone form: a report and its before-photos in one go. Photos are checked first, and the
    first photo's EXIF position stands in when the form carries no location."""
    cleaned = []
    for index, content in enumerate(photos):
        try:
            cleaned.append(clean_image(content))
        except ImageRejected as exc:
            raise FieldErrors.single("photos", f"#{index + 1}: {exc}") from exc
    data = dict(data)
    if data.get("lon") in (None, "") and data.get("enterprise_id") in (None, ""):
        with_gps = next((c for c in cleaned if c.gps), None)
        if with_gps is not None and with_gps.gps is not None:
            data["lon"], data["lat"] = with_gps.gps
    with transaction.atomic():
        intake = hazard_create(actor=actor, data=data, idempotency_key=idempotency_key)
        if intake.created:
            for content, image in zip(photos, cleaned, strict=True):
                photo_add(actor=actor, hazard=intake.hazard, content=content, kind=PhotoKind.BEFORE, image=image)
    return intake

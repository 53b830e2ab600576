"""Writes for inspections: start one (who may do which kind where), answer its items (validated per
answer type; a finding per the item's rule), and submit it (every required item answered, the inspected
unit's signature or its refusal recorded — 安全生产法 Art. 68 — and each finding that asks for it reported
as a hazard through the hazard service, with the "no" photo as its before-photo). One transaction each,
audited; bad input raises FieldErrors naming the field (or the item) and writes nothing."""

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.core import audit
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.geo import point_in_range
from safeloop.core.images import ImageRejected, clean_image
from safeloop.core.scoping import Grant, scope_for
from safeloop.hazards import routing
from safeloop.hazards import services as hazard_services
from safeloop.hazards.choices import HazardLevel, HazardSource, PhotoKind
from safeloop.hazards.models import Hazard
from safeloop.inspections import campaign_hooks
from safeloop.inspections.choices import HAZARD_SOURCE, AnswerType, InspectionKind, InspectionStatus, YesNo
from safeloop.inspections.models import ChecklistItem, ChecklistTemplate, Inspection, InspectionAnswer
from safeloop.inspections.selectors import campaign_list
from safeloop.orgs.models import Enterprise
from safeloop.orgs.selectors import enterprise_list
from safeloop.orgs.services import NotAllowed

AUDITED_FIELDS = (
    "kind",
    "unannounced",
    "template",
    "enterprise",
    "division",
    "grid",
    "sector",
    "campaign",
    "status",
    "signed_by",
    "refused_to_sign",
    "findings",
)

# The kind of inspection each role does (DOMAIN.md §7): a self-check is the enterprise's, a grid patrol
# the grid worker's, a department inspection any government officer's, a supervision check the team's.
KIND_BY_ROLE: dict[str, str] = {
    Role.ENTERPRISE_OFFICER: InspectionKind.SELF_CHECK,
    Role.GRID_WORKER: InspectionKind.GRID_PATROL,
    Role.DEPARTMENT_OFFICER: InspectionKind.DEPARTMENT,
    Role.DIVISION_OFFICER: InspectionKind.DEPARTMENT,
    Role.CITY_OFFICE: InspectionKind.DEPARTMENT,
    Role.SUPERVISOR: InspectionKind.SUPERVISION,
}

MAX_NOTE = 300


def kinds_for(actor: Any) -> list[str]:
    """The kinds of inspection the caller may start, in the order of InspectionKind."""
    scope = scope_for(actor)
    if Role.SYS_ADMIN in scope.roles:
        return list(InspectionKind.values)
    allowed = {KIND_BY_ROLE[g.role] for g in scope.grants if g.role in KIND_BY_ROLE}
    return [kind for kind in InspectionKind.values if kind in allowed]


def _grant_covers(
    grant: Grant, *, kind: str, enterprise: Enterprise | None, division: str, grid: str | None, sector: str
) -> bool:
    if KIND_BY_ROLE.get(grant.role) != kind:
        return False
    if grant.enterprise_id is not None:
        return enterprise is not None and enterprise.pk == grant.enterprise_id
    if grant.grid_code is not None:
        return grid == grant.grid_code
    if grant.division_prefix is not None:
        if not division.startswith(grant.division_prefix):
            return False
        return grant.sectors is None or sector in grant.sectors
    return False


def _template(reference: Any, errors: FieldErrors) -> ChecklistTemplate | None:
    value = str(reference or "").strip()
    if not value:
        errors.add("template", _("This field is required."))
        return None
    key = hazard_services.as_uuid(value)
    found = (
        ChecklistTemplate.objects.filter(uuid=key).first()
        if key
        else ChecklistTemplate.objects.filter(code=value, is_current=True).first()
    )
    if found is None:
        errors.add("template", _("No checklist with this code or id."))
    return found


def _float(data: dict[str, Any], name: str, errors: FieldErrors) -> float | None:
    value = data.get(name)
    if value is None or str(value).strip() == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        errors.add(name, _("Enter a number."))
        return None


def _text(data: dict[str, Any], name: str, errors: FieldErrors, limit: int) -> str:
    value = str(data.get(name) or "").strip()
    if len(value) > limit:
        errors.add(name, _("At most %(limit)s characters.") % {"limit": limit})
    return value


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


@transaction.atomic
def inspection_start(*, actor: Any, data: dict[str, Any]) -> Inspection:
    """Start an inspection of a site (`enterprise` uuid) or a place (`lon`, `lat`) with a checklist
    (`template`: a code for its current version, or a version's uuid). Division and grid follow from the
    enterprise or the point; the caller's role decides the kind and where it may be done."""
    if not kinds_for(actor):
        raise NotAllowed(_("Your role does not allow inspections."))
    errors = FieldErrors()
    kind = str(data.get("kind") or "").strip()
    if kind not in InspectionKind.values:
        errors.add("kind", _("Choose one of: %(values)s.") % {"values": ", ".join(InspectionKind.values)})
    elif kind not in kinds_for(actor):
        errors.add("kind", _("Your role does not allow this kind of inspection."))
    template = _template(data.get("template"), errors)
    enterprise: Enterprise | None = None
    reference = data.get("enterprise") or data.get("enterprise_id")
    if reference:
        key = hazard_services.as_uuid(reference)
        enterprise = enterprise_list(actor=actor).filter(uuid=key).first() if key else None
        if enterprise is None:
            errors.add("enterprise", _("No enterprise with this id in your scope."))
    lon, lat = _float(data, "lon", errors), _float(data, "lat", errors)
    if (lon is None) != (lat is None):
        errors.add("lat" if lat is None else "lon", _("Give both longitude and latitude."))
    if lon is not None and lat is not None and not point_in_range(lon, lat):
        errors.add("location", _("This point is not a WGS-84 position in China."))
    if lon is None and enterprise is None and "enterprise" not in {e["field"] for e in errors.errors}:
        errors.add("location", _("Give the location (longitude and latitude) or the enterprise."))
    campaign = None
    if data.get("campaign"):
        key = hazard_services.as_uuid(data.get("campaign"))
        campaign = campaign_list(actor=actor).filter(uuid=key).first() if key else None
        if campaign is None:
            errors.add("campaign", _("No campaign with this id in your scope."))
    address = _text(data, "address", errors, 200)
    inspectors = _text(data, "inspectors", errors, 200)
    note = _text(data, "note", errors, 4000)
    errors.raise_if_any()
    assert template is not None
    grid: str | None
    if enterprise is not None:
        division, grid = enterprise.division_id, enterprise.grid_id
        if lon is None:
            lon, lat = enterprise.lon, enterprise.lat
        address = address or enterprise.address
    else:
        assert lon is not None and lat is not None
        grid = routing.locate(lon, lat)
        if grid is None:
            raise FieldErrors.single("location", _("This point lies outside every grid of the city."))
        division = grid[:12]
    scope = scope_for(actor)
    if Role.SYS_ADMIN not in scope.roles and not any(
        _grant_covers(g, kind=kind, enterprise=enterprise, division=division, grid=grid, sector=template.sector_id)
        for g in scope.grants
    ):
        raise NotAllowed(_("This site is outside the area where your role may do this kind of inspection."))
    assert lon is not None and lat is not None
    inspection = Inspection.objects.create(
        kind=kind,
        unannounced=_flag(data.get("unannounced")),
        template=template,
        enterprise=enterprise,
        lon=lon,
        lat=lat,
        address=address,
        division_id=division,
        grid_id=grid,
        sector_id=template.sector_id,
        campaign=campaign,
        inspector=actor if getattr(actor, "is_authenticated", False) else None,
        inspectors=inspectors,
        note=note,
    )
    audit.record(actor=actor, verb="inspection.start", obj=inspection, after=audit.snapshot(inspection, AUDITED_FIELDS))
    return inspection


def _may_write(actor: Any, inspection: Inspection) -> None:
    if inspection.inspector_id != getattr(actor, "pk", None) and Role.SYS_ADMIN not in scope_for(actor).roles:
        raise NotAllowed(_("Only the inspector who started this inspection may change it."))
    if inspection.status != InspectionStatus.DRAFT:
        raise Conflict(_("This inspection has been submitted already."))


def is_finding(item: ChecklistItem, *, choice: str = "", number: float | None = None) -> bool:
    """A "no" to a yes/no item, or a number outside the item's acceptable range."""
    if item.answer_type == AnswerType.YES_NO:
        return choice == YesNo.NO
    if item.answer_type == AnswerType.NUMBER and number is not None:
        return (item.min_value is not None and number < item.min_value) or (
            item.max_value is not None and number > item.max_value
        )
    return False


@transaction.atomic
def inspection_answer(
    *, actor: Any, inspection: Inspection, item: ChecklistItem, data: dict[str, Any]
) -> InspectionAnswer:
    """Answer (or re-answer) one item: `choice` (yes/no/na), `number`, `text`, `note`, `photo` (bytes).
    A finding that the item says needs a photo is refused without one."""
    _may_write(actor, inspection)
    if item.template_id != inspection.template_id:
        raise FieldErrors.single("item", _("This item is not on the checklist of this inspection."))
    existing = InspectionAnswer.objects.filter(inspection=inspection, item=item).first()
    errors = FieldErrors()
    choice, number, text = "", None, ""
    if item.answer_type == AnswerType.YES_NO:
        choice = str(data.get("choice") or "").strip()
        if choice not in YesNo.values:
            errors.add("choice", _("Answer yes, no or not applicable."))
    elif item.answer_type == AnswerType.NUMBER:
        number = _float(data, "number", errors)
        if number is None and "number" not in {e["field"] for e in errors.errors}:
            errors.add("number", _("Enter a number."))
    elif item.answer_type == AnswerType.TEXT:
        text = _text(data, "text", errors, 4000)
        if not text:
            errors.add("text", _("This field is required."))
    note = _text(data, "note", errors, MAX_NOTE)
    photo = data.get("photo")
    image = None
    if photo:
        try:
            image = clean_image(photo if isinstance(photo, bytes) else photo.read())
        except ImageRejected as exc:
            errors.add("photo", str(exc))
    finding = is_finding(item, choice=choice, number=number)
    has_photo = image is not None or bool(existing and existing.photo_file)
    if item.answer_type == AnswerType.PHOTO and not has_photo:
        errors.add("photo", _("Take or choose a photo."))
    if finding and item.finding_needs_photo and not has_photo:
        errors.add("photo", _("A photo is required when this item is not met."))
    errors.raise_if_any()
    answer = existing or InspectionAnswer(inspection=inspection, item=item)
    answer.choice, answer.number, answer.text, answer.note, answer.is_finding = choice, number, text, note, finding
    if image is not None:
        answer.photo_file.save(f"answer.{image.extension}", ContentFile(image.content), save=False)
    answer.save()
    audit.record(
        actor=actor,
        verb="inspection.answer",
        obj=inspection,
        after={
            "item": item.position,
            "choice": choice,
            "number": number,
            "text": text[:200],
            "finding": finding,
            "photo": bool(answer.photo_file),
        },
    )
    return answer


def answered(item: ChecklistItem, answer: InspectionAnswer | None) -> bool:
    if answer is None:
        return False
    if item.answer_type == AnswerType.YES_NO:
        return bool(answer.choice)
    if item.answer_type == AnswerType.NUMBER:
        return answer.number is not None
    if item.answer_type == AnswerType.TEXT:
        return bool(answer.text)
    return bool(answer.photo_file)


def _hazard_data(inspection: Inspection, item: ChecklistItem, answer: InspectionAnswer) -> dict[str, Any]:
    source = HazardSource.CAMPAIGN if inspection.campaign_id else HAZARD_SOURCE[InspectionKind(inspection.kind)]
    detail = answer.note or answer.text or (str(answer.number) if answer.number is not None else "")
    data: dict[str, Any] = {
        "title": (_("Not met: %(item)s") % {"item": item.text})[:120],
        "description": _("Found in the %(kind)s of %(day)s (checklist %(code)s v%(version)s, item %(position)s).")
        % {
            "kind": inspection.get_kind_display(),
            "day": timezone.localdate(inspection.started_at).isoformat(),
            "code": inspection.template.code,
            "version": inspection.template.version,
            "position": item.position,
        }
        + (f"\n{detail}" if detail else ""),
        "sector": inspection.sector_id,
        "level": item.hazard_level,
        "category": item.hazard_category,
        "source": source,
        "address": inspection.address,
    }
    if item.criteria_item_id:
        data["criteria_item"] = item.criteria_item.code if item.criteria_item else ""
        if item.hazard_level == HazardLevel.GENERAL:
            data["level_reason"] = _("Default level of the checklist item.")
    if inspection.enterprise_id:
        data["enterprise_id"] = str(inspection.enterprise.uuid) if inspection.enterprise else ""
    else:
        data["lon"], data["lat"] = inspection.lon, inspection.lat
    return data


@transaction.atomic
def inspection_submit(*, actor: Any, inspection: Inspection, data: dict[str, Any]) -> list[Hazard]:
    """Close the inspection: every required item answered (errors name the items), signed by the
    inspected unit or its refusal recorded; each finding whose item asks for it becomes a hazard (with
    the "no" photo as the before-photo); the campaign is told. Returns the hazards made."""
    inspection = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("template", "enterprise")
        .get(pk=inspection.pk)
    )
    _may_write(actor, inspection)
    errors = FieldErrors()
    items = list(inspection.template.items.select_related("criteria_item"))
    answers = {a.item_id: a for a in inspection.answers.all()}
    for item in items:
        if item.required and not answered(item, answers.get(item.pk)):
            errors.add(
                f"item_{item.position}",
                _("Item %(position)s is not answered: %(text)s")
                % {
                    "position": item.position,
                    "text": item.text,
                },
            )
    signed_by = _text(data, "signed_by", errors, 64)
    refused = _flag(data.get("refused_to_sign"))
    if not signed_by and not refused:
        errors.add("signed_by", _("The inspected unit signs, or record that it refused to sign."))
    note = _text(data, "note", errors, 4000) if data.get("note") is not None else inspection.note
    errors.raise_if_any()
    before = audit.snapshot(inspection, AUDITED_FIELDS)
    hazards: list[Hazard] = []
    findings = 0
    for item in items:
        answer = answers.get(item.pk)
        if answer is None or not answer.is_finding:
            continue
        findings += 1
        if not item.finding_creates_hazard:
            continue
        hazard = hazard_services.hazard_create(actor=actor, data=_hazard_data(inspection, item, answer)).hazard
        hazards.append(hazard)
        answer.hazard = hazard
        if answer.photo_file:
            with answer.photo_file.open("rb") as fh:
                content = fh.read()
            answer.photo = hazard_services.photo_add(actor=actor, hazard=hazard, content=content, kind=PhotoKind.BEFORE)
        answer.save(update_fields=["hazard", "photo"])
    inspection.signed_by, inspection.refused_to_sign, inspection.note = signed_by, refused and not signed_by, note
    inspection.status, inspection.submitted_at, inspection.findings = (
        InspectionStatus.SUBMITTED,
        timezone.now(),
        findings,
    )
    inspection.save(
        update_fields=["signed_by", "refused_to_sign", "note", "status", "submitted_at", "findings", "updated_at"]
    )
    campaign_hooks.inspection_submitted(inspection, hazards)
    audit.record(
        actor=actor,
        verb="inspection.submit",
        obj=inspection,
        before=before,
        after={**audit.snapshot(inspection, AUDITED_FIELDS), "hazards": [h.code for h in hazards]},
    )
    return hazards

"""Writes for checklist templates. `checklist_save` creates a template or edits one; editing a template
that inspections have used makes a new version (same code, version + 1, `is_current` moves) and leaves the
old version and its items untouched, so every inspection still renders against the texts it was done with.
An unused template is edited in place. Only the city office, department officers (for their sectors) and
the system administrator may write checklists (DOMAIN.md §5)."""

from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.core import audit
from safeloop.core.errors import FieldErrors
from safeloop.core.scoping import scope_for
from safeloop.hazards import routing
from safeloop.hazards.choices import HazardCategory, HazardLevel
from safeloop.hazards.models import CriteriaItem
from safeloop.inspections.choices import AnswerType
from safeloop.inspections.models import ChecklistItem, ChecklistTemplate
from safeloop.orgs.services import NotAllowed

TEMPLATE_FIELDS = ("code", "version", "is_current", "sector", "title", "description")
ITEM_FIELDS = (
    "text",
    "basis",
    "answer_type",
    "required",
    "min_value",
    "max_value",
    "finding_needs_photo",
    "finding_creates_hazard",
    "hazard_level",
    "hazard_category",
)
WRITERS = frozenset({Role.CITY_OFFICE, Role.DEPARTMENT_OFFICER})


def may_edit_sector(actor: Any, sector: str) -> bool:
    """The city office and the system administrator any sector; a department officer its own sectors."""
    scope = scope_for(actor)
    if scope.system_wide and Role.SYS_ADMIN in scope.roles:
        return True
    for grant in scope.grants:
        if grant.role == Role.CITY_OFFICE:
            return True
        if grant.role == Role.DEPARTMENT_OFFICER and (grant.sectors is None or sector in grant.sectors):
            return True
    return False


def may_edit_any(actor: Any) -> bool:
    scope = scope_for(actor)
    return Role.SYS_ADMIN in scope.roles or any(grant.role in WRITERS for grant in scope.grants)


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def _float(value: Any, name: str, errors: FieldErrors) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        errors.add(name, _("Enter a number."))
        return None


def _clean_items(raw: Any, sector: str, errors: FieldErrors) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        errors.add("items", _("A checklist needs at least one item."))
        return []
    criteria = {
        c.code: c for c in CriteriaItem.objects.select_related("document").filter(code__in=[_code(r) for r in raw])
    }
    items = []
    for index, row in enumerate(raw, start=1):
        name = f"items.{index}"
        if not isinstance(row, dict):
            errors.add(name, _("Each item must be an object."))
            continue
        text = str(row.get("text") or "").strip()
        if not text:
            errors.add(f"{name}.text", _("This field is required."))
        elif len(text) > 300:
            errors.add(f"{name}.text", _("At most %(limit)s characters.") % {"limit": 300})
        basis = str(row.get("basis") or "").strip()
        if len(basis) > 200:
            errors.add(f"{name}.basis", _("At most %(limit)s characters.") % {"limit": 200})
        answer_type = str(row.get("answer_type") or AnswerType.YES_NO)
        if answer_type not in AnswerType.values:
            errors.add(
                f"{name}.answer_type", _("Choose one of: %(values)s.") % {"values": ", ".join(AnswerType.values)}
            )
        level = str(row.get("hazard_level") or HazardLevel.GENERAL)
        if level not in HazardLevel.values:
            errors.add(
                f"{name}.hazard_level", _("Choose one of: %(values)s.") % {"values": ", ".join(HazardLevel.values)}
            )
        category = str(row.get("hazard_category") or HazardCategory.THING)
        if category not in HazardCategory.values:
            errors.add(
                f"{name}.hazard_category",
                _("Choose one of: %(values)s.") % {"values": ", ".join(HazardCategory.values)},
            )
        low = _float(row.get("min_value"), f"{name}.min_value", errors)
        high = _float(row.get("max_value"), f"{name}.max_value", errors)
        if low is not None and high is not None and low > high:
            errors.add(f"{name}.max_value", _("The highest acceptable value is below the lowest."))
        code = _code(row)
        item = criteria.get(code) if code else None
        if code and item is None:
            errors.add(f"{name}.criteria_item", _("Unknown criteria item: %(code)s") % {"code": code})
        elif item is not None and sector and item.document.sector_id != sector:
            errors.add(f"{name}.criteria_item", _("This criteria item belongs to another sector."))
        items.append(
            {
                "position": index,
                "text": text,
                "basis": basis,
                "answer_type": answer_type,
                "required": _flag(row.get("required"), True),
                "min_value": low,
                "max_value": high,
                "finding_needs_photo": _flag(row.get("finding_needs_photo"), False),
                "finding_creates_hazard": _flag(row.get("finding_creates_hazard"), True),
                "hazard_level": level,
                "hazard_category": category,
                "criteria_item": item,
            }
        )
    return items


def _code(row: Any) -> str:
    return str(row.get("criteria_item") or "").strip() if isinstance(row, dict) else ""


def _validate(actor: Any, template: ChecklistTemplate | None, data: dict[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    title = str(data.get("title") if data.get("title") is not None else (template.title if template else "")).strip()
    if not title:
        errors.add("title", _("This field is required."))
    elif len(title) > 120:
        errors.add("title", _("At most %(limit)s characters.") % {"limit": 120})
    description = str(
        data.get("description") if data.get("description") is not None else (template.description if template else "")
    ).strip()
    if template is not None:
        sector = template.sector_id
        if data.get("sector") not in (None, "", sector):
            errors.add("sector", _("The sector of a checklist cannot be changed."))
        code = template.code
    else:
        sector = str(data.get("sector") or "").strip()
        if not sector:
            errors.add("sector", _("This field is required."))
        elif sector not in routing.sector_codes():
            errors.add("sector", _("Unknown sector code: %(code)s") % {"code": sector})
        code = slugify(str(data.get("code") or "").strip())
        if not code:
            errors.add("code", _("This field is required."))
        elif len(code) > 48:
            errors.add("code", _("At most %(limit)s characters.") % {"limit": 48})
        elif ChecklistTemplate.objects.filter(code=code).exists():
            errors.add("code", _("A checklist with this code exists already."))
    if sector and not may_edit_sector(actor, sector):
        raise NotAllowed(_("Your role does not allow editing checklists of this sector."))
    raw_items = data.get("items")
    if raw_items is None and template is not None:
        raw_items = [_item_dict(item) for item in template.items.select_related("criteria_item")]
    items = _clean_items(raw_items, sector, errors)
    errors.raise_if_any()
    return {"code": code, "sector": sector, "title": title, "description": description, "items": items}


def _item_dict(item: ChecklistItem) -> dict[str, Any]:
    out = {name: getattr(item, name) for name in ITEM_FIELDS}
    out["criteria_item"] = item.criteria_item.code if item.criteria_item else ""
    return out


def _write_items(template: ChecklistTemplate, items: list[dict[str, Any]]) -> None:
    ChecklistItem.objects.bulk_create(ChecklistItem(template=template, **item) for item in items)


def _items_snapshot(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "criteria_item": item["criteria_item"].code if item["criteria_item"] else ""} for item in items]


@transaction.atomic
def checklist_save(*, actor: Any, template: ChecklistTemplate | None = None, data: dict[str, Any]) -> ChecklistTemplate:
    """Create a template (`template=None`) or edit one; returns the version that now holds the content.

    Editing an old version is refused: edit the current one. Editing a used version copies it into a new
    version; `data["items"]` (when given) replaces the items as a whole, in the order given."""
    if not may_edit_any(actor):
        raise NotAllowed(_("Your role does not allow editing checklists."))
    if template is not None:
        template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        if not template.is_current:
            raise FieldErrors.single("version", _("Only the current version of a checklist can be edited."))
    clean = _validate(actor, template, data)
    user = actor if getattr(actor, "is_authenticated", False) else None
    if template is None:
        saved = ChecklistTemplate.objects.create(
            code=clean["code"],
            sector_id=clean["sector"],
            title=clean["title"],
            description=clean["description"],
            created_by=user,
        )
        _write_items(saved, clean["items"])
        audit.record(
            actor=actor,
            verb="checklist.create",
            obj=saved,
            after={**audit.snapshot(saved, TEMPLATE_FIELDS), "items": _items_snapshot(clean["items"])},
        )
        return saved
    before = {**audit.snapshot(template, TEMPLATE_FIELDS), "items": [_item_dict(i) for i in template.items.all()]}
    if template.inspections.exists():
        ChecklistTemplate.objects.filter(pk=template.pk).update(is_current=False)
        saved = ChecklistTemplate.objects.create(
            code=template.code,
            version=template.version + 1,
            is_current=True,
            sector_id=template.sector_id,
            title=clean["title"],
            description=clean["description"],
            created_by=user,
        )
        verb = "checklist.new_version"
    else:
        template.title, template.description = clean["title"], clean["description"]
        template.save(update_fields=["title", "description", "updated_at"])
        template.items.all().delete()
        saved = template
        verb = "checklist.update"
    _write_items(saved, clean["items"])
    audit.record(
        actor=actor,
        verb=verb,
        obj=saved,
        before=before,
        after={**audit.snapshot(saved, TEMPLATE_FIELDS), "items": _items_snapshot(clean["items"])},
    )
    return saved

"""The score band tables and which table each method uses per sector. DOMAIN.md §4.1: "make the method,
the score bands and the level mapping configurable per sector"; §4.2 implementation notes: closed lower
bounds, so a table is three thresholds, strictly decreasing. Only the city office or a system
administrator changes them; every change is audited with before and after, and the next evaluation
uses it (scoring reads the tables from the database, no code change)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.core import audit
from safeloop.core.errors import FieldErrors
from safeloop.core.scoping import scope_for
from safeloop.orgs.choices import Confidence
from safeloop.orgs.models import Sector
from safeloop.orgs.services import NotAllowed
from safeloop.risks.choices import Method
from safeloop.risks.models import RiskBandTable, RiskMethodSetting

TABLE_FIELDS = ("code", "method", "title", "major_from", "significant_from", "general_from", "confidence", "source")
# Highest first: each threshold must be greater than the next one, and the last greater than 0.
THRESHOLDS = ("major_from", "significant_from", "general_from")
# RiskBandTable's DecimalFields: 8 digits, 2 of them decimals.
MAX_THRESHOLD = Decimal("999999.99")


def _setting_snapshot(setting: RiskMethodSetting) -> dict[str, Any]:
    return {"method": setting.method, "sector": setting.sector_id or "", "table": setting.table.code}


def can_edit_bands(actor: Any) -> bool:
    return scope_for(actor).has_role(Role.SYS_ADMIN, Role.CITY_OFFICE)


def _require_editor(actor: Any) -> None:
    if not can_edit_bands(actor):
        raise NotAllowed(_("Only the city office or a system administrator may change the score bands."))


def _threshold(value: Any, name: str, errors: FieldErrors) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if not text:
        errors.add(name, _("This field is required."))
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors.add(name, _("Enter a number."))
        return None
    if not number.is_finite() or number > MAX_THRESHOLD:
        errors.add(name, _("Enter a number up to %(max)s.") % {"max": MAX_THRESHOLD})
        return None
    if number != number.quantize(Decimal("0.01")):
        errors.add(name, _("At most two decimal places."))
        return None
    return number.quantize(Decimal("0.01"))


def band_table_update(*, actor: Any, table: RiskBandTable, data: dict[str, Any]) -> RiskBandTable:
    """Change a table's thresholds (and optionally its title, confidence and source). Thresholds
    missing from `data` keep their value; together they must satisfy major > significant > general > 0."""
    _require_editor(actor)
    errors = FieldErrors()
    values: dict[str, Decimal | None] = {
        name: _threshold(data[name], name, errors) if name in data else getattr(table, name) for name in THRESHOLDS
    }
    major, significant, general = (values[name] for name in THRESHOLDS)
    if general is not None and general <= 0:
        errors.add("general_from", _("The threshold of general risk must be greater than 0."))
    if significant is not None and general is not None and significant <= general:
        errors.add(
            "significant_from",
            _("Must be greater than the threshold of general risk (%(value)s).") % {"value": general},
        )
    if major is not None and significant is not None and major <= significant:
        errors.add(
            "major_from",
            _("Must be greater than the threshold of significant risk (%(value)s).") % {"value": significant},
        )
    title, source, confidence = table.title, table.source, table.confidence
    if "title" in data:
        title = str(data.get("title") or "").strip()
        if not title:
            errors.add("title", _("This field is required."))
        elif len(title) > 80:
            errors.add("title", _("At most %(limit)s characters.") % {"limit": 80})
    if "source" in data:
        source = str(data.get("source") or "").strip()
        if len(source) > 200:
            errors.add("source", _("At most %(limit)s characters.") % {"limit": 200})
    if "confidence" in data:
        confidence = str(data.get("confidence") or "").strip()
        if confidence not in Confidence.values:
            errors.add("confidence", _("Unknown value: %(value)s") % {"value": confidence})
    errors.raise_if_any()
    assert major is not None and significant is not None and general is not None
    with transaction.atomic():
        locked = RiskBandTable.objects.select_for_update().get(pk=table.pk)
        before = audit.snapshot(locked, TABLE_FIELDS)
        locked.major_from, locked.significant_from, locked.general_from = major, significant, general
        locked.title, locked.source, locked.confidence = title, source, confidence
        after = audit.snapshot(locked, TABLE_FIELDS)
        if after == before:
            return locked
        locked.save(update_fields=[*THRESHOLDS, "title", "source", "confidence"])
        audit.record(actor=actor, verb="risk_band_table.update", obj=locked, before=before, after=after)
    return locked


def method_setting_set(*, actor: Any, method: str, sector_code: str = "", table_code: str) -> RiskMethodSetting | None:
    """Choose the table `method` uses for a sector (`sector_code` "" = every sector without its own
    choice). An empty `table_code` for a sector removes its own choice, so the default applies again."""
    _require_editor(actor)
    errors = FieldErrors()
    method = str(method or "").strip()
    sector_code = str(sector_code or "").strip()
    table_code = str(table_code or "").strip()
    if method not in Method.values:
        errors.add("method", _("Choose “lec” or “ls”."))
    if sector_code and not Sector.objects.filter(code=sector_code).exists():
        errors.add("sector", _("Unknown sector code: %(code)s") % {"code": sector_code})
    table = None
    if not table_code:
        if not sector_code:
            errors.add("table", _("The default table cannot be removed; choose another table instead."))
    else:
        table = RiskBandTable.objects.filter(code=table_code).first()
        if table is None:
            errors.add("table", _("Unknown band table: %(code)s") % {"code": table_code})
        elif method in Method.values and table.method != method:
            errors.add(
                "table",
                _("This table is for the method “%(table_method)s”, not “%(method)s”.")
                % {"table_method": table.get_method_display(), "method": Method(method).label},
            )
    errors.raise_if_any()
    object_id = f"{method}:{sector_code or '*'}"
    with transaction.atomic():
        same = RiskMethodSetting.objects.select_for_update(of=("self",)).select_related("table").filter(method=method)
        setting = (same.filter(sector_id=sector_code) if sector_code else same.filter(sector__isnull=True)).first()
        before = _setting_snapshot(setting) if setting else None
        if table is None:
            if setting is not None:
                setting.delete()
                audit.record(
                    actor=actor,
                    verb="risk_method_setting.delete",
                    object_type="risks.riskmethodsetting",
                    object_id=object_id,
                    before=before,
                )
            return None
        if setting is not None and setting.table_id == table.pk:
            return setting
        if setting is None:
            setting = RiskMethodSetting(method=method, sector_id=sector_code or None, table=table)
            setting.save(force_insert=True)
        else:
            setting.table = table
            setting.save(update_fields=["table"])
        audit.record(
            actor=actor,
            verb="risk_method_setting.set",
            obj=setting,
            object_id=object_id,
            before=before,
            after=_setting_snapshot(setting),
        )
    return setting

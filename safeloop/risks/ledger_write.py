"""Writing a checked row of a 风险辨识清单 through the register's own services (`risk_point_create`,
`risk_point_update`, `risk_assess`, `measure_add`, `measure_update`): audit rows, codes and the first check
tasks happen as for a point entered by hand.

Idempotency. A row names an existing point when the enterprise (or, for a public area, the village the
place lies in) and the name match. Such a point is changed only where the file differs from it: its
description fields, a new assessment when the inputs differ from the latest one, measures the point
does not have yet (matched by kind and text). An empty cell leaves the stored value as it is; measures
missing from the file are kept (retired on the point's page, not by an import). Re-importing the same
file, or an export, therefore reports every row "unchanged"."""

from collections.abc import Iterable, Mapping
from typing import Any

from safeloop.core.errors import FieldErrors
from safeloop.core.xlsx import RowError, is_blank
from safeloop.risks import scoring, selectors, services
from safeloop.risks.choices import ResponsibleTier
from safeloop.risks.ledger_columns import row_error
from safeloop.risks.ledger_read import ListRow, MeasureLine, factor_text, normal_text
from safeloop.risks.models import ControlMeasure, RiskAssessment, RiskPoint

COORDINATE_TOLERANCE = 1e-7
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _merged_responsible(current: list[dict[str, str]], given: list[dict[str, str]]) -> list[dict[str, str]]:
    """The stored people with the file's tiers put over them (a phone left out keeps the stored one for
    the same person)."""
    by_tier = {entry["tier"]: dict(entry) for entry in current or []}
    for entry in given:
        old = by_tier.get(entry["tier"])
        phone = entry["phone"] or (old["phone"] if old and old.get("name") == entry["name"] else "")
        by_tier[entry["tier"]] = {"tier": entry["tier"], "name": entry["name"], "phone": phone}
    order = list(ResponsibleTier.values)
    return [by_tier[t] for t in sorted(by_tier, key=lambda t: order.index(t) if t in order else len(order))]


def _point_changes(point: RiskPoint, row: ListRow) -> dict[str, Any]:
    data = row.point_data
    changes: dict[str, Any] = {}
    if point.kind != data["kind"]:
        changes["kind"] = data["kind"]
    if point.sector_id != data["sector"]:
        changes["sector"] = data["sector"]
    for name in ("address", "accident_types"):
        if name in row.given and getattr(point, name) != data[name]:
            changes[name] = data[name]
    if "location" in row.given and (
        abs(point.lon - data["lon"]) > COORDINATE_TOLERANCE or abs(point.lat - data["lat"]) > COORDINATE_TOLERANCE
    ):
        changes["lon"], changes["lat"] = data["lon"], data["lat"]
    if data["responsible"]:
        merged = _merged_responsible(point.responsible, data["responsible"])
        current = _merged_responsible(point.responsible, [])
        if merged != current:
            changes["responsible"] = merged
    return changes


def _plain_factors(factors: Mapping[str, Any] | None) -> dict[str, str]:
    return {name: factor_text(value) for name, value in (factors or {}).items() if not is_blank(value)}


def assessment_differs(latest: RiskAssessment | None, data: Mapping[str, Any]) -> bool:
    """Whether the row's inputs differ from the point's latest assessment."""
    if latest is None:
        return True
    method = data["method"]
    inherent = _plain_factors({name: data.get(name) for name in scoring.FACTORS[method]})
    residual = _plain_factors(data.get("residual"))
    criteria = data.get("criteria_item") or ""
    major_source = bool(data.get("major_hazard_source"))
    if (
        latest.method != method
        or _plain_factors(latest.inherent_factors) != inherent
        or _plain_factors(latest.residual_factors) != residual
        or ((latest.criteria_item.code if latest.criteria_item else "") != criteria)
        or latest.major_hazard_source != major_source
    ):
        return True
    reason = data.get("override_reason") or ""
    return bool(reason and (criteria or major_source) and reason != latest.override_reason)


def _measure_changes(measures: Iterable[ControlMeasure], lines: list[MeasureLine]) -> list[tuple[Any, dict[str, Any]]]:
    """(None, measure_add data) for lines the point lacks, (measure, measure_update data) for lines
    whose post, person or frequency differ from the stored measure (or whose measure was retired)."""
    stored: dict[tuple[str, str], ControlMeasure] = {}
    for kept in sorted(measures, key=lambda m: (not m.active, m.pk)):
        stored.setdefault((kept.kind, normal_text(kept.description)), kept)
    changes: list[tuple[Any, dict[str, Any]]] = []
    for line in lines:
        measure = stored.get((line.kind, normal_text(line.description)))
        if measure is None:
            changes.append(
                (
                    None,
                    {
                        "kind": line.kind,
                        "description": line.description,
                        "responsible_post": line.post,
                        "responsible_name": line.name,
                        "frequency": line.frequency,
                    },
                )
            )
            continue
        update: dict[str, Any] = {}
        if measure.responsible_post != line.post:
            update["responsible_post"] = line.post
        if line.name and measure.responsible_name != line.name:
            update["responsible_name"] = line.name
        if measure.frequency != line.frequency:
            update["frequency"] = line.frequency
        if not measure.active:
            update["active"] = True
        if update:
            changes.append((measure, update))
    return changes


def write_row(actor: Any, row: ListRow) -> str:
    """Create the point a row describes, or bring the existing one in line with it, through the
    services. Returns CREATED, UPDATED or UNCHANGED."""
    point = row.existing
    if point is None:
        point = services.risk_point_create(actor=actor, data=row.point_data)
        services.risk_assess(actor=actor, point=point, data=row.assess_data)
        for _measure, data in _measure_changes([], row.measures):
            services.measure_add(actor=actor, point=point, data=data)
        return CREATED
    changed = False
    if not point.active:
        services.risk_point_set_active(actor=actor, point=point, active=True)
        changed = True
    changes = _point_changes(point, row)
    if changes:
        services.risk_point_update(actor=actor, point=point, data=changes)
        changed = True
    latest = selectors.assessments(point=point).first()
    if assessment_differs(latest, row.assess_data):
        services.risk_assess(actor=actor, point=point, data=row.assess_data)
        changed = True
    for measure, data in _measure_changes(point.measures.all(), row.measures):
        if measure is None:
            services.measure_add(actor=actor, point=point, data=data)
        else:
            services.measure_update(actor=actor, measure=measure, data=data)
        changed = True
    return UPDATED if changed else UNCHANGED


# Where an error of a service field is shown in the sheet.
FIELD_KEYS = {
    "name": "name",
    "kind": "kind",
    "sector": "sector",
    "description": "name",
    "accident_types": "accident_types",
    "address": "address",
    "enterprise_id": "uscc",
    "lon": "lon",
    "lat": "lat",
    "location": "location",
    "polygon": "location",
    "method": "method",
    "l": "l",
    "e": "e",
    "c": "c",
    "s": "s",
    "residual.l": "residual_l",
    "residual.e": "residual_e",
    "residual.c": "residual_c",
    "residual.s": "residual_s",
    "criteria_item": "criteria_item",
    "major_hazard_source": "major_hazard_source",
    "override_reason": "override_reason",
    "note": "name",
    "responsible_post": "responsible_post",
    "responsible_name": "responsible_name",
    "frequency": "frequency",
}


def service_errors(row: ListRow, exc: FieldErrors) -> list[RowError]:
    found = []
    for problem in exc.errors:
        name = problem["field"]
        key = FIELD_KEYS.get(name, "")
        if name.startswith("responsible."):
            parts = name.split(".")
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
            key = f"tier_{row.responsible_order[index]}" if 0 <= index < len(row.responsible_order) else "name"
        found.append(row_error(row.number, key or "name", problem["message"]))
    return found

"""The register as a 风险辨识清单 (xlsx): the caller's scoped points, filtered by RiskPointFilterSet (the
list page's query string), one row per point in the template's columns plus the code, the current level
and the review dates, streamed by xlsxwriter in constant-memory mode, so an exported file can be
corrected and imported again (issue 4; DOMAIN.md §10.2: exports are audited)."""

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from itertools import batched
from typing import IO, Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.core.filtering import filter_or_raise
from safeloop.core.xlsx import SHANGHAI, Export, audited_export, is_blank, local_time, write_cell
from safeloop.core.xlsx import used_filters as filters_used
from safeloop.risks import selectors
from safeloop.risks.filters import RiskPointFilterSet
from safeloop.risks.ledger_columns import (
    DATA_SHEET,
    EXPORT_COLUMNS,
    FREQUENCY_NAMES,
    KIND_NAMES,
    LEVEL_NAMES,
    MEASURE_KINDS,
    MEASURE_SPLIT,
    METHOD_NAMES,
    NO,
    TIER_KEYS,
    TIER_NAMES,
    TITLE,
    WRAPPED,
    YES,
    ListFormats,
    header_rows,
)
from safeloop.risks.ledger_read import normal_text
from safeloop.risks.models import ControlMeasure, RiskAssessment, RiskPoint

EXPORT_CHUNK = 500


def export_queryset(*, actor: Any, params: Mapping[str, Any]) -> QuerySet[RiskPoint]:
    """The list page's queryset: scope, then RiskPointFilterSet (bad values raise FieldErrors)."""
    points: QuerySet[RiskPoint] = filter_or_raise(
        RiskPointFilterSet, params, selectors.risk_point_list(actor=actor)
    ).order_by("division_id", "enterprise_id", "name", "id")
    return points


def _number_or_blank(text: Any) -> float | str:
    if is_blank(text):
        return ""
    try:
        return float(Decimal(str(text)))
    except InvalidOperation:
        return str(text)


def _measure_cells(measures: list[ControlMeasure]) -> dict[str, Any]:
    """The measure columns of one point: the most common (post, person, frequency) fills the row's own
    columns; a measure that differs carries its own as 【post/person/frequency】."""
    cells: dict[str, Any] = {}
    if not measures:
        return cells
    # Ties go to the triple met first (Counter.most_common keeps first-encountered order).
    default = Counter((m.responsible_post, m.responsible_name, m.frequency) for m in measures).most_common(1)[0][0]
    cells["responsible_post"], cells["responsible_name"] = default[0], default[1]
    cells["frequency"] = FREQUENCY_NAMES.get(default[2], default[2])
    for kind in MEASURE_KINDS:
        lines = []
        for measure in measures:
            if measure.kind != kind:
                continue
            text = normal_text(measure.description)
            triple = (measure.responsible_post, measure.responsible_name, measure.frequency)
            if triple != default:
                text += f"【{triple[0]}/{triple[1]}/{FREQUENCY_NAMES.get(triple[2], triple[2])}】"
            lines.append(text)
        if lines:
            # New lines separate measures; a single measure holding ； ends with one, so it stays whole.
            joined = "\n".join(lines)
            cells[f"measure_{kind}"] = joined + "\n" if len(lines) == 1 and MEASURE_SPLIT.search(joined) else joined
    return cells


def point_row(point: RiskPoint, latest: RiskAssessment | None, measures: list[ControlMeasure]) -> dict[str, Any]:
    """A point as the template's cells (plus the export-only ones), so the file imports again."""
    cells: dict[str, Any] = {
        "name": point.name,
        "kind": KIND_NAMES.get(point.kind, point.kind),
        "sector": point.sector.name_zh if point.sector_id else "",
        "uscc": point.enterprise.uscc if point.enterprise_id and point.enterprise else "",
        "lon": point.lon,
        "lat": point.lat,
        "address": point.address,
        "accident_types": point.accident_types,
        "code": point.code,
        "current_level": LEVEL_NAMES.get(point.current_level, point.current_level),
        "control_level": TIER_NAMES.get(point.control_level, point.control_level),
        "last_assessed_at": local_time(point.last_assessed_at),
        "next_review_at": point.next_review_at,
        "raised_reason": point.raised_reason,
    }
    if latest is not None:
        cells["method"] = METHOD_NAMES.get(latest.method, latest.method)
        for name, value in (latest.inherent_factors or {}).items():
            cells[name] = _number_or_blank(value)
        for name, value in (latest.residual_factors or {}).items():
            cells[f"residual_{name}"] = _number_or_blank(value)
        cells["criteria_item"] = latest.criteria_item.code if latest.criteria_item else ""
        cells["major_hazard_source"] = YES if latest.major_hazard_source else NO
        cells["override_reason"] = latest.override_reason
    for entry in point.responsible or []:
        key = f"tier_{entry.get('tier')}"
        if key in TIER_KEYS:
            cells[key] = " ".join(part for part in (entry.get("name", ""), entry.get("phone", "")) if part)
    cells.update(_measure_cells(measures))
    return cells


def export_rows(points: QuerySet[RiskPoint]) -> Iterator[dict[str, Any]]:
    """Each point with its latest assessment and its active measures, fetched a chunk at a time."""
    for chunk in batched(points.iterator(chunk_size=2000), EXPORT_CHUNK):
        ids = [point.pk for point in chunk]
        latest: dict[int, RiskAssessment] = {}
        for assessment in (
            RiskAssessment.objects.filter(point_id__in=ids)
            .select_related("criteria_item")
            .order_by("point_id", "-assessed_at", "-id")
        ):
            latest.setdefault(assessment.point_id, assessment)
        measures: dict[int, list[ControlMeasure]] = {}
        for measure in ControlMeasure.objects.filter(point_id__in=ids, active=True).order_by("point_id", "kind", "id"):
            measures.setdefault(measure.point_id, []).append(measure)
        for point in chunk:
            yield point_row(point, latest.get(point.pk), measures.get(point.pk, []))


def write_export(target: IO[bytes], rows: Iterable[dict[str, Any]]) -> int:
    """The template's sheet with every point, row by row (constant memory). Returns the row count."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    formats = ListFormats(workbook)
    sheet = workbook.add_worksheet(DATA_SHEET)
    header_rows(sheet, formats, EXPORT_COLUMNS)
    count = 0
    for count, cells in enumerate(rows, 1):
        cells["index"] = count
        for at, column in enumerate(EXPORT_COLUMNS):
            write_cell(sheet, count + 1, at, cells.get(column.key), formats, wrap=column.key in WRAPPED)
    sheet.autofilter(0, 0, 1 + count, len(EXPORT_COLUMNS) - 1)
    workbook.close()
    return count


def used_filters(params: Mapping[str, Any]) -> dict[str, Any]:
    return filters_used(RiskPointFilterSet.base_filters, params)


def risk_list_export(*, actor: Any, params: Mapping[str, Any]) -> Export:
    """The register as the caller sees it (scope, then the list's filters) as a 风险辨识清单 that can be
    imported again; audited with the row count and the filters (DOMAIN.md §10.2)."""
    points = export_queryset(actor=actor, params=params)
    return audited_export(
        actor=actor,
        write=lambda target: write_export(target, export_rows(points)),
        verb="risk_point.export",
        object_type=RiskPoint._meta.label_lower,
        object_repr=_("risk identification list (xlsx)"),
        filters=used_filters(params),
        file_name=lambda: f"{TITLE}-{timezone.localtime(timezone.now(), SHANGHAI):%Y%m%d}.xlsx",
    )

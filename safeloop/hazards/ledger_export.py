"""The hazard 台账 (ledger) as xlsx: the export of the filtered list in the official ledger's columns
(issue 3; DOMAIN.md §10.2: exports are audited).

The same scoped, filtered queryset as the list (`selectors.hazard_list` + HazardFilterSet), read with
values()/iterator() and written by xlsxwriter in constant-memory mode, so 100k rows take constant memory:
a title row, the export time and the filters, then the 15 columns of the official form (Chinese
headers; times in Asia/Shanghai)."""

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import IO, Any

import xlsxwriter
from django.db.models import Case, CharField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.core.filtering import filter_or_raise
from safeloop.core.xlsx import SHANGHAI, Export, audited_export, local_time, write_cell
from safeloop.core.xlsx import used_filters as filters_used
from safeloop.hazards import selectors, services
from safeloop.hazards.choices import OPEN_STATUSES, HazardStatus
from safeloop.hazards.filters import HazardFilterSet
from safeloop.hazards.ledger_columns import (
    DATA_SHEET,
    FILTER_LABELS,
    LEDGER_COLUMNS,
    LEVEL_NAMES,
    OVERDUE_MARK,
    SOURCE_NAMES,
    STATUS_NAMES,
    TITLE,
    LedgerFormats,
)
from safeloop.hazards.models import Hazard, HazardEvent
from safeloop.orgs.models import Division, Sector
from safeloop.orgs.selectors import enterprise_list

EXPORT_VALUES = (
    "code",
    "title",
    "description",
    "level",
    "sector__name_zh",
    "sector_id",
    "county_code",
    "division_id",
    "territorial_unit",
    "reported_at",
    "responsible_person",
    "due_at",
    "measures",
    "status",
    "verified_by__real_name",
    "verified_by__username",
    "verified_at",
    "closed_at",
    "enterprise__name",
    "rectifier_name",
    "imported_verifier",
)


def used_filters(params: Mapping[str, Any]) -> dict[str, Any]:
    """The HazardFilterSet parameters actually given, JSON-ready (for the audit row and the title)."""
    return filters_used(HazardFilterSet.base_filters, params)


def _yes_no(value: str) -> str:
    return "是" if value.lower() in ("true", "1", "yes", "on") else "否"


def filter_summary(*, actor: Any, filters: Mapping[str, Any]) -> str:
    """The filters in the ledger's own words, for its second row."""
    parts = []
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if name == "status":
            shown = "、".join(STATUS_NAMES.get(str(v), str(v)) for v in values)
        elif name == "level":
            shown = LEVEL_NAMES.get(value, value)
        elif name == "source":
            shown = SOURCE_NAMES.get(value, value)
        elif name == "sector":
            shown = Sector.objects.filter(code=value).values_list("name_zh", flat=True).first() or value
        elif name == "division":
            shown = Division.objects.filter(code=value).values_list("name", flat=True).first() or value
        elif name == "enterprise":
            key = services.as_uuid(value)
            found = (
                enterprise_list(actor=actor).filter(uuid=key).values_list("name", flat=True).first() if key else None
            )
            shown = found or value
        elif name in ("open", "overdue"):
            shown = _yes_no(value)
        else:
            shown = "、".join(values)
        parts.append(f"{FILTER_LABELS.get(name, name)}={shown}")
    return "；".join(parts) if parts else "全部（本人权限范围内）"


def ledger_queryset(*, actor: Any, params: Mapping[str, Any]) -> QuerySet[Hazard]:
    """The list's queryset (scope, then the list's filters) in ledger order: oldest found first."""
    filtered = filter_or_raise(HazardFilterSet, params, selectors.hazard_list(actor=actor))
    imported = (
        HazardEvent.objects.filter(hazard_id=OuterRef("pk"), action="import")
        .annotate(verifier=KeyTextTransform("verifier", "data"))
        .order_by("id")
        .values("verifier")[:1]
    )
    ledger: QuerySet[Hazard] = filtered.annotate(
        imported_verifier=Case(
            When(status=HazardStatus.CLOSED, verified_by__isnull=True, then=Subquery(imported)),
            default=Value(""),
            output_field=CharField(),
        )
    ).order_by("reported_at", "id")
    return ledger


def _area_names() -> dict[str, str]:
    return dict(Division.objects.filter(level__lte=9).values_list("code", "name"))


def ledger_rows(hazards: QuerySet[Hazard], *, now: datetime | None = None) -> Iterator[list[Any]]:
    """Each hazard as the 15 ledger cells (序号 left to the writer), streamed in chunks."""
    now = now or timezone.now()
    areas = _area_names()
    open_statuses = set(OPEN_STATUSES)
    for row in hazards.values(*EXPORT_VALUES).iterator(chunk_size=2000):
        title, description = row["title"], (row["description"] or "").strip()
        text = f"{title}\n{description}" if description and description != title else title
        district = areas.get(row["county_code"], "")
        local = row["territorial_unit"] or areas.get((row["division_id"] or "")[:9], "")
        status = row["status"]
        label = STATUS_NAMES.get(status, status)
        if status in open_statuses and row["due_at"] is not None and row["due_at"] < now:
            label += OVERDUE_MARK
        due = local_time(row["due_at"])
        yield [
            None,
            row["code"],
            row["enterprise__name"] or row["rectifier_name"],
            text,
            LEVEL_NAMES.get(row["level"], row["level"]),
            row["sector__name_zh"] or row["sector_id"],
            f"{district} {local}".strip() if local != district else district,
            local_time(row["reported_at"]),
            row["responsible_person"],
            due.date() if due else None,
            row["measures"],
            label,
            row["verified_by__real_name"] or row["verified_by__username"] or row["imported_verifier"] or "",
            local_time(row["verified_at"]),
            local_time(row["closed_at"]) if status == HazardStatus.CLOSED else None,
        ]


WRAPPED = frozenset({"description", "measures", "unit"})


def write_ledger(target: IO[bytes], rows: Iterable[list[Any]], *, meta: str) -> int:
    """The ledger sheet: title, `meta` (export time, filters), headers, then one row per hazard,
    written row by row (constant memory). Returns the row count."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    formats = LedgerFormats(workbook)
    sheet = workbook.add_worksheet(DATA_SHEET)
    last = len(LEDGER_COLUMNS) - 1
    for index, column in enumerate(LEDGER_COLUMNS):
        sheet.set_column(index, index, column.width)
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, last, TITLE, formats.title)
    sheet.set_row(1, 30)
    sheet.merge_range(1, 0, 1, last, meta, formats.meta)
    sheet.set_row(2, 20)
    for index, column in enumerate(LEDGER_COLUMNS):
        sheet.write_string(2, index, column.header, formats.header)
    sheet.freeze_panes(3, 2)
    count = 0
    for count, values in enumerate(rows, 1):
        values[0] = count
        for index, (column, value) in enumerate(zip(LEDGER_COLUMNS, values, strict=True)):
            write_cell(sheet, count + 2, index, value, formats, wrap=column.key in WRAPPED)
    sheet.autofilter(2, 0, 2 + count, last)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.repeat_rows(2)
    sheet.fit_to_pages(1, 0)
    sheet.hide_gridlines(0)  # 0: show the grid on screen and on paper
    workbook.close()
    return count


def actor_name(actor: Any) -> str:
    if getattr(actor, "is_authenticated", False):
        return str(actor.real_name or actor.get_username())
    return str(actor)


def hazard_ledger_export(*, actor: Any, params: Mapping[str, Any]) -> Export:
    """The hazard list as the caller sees it (scope, then the list's filters) as the official ledger;
    audited with the row count and the filters. Bad filter values raise FieldErrors."""
    hazards = ledger_queryset(actor=actor, params=params)
    filters = used_filters(params)
    now = timezone.now()
    meta = (
        f"导出时间：{timezone.localtime(now, SHANGHAI):%Y-%m-%d %H:%M}　导出人：{actor_name(actor)}　"
        f"筛选条件：{filter_summary(actor=actor, filters=filters)}"
    )
    return audited_export(
        actor=actor,
        write=lambda target: write_ledger(target, ledger_rows(hazards, now=now), meta=meta),
        verb="hazard.ledger_export",
        object_type=Hazard._meta.label_lower,
        object_repr=_("hazard ledger (xlsx)"),
        filters=filters,
        file_name=lambda: f"隐患台账-{timezone.localtime(now, SHANGHAI):%Y%m%d}.xlsx",
    )

"""The hazard 台账 (ledger) as xlsx: the export of the filtered list in the official ledger's columns,
and the import of historical ledgers (issue 3; DOMAIN.md §10.2: exports are audited).

Export. The same scoped, filtered queryset as the list (`selectors.hazard_list` + HazardFilterSet),
read with values()/iterator() and written by xlsxwriter in constant-memory mode, so 100k rows take
constant memory: a title row, the export time and the filters, then the 15 columns of the official
form (Chinese headers; times in Asia/Shanghai).

Import. A historical ledger (the template, or an office's own sheet with the same headers, found in
any of its first rows) becomes hazards: each row through `services.hazard_create` with notifications muted,
then `hazard_import_closed` / `hazard_import_open` record the ledger's status as a historical fact (an
`import` event and an audit row, no notifications, no parties asked). Rows are checked first; errors name
the row and the column (第5行 整改期限: …). All-or-nothing writes nothing when any row is bad; valid-only
writes the good rows. Files over INLINE_MAX_ROWS rows run in the task worker with progress on their
`HazardImport` row. Like the enterprise import (safeloop.orgs.imports), writing happens in chunks of
CHUNK_ROWS rows, each one transaction, so no lock is held for minutes.
"""

import io
import logging
import math
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from itertools import batched
from pathlib import PurePath
from typing import IO, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import xlsxwriter
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from safeloop.accounts.choices import Role
from safeloop.core import audit
from safeloop.core.actors import SYSTEM
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.filtering import filter_or_raise
from safeloop.core.scoping import scope_for
from safeloop.hazards import numbering, routing, selectors, services, tally
from safeloop.hazards.choices import OPEN_STATUSES, HazardLevel, HazardSource, HazardStatus
from safeloop.hazards.filters import HazardFilterSet
from safeloop.hazards.models import Hazard, HazardEvent, HazardImport
from safeloop.notifications.services import muted
from safeloop.orgs.models import Division, Enterprise, Sector
from safeloop.orgs.selectors import enterprise_list
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.xlsx import XLSX_CONTENT_TYPE, FileProblem, looks_like_xlsx

__all__ = ["XLSX_CONTENT_TYPE", "FileProblem"]

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "安全生产事故隐患排查治理台账"
DATA_SHEET = "隐患台账"
NOTES_SHEET = "填写说明"
EXAMPLE_MARK = "【示例】"
MAX_ROWS = 50_000
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
INLINE_MAX_ROWS = 200
CHUNK_ROWS = 200
PROGRESS_EVERY = 50
MAX_STORED_ERRORS = 1000
KEEP_FILES_FOR = timedelta(days=7)
HEADER_SEARCH_ROWS = 15  # official forms put a title and 填报单位 lines above the headers

Status = HazardImport.Status
Mode = HazardImport.Mode
RowError = dict[str, Any]

# Who imports historical ledgers: the offices that keep them (brief of issue 3).
IMPORT_ROLES = frozenset({Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER})


# ---- the columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the official form's Chinese header
    width: int
    required: bool = False
    note: Promise | str = ""


LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("index", "序号", 6, note=gettext_lazy("Ignored on import.")),
    Column(
        "code",
        "隐患编号",
        20,
        note=gettext_lazy("Optional: the hazard keeps this number; empty gets a new one. Must be unique."),
    ),
    Column(
        "unit",
        "单位名称",
        26,
        note=gettext_lazy("The unit that rectifies; with a credit code the enterprise's registered name is used."),
    ),
    Column(
        "description",
        "隐患描述",
        40,
        True,
        gettext_lazy("The first line becomes the title (at most 120 characters), the rest the description."),
    ),
    Column("level", "隐患级别", 10, True, gettext_lazy("一般隐患 or 重大隐患.")),
    Column("sector", "行业领域", 12, True, gettext_lazy("A sector name or code from the list on the second sheet.")),
    Column("area", "所属区域", 22, note=gettext_lazy("Ignored on import: found from the place.")),
    Column("reported_at", "发现时间", 17, True, gettext_lazy("Date, or date and time, e.g. 2024-03-05 09:30.")),
    Column("responsible_person", "整改责任人", 12),
    Column("due_at", "整改期限", 12, note=gettext_lazy("Date; empty means the default deadline for the level.")),
    Column("measures", "整改措施", 36),
    Column(
        "status",
        "整改状态",
        14,
        True,
        gettext_lazy("未整改, 整改中 or 逾期 (still open); 已整改, 已验收 or 已销号 (closed)."),
    ),
    Column("verifier", "验收人", 10),
    Column("verified_at", "验收时间", 17),
    Column("closed_at", "销号时间", 17, note=gettext_lazy("A closed row needs 销号时间 or 验收时间.")),
)
IMPORT_COLUMNS: tuple[Column, ...] = (
    Column(
        "uscc",
        "统一社会信用代码",
        22,
        note=gettext_lazy("The enterprise (in your area) the hazard belongs to; or give longitude and latitude."),
    ),
    Column("lon", "经度", 11, note=gettext_lazy("WGS-84 decimal degrees; needed when there is no credit code.")),
    Column("lat", "纬度", 11, note=gettext_lazy("WGS-84 decimal degrees.")),
    Column(
        "source",
        "隐患来源",
        12,
        note=gettext_lazy("Optional, from the list on the second sheet; empty follows your role."),
    ),
)
TEMPLATE_COLUMNS = LEDGER_COLUMNS + IMPORT_COLUMNS
COLUMN_BY_KEY = {c.key: c for c in TEMPLATE_COLUMNS}
HEADERS = {c.key: c.header for c in TEMPLATE_COLUMNS} | {"location": "经度、纬度"}
_POSITIONS = {c.key: i for i, c in enumerate(TEMPLATE_COLUMNS)} | {"location": len(LEDGER_COLUMNS) + 1}
# Other spellings of the headers that offices' own ledgers use.
HEADER_ALIASES = {
    "隐患内容": "description",
    "隐患情况": "description",
    "隐患等级": "level",
    "行业": "sector",
    "所属行业": "sector",
    "发现日期": "reported_at",
    "检查时间": "reported_at",
    "检查日期": "reported_at",
    "责任人": "responsible_person",
    "整改时限": "due_at",
    "整改完成期限": "due_at",
    "整改情况": "status",
    "验收日期": "verified_at",
    "销号日期": "closed_at",
    "企业名称": "unit",
    "信用代码": "uscc",
}

LEVEL_NAMES = {HazardLevel.GENERAL.value: "一般隐患", HazardLevel.MAJOR.value: "重大隐患"}
LEVEL_BY_NAME = {
    "一般隐患": HazardLevel.GENERAL.value,
    "一般": HazardLevel.GENERAL.value,
    "general": HazardLevel.GENERAL.value,
    "重大隐患": HazardLevel.MAJOR.value,
    "重大": HazardLevel.MAJOR.value,
    "major": HazardLevel.MAJOR.value,
}
STATUS_NAMES = {
    HazardStatus.REPORTED.value: "待核实",
    HazardStatus.CONFIRMED.value: "未整改",
    HazardStatus.INVALID.value: "无效",
    HazardStatus.DUPLICATE.value: "重复",
    HazardStatus.RECTIFYING.value: "整改中",
    HazardStatus.SUBMITTED.value: "待验收",
    HazardStatus.PLAN_REQUIRED.value: "待制定治理方案",
    HazardStatus.LISTED.value: "挂牌督办",
    HazardStatus.GOVERNING.value: "治理中",
    HazardStatus.EVALUATED.value: "治理已评估",
    HazardStatus.ACCEPTANCE_PENDING.value: "待验收销号",
    HazardStatus.CLOSED.value: "已销号",
}
OVERDUE_MARK = "（逾期）"
# 整改状态 of a historical ledger → how it arrives: waiting (not started), rectifying, or closed.
WAITING, RECTIFYING, CLOSED = "waiting", "rectifying", "closed"
LEDGER_STATUS = {
    "未整改": WAITING,
    "待整改": WAITING,
    "逾期": WAITING,
    "逾期未整改": WAITING,
    "整改中": RECTIFYING,
    "正在整改": RECTIFYING,
    "治理中": RECTIFYING,
    "已整改": CLOSED,
    "已验收": CLOSED,
    "已销号": CLOSED,
    "已完成": CLOSED,
    "已闭环": CLOSED,
    "已整改销号": CLOSED,
    "confirmed": WAITING,
    "rectifying": RECTIFYING,
    "closed": CLOSED,
}
LEDGER_KIND_NAMES = {WAITING: "未闭环，待整改", RECTIFYING: "未闭环，整改中", CLOSED: "已闭环（销号）"}
SOURCE_NAMES = {
    HazardSource.GRID_PATROL.value: "网格巡查",
    HazardSource.SELF_CHECK.value: "企业自查",
    HazardSource.DEPARTMENT_INSPECTION.value: "部门检查",
    HazardSource.SUPERVISION.value: "督导检查",
    HazardSource.PUBLIC_REPORT.value: "群众举报",
    HazardSource.CAMPAIGN.value: "专项行动",
    HazardSource.SENSOR.value: "物联感知",
}
SOURCE_BY_NAME = {name: code for code, name in SOURCE_NAMES.items()} | {code: code for code in SOURCE_NAMES}
FILTER_LABELS = {
    "q": "关键词",
    "status": "整改状态",
    "open": "未闭环",
    "level": "隐患级别",
    "sector": "行业领域",
    "division": "所属区域",
    "source": "隐患来源",
    "overdue": "逾期",
    "enterprise": "单位",
    "grid": "网格",
    "reported_from": "发现时间起",
    "reported_to": "发现时间止",
    "due_before": "整改期限早于",
}

# Where an error on a hazard_create field is shown in the sheet.
FIELD_KEYS = {
    "title": "description",
    "description": "description",
    "category": "description",
    "sector": "sector",
    "level": "level",
    "level_reason": "level",
    "criteria_item": "level",
    "source": "source",
    "lon": "lon",
    "lat": "lat",
    "location": "location",
    "enterprise_id": "uscc",
    "reported_at": "reported_at",
    "due_at": "due_at",
    "responsible_person": "responsible_person",
    "responsible_phone": "responsible_person",
    "measures": "measures",
    "address": "unit",
}


def column_position(header: str) -> int:
    keys = {h: k for k, h in HEADERS.items()}
    return _POSITIONS.get(keys.get(header, ""), len(TEMPLATE_COLUMNS))


# ---- who may import ------------------------------------------------------------------------------


def can_import(actor: Any) -> bool:
    """The city office, district/township officers and department officers (inside their territory)."""
    scope = scope_for(actor)
    return any(g.role in IMPORT_ROLES and g.division_prefix is not None for g in scope.grants)


def _outside(actor: Any, division_code: str, sector: str) -> str | None:
    """None when the importer answers for this place (and, for a department, this sector); else the
    column key to blame."""
    grants = [g for g in scope_for(actor).grants if g.role in IMPORT_ROLES and g.division_prefix is not None]
    inside = [g for g in grants if division_code.startswith(g.division_prefix or "-")]
    if not inside:
        return "location"
    if not any(g.sectors is None or sector in g.sectors for g in inside):
        return "sector"
    return None


def default_source(actor: Any) -> str:
    roles = scope_for(actor).roles
    if Role.DEPARTMENT_OFFICER in roles and not roles & {Role.CITY_OFFICE, Role.DIVISION_OFFICER}:
        return HazardSource.DEPARTMENT_INSPECTION
    return HazardSource.SELF_CHECK


# ---- export --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    file: IO[bytes]  # a temporary file at its start; closing it removes it
    rows: int
    file_name: str


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
    used: dict[str, Any] = {}
    for name in HazardFilterSet.base_filters:
        value = params.get(name)
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list | tuple):
            used[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            used[name] = "true" if value else "false"
        else:
            used[name] = str(value)
    return used


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


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment, SHANGHAI).replace(tzinfo=None) if moment else None


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
        due = _local(row["due_at"])
        yield [
            None,
            row["code"],
            row["enterprise__name"] or row["rectifier_name"],
            text,
            LEVEL_NAMES.get(row["level"], row["level"]),
            row["sector__name_zh"] or row["sector_id"],
            f"{district} {local}".strip() if local != district else district,
            _local(row["reported_at"]),
            row["responsible_person"],
            due.date() if due else None,
            row["measures"],
            label,
            row["verified_by__real_name"] or row["verified_by__username"] or row["imported_verifier"] or "",
            _local(row["verified_at"]),
            _local(row["closed_at"]) if status == HazardStatus.CLOSED else None,
        ]


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
        self.meta = workbook.add_format({"font_color": "#404040", "text_wrap": True, "valign": "vcenter"})
        self.header = workbook.add_format(
            {
                "bold": True,
                "bg_color": "#DCE6F1",
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        self.required = workbook.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "border": 1, "align": "center", "font_color": "#C00000"}
        )
        self.key = workbook.add_format({"italic": True, "font_color": "#808080", "bg_color": "#F2F2F2"})
        self.text = workbook.add_format({"num_format": "@", "valign": "top"})
        self.wrap = workbook.add_format({"num_format": "@", "valign": "top", "text_wrap": True})
        self.number = workbook.add_format({"valign": "top", "align": "center"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        self.example = workbook.add_format({"num_format": "@", "font_color": "#808080", "italic": True})
        self.bold = workbook.add_format({"bold": True, "font_size": 12})
        self.plain = workbook.add_format({"num_format": "@"})


WRAPPED = frozenset({"description", "measures", "unit"})


def _write_cell(sheet: Any, row: int, at: int, value: Any, formats: _Formats, key: str) -> None:
    if value is None or value == "":
        return  # an empty cell costs nothing; the printed grid comes from hide_gridlines(0)
    if isinstance(value, datetime):
        sheet.write_datetime(row, at, value, formats.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(row, at, datetime.combine(value, time.min), formats.date)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, at, value, formats.number)
    else:
        sheet.write_string(row, at, str(value), formats.wrap if key in WRAPPED else formats.text)


def write_ledger(target: IO[bytes], rows: Iterable[list[Any]], *, meta: str) -> int:
    """The ledger sheet: title, `meta` (export time, filters), headers, then one row per hazard,
    written row by row (constant memory). Returns the row count."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    formats = _Formats(workbook)
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
            _write_cell(sheet, count + 2, index, value, formats, column.key)
    sheet.autofilter(2, 0, 2 + count, last)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.repeat_rows(2)
    sheet.fit_to_pages(1, 0)
    sheet.hide_gridlines(0)  # 0: show the grid on screen and on paper
    workbook.close()
    return count


def _actor_name(actor: Any) -> str:
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
        f"导出时间：{timezone.localtime(now, SHANGHAI):%Y-%m-%d %H:%M}　导出人：{_actor_name(actor)}　"
        f"筛选条件：{filter_summary(actor=actor, filters=filters)}"
    )
    target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    # Written outside a transaction: a long export must not hold the database's writer lock.
    rows = write_ledger(target, ledger_rows(hazards, now=now), meta=meta)
    target.seek(0)
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="hazard.ledger_export",
            object_type=Hazard._meta.label_lower,
            object_repr=_("hazard ledger (xlsx)"),
            after={"rows": rows, "filters": filters, "format": "xlsx"},
        )
    return Export(file=target, rows=rows, file_name=f"隐患台账-{timezone.localtime(now, SHANGHAI):%Y%m%d}.xlsx")


# ---- the import template -------------------------------------------------------------------------


EXAMPLE_ROW: dict[str, Any] = {
    "index": 1,
    "code": "",
    "unit": "鹰潭市某某燃气有限公司",
    "description": f"{EXAMPLE_MARK}调压箱阀门锈蚀\n调压箱旁阀门锈蚀，有轻微燃气味。",
    "level": "一般隐患",
    "sector": "燃气",
    "area": "",
    "reported_at": "2025-03-05 09:30",
    "responsible_person": "张三",
    "due_at": "2025-03-20",
    "measures": "更换阀门，加装防腐层",
    "status": "已销号",
    "verifier": "李四",
    "verified_at": "2025-03-18 15:00",
    "closed_at": "2025-03-19 10:00",
    "uscc": "",
    "lon": 117.035,
    "lat": 28.235,
    "source": "企业自查",
}


def template_bytes() -> bytes:
    """The import template: a title row, the ledger's headers plus the place columns, their English
    keys, an example row; the second sheet explains every column and lists the valid values."""
    sectors = list(Sector.objects.values_list("code", "name_zh", "name_en"))
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = _Formats(workbook)
    sheet = workbook.add_worksheet(DATA_SHEET)
    last = len(TEMPLATE_COLUMNS) - 1
    for index, column in enumerate(TEMPLATE_COLUMNS):
        typed = column.key in ("index", "lon", "lat") or column.key.endswith("_at")
        sheet.set_column(index, index, column.width, None if typed else formats.plain)
    sheet.merge_range(0, 0, 0, last, f"{TITLE}（历史台账导入）", formats.title)
    sheet.set_row(0, 30)
    for index, column in enumerate(TEMPLATE_COLUMNS):
        sheet.write_string(1, index, column.header, formats.required if column.required else formats.header)
        if column.note:
            sheet.write_comment(1, index, f"{column.key}: {column.note}", {"x_scale": 2, "y_scale": 1.5})
        sheet.write_string(2, index, column.key, formats.key)
        value = EXAMPLE_ROW.get(column.key, "")
        if isinstance(value, int | float):
            sheet.write_number(3, index, value, formats.example)
        elif value:
            sheet.write_string(3, index, str(value), formats.example)
    sheet.freeze_panes(3, 2)
    keys = [c.key for c in TEMPLATE_COLUMNS]
    end = MAX_ROWS + 3

    def choose(key: str, source: Any) -> None:
        at = keys.index(key)
        sheet.data_validation(3, at, end, at, {"validate": "list", "source": source, "error_type": "warning"})

    choose("level", list(LEVEL_NAMES.values()))
    choose("status", ["未整改", "整改中", "逾期", "已整改", "已验收", "已销号"])
    choose("source", list(SOURCE_NAMES.values()))
    for key, (low, high) in (("lon", (73, 136)), ("lat", (3, 54))):
        at = keys.index(key)
        sheet.data_validation(
            3, at, end, at, {"validate": "decimal", "criteria": "between", "minimum": low, "maximum": high}
        )
    sector_rows = _notes_sheet(workbook, formats, sectors)
    if sector_rows:
        first, count = sector_rows
        choose("sector", f"='{NOTES_SHEET}'!$A${first + 1}:$A${first + count}")
    workbook.close()
    return buffer.getvalue()


def _notes_sheet(
    workbook: xlsxwriter.Workbook, formats: _Formats, sectors: list[tuple[str, str, str]]
) -> tuple[int, int] | None:
    notes = workbook.add_worksheet(NOTES_SHEET)
    for index, width in enumerate((18, 22, 90)):
        notes.set_column(index, index, width)
    how = _(
        "Fill in one hazard per row below the headers; rows whose description starts with %(mark)s are "
        "skipped, and so is the row of English keys."
    )
    lines: list[tuple[Any, ...]] = [
        (_("How to fill in the historical hazard ledger"),),
        (how % {"mark": EXAMPLE_MARK} + " " + _("Red headers are required."),),
        (_("Each hazard needs a place: the credit code of an enterprise in your area, or longitude and latitude."),),
        ("列 Column", "key", "说明 Notes"),
        *((c.header, c.key, ("必填 " if c.required else "") + str(c.note)) for c in TEMPLATE_COLUMNS),
        (),
        ("隐患级别 " + _("Level"),),
        *((name, code, str(HazardLevel(code).label)) for code, name in LEVEL_NAMES.items()),
        (),
        ("整改状态 " + _("Status"),),
        *((name, kind, LEDGER_KIND_NAMES[kind]) for name, kind in LEDGER_STATUS.items() if not name.isascii()),
        (),
        ("隐患来源 " + _("Source"),),
        *((name, code, str(HazardSource(code).label)) for code, name in SOURCE_NAMES.items()),
        (),
        ("行业领域 " + _("Sectors"),),
    ]
    sector_start = len(lines)
    lines.extend((name_zh, code, name_en) for code, name_zh, name_en in sectors)
    for row, cells in enumerate(lines):
        style = formats.bold if len(cells) == 1 else formats.header if row == 3 else None
        for at, value in enumerate(cells):
            notes.write_string(row, at, str(value), style)
    return (sector_start, len(sectors)) if sectors else None


# ---- reading an uploaded ledger ------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number Excel shows
    cells: dict[str, Any]


@dataclass(frozen=True)
class Sheet:
    rows: list[SheetRow]
    columns: list[str] = field(default_factory=list)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_key(value: Any) -> str | None:
    if value is None:
        return None
    text = re.sub(r"[\s*＊]", "", str(value))
    for column in TEMPLATE_COLUMNS:
        if text in (column.header, column.key):
            return column.key
    return HEADER_ALIASES.get(text)


def _check_archive(content: bytes) -> None:
    if not looks_like_xlsx(content):
        raise FileProblem(
            _("This is not an xlsx workbook. Save the file as Excel Workbook (*.xlsx) and upload it again.")
        )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise FileProblem(_("The workbook is too large when unpacked; split it into several files."))


def read_ledger(content: bytes) -> Sheet:
    """The data rows of an uploaded ledger by column key; raises FileProblem for the whole file. The
    header row is the first of the top rows naming at least three ledger columns."""
    _check_archive(content)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        name = DATA_SHEET if DATA_SHEET in workbook.sheet_names else workbook.sheet_names[0]
        table = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except (CalamineError, IndexError, ValueError) as exc:
        raise FileProblem(_("The workbook cannot be read (%(problem)s).") % {"problem": exc}) from exc
    header_at, positions = None, {}
    for index, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for at, value in enumerate(cells):
            key = _header_key(value)
            if key is not None and key not in found:
                found[key] = at
        if len(found) >= 3:
            header_at, positions = index, found
            break
    if header_at is None:
        raise FileProblem(_("No row of ledger headers (隐患描述, 隐患级别, …) was found. Download the template."))
    missing = [c.header for c in TEMPLATE_COLUMNS if c.required and c.key not in positions]
    if missing:
        raise FileProblem(
            _("The headers row lacks: %(columns)s. Download the template.") % {"columns": "、".join(missing)}
        )
    rows: list[SheetRow] = []
    for index in range(header_at + 1, len(table)):
        cells = table[index]
        values = {key: cells[at] if at < len(cells) else "" for key, at in positions.items()}
        if all(_blank(v) for key, v in values.items() if key != "index"):
            continue  # blank, or only a pre-printed 序号
        description = str(values["description"]).strip()
        if index == header_at + 1 and description == "description":
            continue  # the English key row
        if description.startswith(EXAMPLE_MARK):
            continue
        rows.append(SheetRow(number=index + 1, cells=values))
        if len(rows) > MAX_ROWS:
            raise FileProblem(_("A file may hold at most %(max)s hazards; split it.") % {"max": f"{MAX_ROWS:,}"})
    if not rows:
        raise FileProblem(_("The workbook has no hazard rows below the headers."))
    return Sheet(rows=rows, columns=list(positions))


class CellError(ValueError):
    pass


def _text(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _code(value: Any) -> str:
    if isinstance(value, float) and not isinstance(value, bool):
        if not value.is_integer() or abs(value) >= 2**53:
            raise CellError(
                _("This was stored as a number and has lost digits; format the column as text and type it again.")
            )
        return str(int(value))
    return _text(value).replace(" ", "")


def _number(value: Any) -> float | None:
    if _blank(value):
        return None
    try:
        number = float(value) if not isinstance(value, str) else float(value.strip())
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise CellError(_("Must be a number in decimal degrees, not “%(value)s”.") % {"value": _text(value)})
    return number


_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*[分秒]?)?$"
)
EXCEL_EPOCH = date(1899, 12, 30)


def _moment(value: Any, *, end_of_day: bool = False) -> datetime | None:
    """A cell as an aware time in Asia/Shanghai. A date alone is the start of the day, or its end for a
    deadline. calamine gives date/datetime for date cells; text and bare serial numbers are read too."""
    if _blank(value):
        return None
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59) if end_of_day else time.min)
    elif isinstance(value, int | float) and not isinstance(value, bool) and 20_000 < value < 80_000:
        day = EXCEL_EPOCH + timedelta(days=float(value))
        moment = datetime(day.year, day.month, day.day) + timedelta(days=float(value) % 1)
        if end_of_day and float(value).is_integer():
            moment = moment.replace(hour=23, minute=59)
    elif isinstance(value, str):
        match = _DATE.match(value.strip())
        if match:
            year, month, day_, hour, minute, second = (int(g) if g else None for g in match.groups())
            try:
                if hour is None:
                    moment = datetime.combine(
                        date(year or 0, month or 0, day_ or 0), time(23, 59) if end_of_day else time.min
                    )
                else:
                    moment = datetime(year or 0, month or 0, day_ or 0, hour, minute or 0, second or 0)
            except ValueError:
                moment = None
    if moment is None:
        raise CellError(
            _("Wrong date format: write it as 2024-03-05 or 2024-03-05 14:30 (found “%(value)s”).")
            % {"value": _text(value)}
        )
    return moment.replace(tzinfo=SHANGHAI) if timezone.is_naive(moment) else moment


def _ledger_status(value: Any) -> tuple[str, str]:
    """(the text as written, where it leads); raises CellError for an unknown status."""
    text = _text(value)
    key = re.sub(r"\s*[（(]\s*逾期\s*[)）]\s*$", "", text)  # the export marks overdue rows 整改中（逾期）
    kind = LEDGER_STATUS.get(key) or LEDGER_STATUS.get(key.lower())
    if kind is None:
        raise CellError(
            _("Unknown status “%(value)s”; use 未整改, 整改中, 逾期, 已整改, 已验收 or 已销号.") % {"value": text}
        )
    return text, kind


@dataclass
class LedgerRow:
    """One checked row, ready to write."""

    number: int
    data: dict[str, Any]  # hazard_create input
    code: str
    unit: str
    ledger_status: str
    kind: str  # WAITING | RECTIFYING | CLOSED
    closed_at: datetime | None
    verified_at: datetime | None
    verifier: str


def _error(number: int, key: str, message: str) -> RowError:
    return {"row": number, "column": HEADERS.get(key, ""), "field": key, "message": message}


def _sector_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, name_zh, name_en in Sector.objects.values_list("code", "name_zh", "name_en"):
        lookup[code] = lookup[name_zh] = lookup[name_en.lower()] = code
    return lookup


@dataclass
class _Context:
    actor: Any
    sectors: dict[str, str]
    source: str
    seen: dict[str, int] = field(default_factory=dict)
    enterprises: dict[str, Enterprise | None] = field(default_factory=dict)
    now: datetime = field(default_factory=timezone.now)

    def enterprise(self, uscc: str) -> Enterprise | None:
        if uscc not in self.enterprises:
            self.enterprises[uscc] = enterprise_list(actor=self.actor).filter(uscc=uscc).first()
        return self.enterprises[uscc]


def check_row(context: _Context, row: SheetRow) -> tuple[LedgerRow | None, list[RowError]]:
    """Convert and check one row without writing: every problem named by row and column."""
    errors: list[RowError] = []
    cells = row.cells

    def fail(key: str, message: str) -> None:
        errors.append(_error(row.number, key, message))

    def convert(key: str, parse: Any) -> Any:
        try:
            return parse(cells.get(key))
        except CellError as exc:
            fail(key, str(exc))
            return None

    required = _("This column is required.")
    code = convert("code", _code) or ""
    if code:
        if len(code) > 32:
            fail("code", _("At most %(n)d characters.") % {"n": 32})
        elif code in context.seen:
            fail("code", _("The same number is in row %(row)s of this file.") % {"row": context.seen[code]})
        else:
            context.seen[code] = row.number
    unit = _text(cells.get("unit"))[:128]
    text = _text(cells.get("description"))
    title, _sep, rest = text.partition("\n")
    title, rest = title.strip(), rest.strip()
    if len(title) > 120:
        title, rest = title[:119] + "…", text
    if not text:
        fail("description", required)
    level_text = _text(cells.get("level"))
    level = LEVEL_BY_NAME.get(level_text, LEVEL_BY_NAME.get(level_text.lower(), ""))
    if not level_text:
        fail("level", required)
    elif not level:
        fail("level", _("Write 一般隐患 or 重大隐患, not “%(value)s”.") % {"value": level_text})
    sector_text = _text(cells.get("sector"))
    sector = context.sectors.get(sector_text, context.sectors.get(sector_text.lower(), ""))
    if not sector_text:
        fail("sector", required)
    elif not sector:
        fail("sector", _("Unknown sector “%(value)s”; use a name from the second sheet.") % {"value": sector_text})
    reported_at = convert("reported_at", _moment)
    if reported_at is None and _blank(cells.get("reported_at")):
        fail("reported_at", required)
    due_at = convert("due_at", partial(_moment, end_of_day=True))
    verified_at = convert("verified_at", _moment)
    closed_at = convert("closed_at", _moment)
    ledger_status, kind = "", ""
    if _blank(cells.get("status")):
        fail("status", required)
    else:
        try:
            ledger_status, kind = _ledger_status(cells.get("status"))
        except CellError as exc:
            fail("status", str(exc))
    verifier = _text(cells.get("verifier"))[:64]
    source_text = _text(cells.get("source"))
    source = SOURCE_BY_NAME.get(source_text, "") if source_text else context.source
    if not source:
        fail("source", _("Unknown source “%(value)s”; use a name from the second sheet.") % {"value": source_text})
    uscc = (convert("uscc", _code) or "").upper()
    enterprise = context.enterprise(uscc) if uscc else None
    if uscc and enterprise is None:
        fail("uscc", _("No enterprise with this credit code in your area."))
    lon, lat = convert("lon", _number), convert("lat", _number)

    if kind == CLOSED:
        closed_at = closed_at or verified_at
        if closed_at is None and not any(e["field"] in ("closed_at", "verified_at") for e in errors):
            fail("closed_at", _("A closed hazard needs its 销号时间 or 验收时间."))
        if closed_at is not None and closed_at > context.now:
            fail("closed_at", _("This time is in the future."))
        elif closed_at is not None and reported_at is not None and closed_at < reported_at:
            fail("closed_at", _("Closed before it was found (发现时间)."))
        if verified_at is not None and closed_at is not None and verified_at > closed_at:
            fail("verified_at", _("Verified after it was closed (销号时间)."))
    elif kind:
        for key, given in (("verified_at", verified_at), ("closed_at", closed_at)):
            if given is not None:
                fail(
                    key,
                    _("Only a closed hazard has this time; the status says “%(status)s”.") % {"status": ledger_status},
                )

    data: dict[str, Any] = {
        "title": title,
        "description": rest,
        "sector": sector,
        "level": level,
        "source": source,
        "reported_at": reported_at,
        "due_at": due_at,
        "responsible_person": _text(cells.get("responsible_person")),
        "measures": _text(cells.get("measures")),
        "lon": lon,
        "lat": lat,
        "enterprise_id": str(enterprise.uuid) if enterprise else None,
    }
    blamed = {e["field"] for e in errors}
    if not ({"description", "sector", "level", "reported_at"} & blamed):
        _clean, problems = services.validate_report(context.actor, data)
        for problem in problems.errors:
            key = FIELD_KEYS.get(problem["field"], "description")
            if key in blamed or (key == "location" and blamed & {"lon", "lat", "uscc"}):
                continue
            blamed.add(key)
            fail(key, problem["message"])
    if not (blamed & {"lon", "lat", "location", "uscc", "sector"}):
        division = ""
        if lon is not None and lat is not None:
            grid = routing.locate(lon, lat)
            division = grid[:12] if grid else (enterprise.division_id if enterprise else "")
            if not division:
                fail("location", _("This point lies outside every grid of the city."))
        elif enterprise is not None:
            division = enterprise.division_id
        if division:
            outside = _outside(context.actor, division, sector)
            if outside == "location":
                fail("uscc" if lon is None else "location", _("This place is outside your area."))
            elif outside == "sector":
                fail("sector", _("This sector is not one your department answers for."))
    if errors:
        return None, errors
    return (
        LedgerRow(
            number=row.number,
            data=data,
            code=code,
            unit=unit,
            ledger_status=ledger_status,
            kind=kind,
            closed_at=closed_at if kind == CLOSED else None,
            verified_at=verified_at if kind == CLOSED else None,
            verifier=verifier if kind == CLOSED else "",
        ),
        [],
    )


def _existing_codes(codes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in batched(codes, 500):
        found.update(Hazard.objects.filter(code__in=chunk).values_list("code", flat=True))
    return found


# ---- recording the ledger's status (services) ----------------------------------------------------


_OUR_CODE = re.compile(r"^(?P<prefix>[A-Z]+-[A-Z0-9]+-\d{4})-(?P<value>\d{6})$")


def _advance_sequence(code: str) -> None:
    """An imported number in our own format (YT-YH-2025-000123) moves that sequence past it, so a
    later report never draws the same number."""
    match = _OUR_CODE.match(code)
    if match is None:
        return
    numbering.advance_past(match["prefix"], int(match["value"]))


def _import_settle(
    *,
    actor: Any,
    hazard: Hazard,
    status: str,
    ledger_status: str,
    fields: dict[str, Any],
    data: dict[str, Any],
    code: str = "",
    unit_name: str = "",
) -> Hazard:
    if hazard.status != HazardStatus.REPORTED:
        raise Conflict(_("Only a hazard just created by the import can take its ledger status."))
    fields = dict(fields)
    fields["confirmed_at"] = hazard.reported_at  # on the ledger, i.e. registered, since it was found
    if code and code != hazard.code:
        fields["code"] = code
    if unit_name and not hazard.enterprise_id:
        fields["rectifier_name"] = unit_name
    with transaction.atomic():
        if "code" in fields:
            _advance_sequence(code)
        before = audit.snapshot(hazard, services.AUDITED_FIELDS)
        moved = Hazard.objects.filter(pk=hazard.pk, version=hazard.version, status=HazardStatus.REPORTED).update(
            status=status, version=F("version") + 1, updated_at=timezone.now(), **fields
        )
        if moved != 1:
            raise services.TransitionConflict(str(services.CHANGED_MEANWHILE))
        hazard.refresh_from_db()
        tally.tally_move(hazard, HazardStatus.REPORTED, status)
        event_data = {"ledger_status": ledger_status, **data}
        if code and before["code"] != code:
            event_data["assigned_code"] = before["code"]
        HazardEvent.objects.create(
            hazard=hazard,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_name=_actor_name(actor),
            action="import",
            from_status=HazardStatus.REPORTED,
            to_status=status,
            note=_("Imported from a historical ledger."),
            data=event_data,
        )
        after = audit.snapshot(hazard, services.AUDITED_FIELDS) | {
            "ledger_status": ledger_status,
            "closed_at": hazard.closed_at,
            "verified_at": hazard.verified_at,
        }
        audit.record(actor=actor, verb="hazard.import", obj=hazard, before=before, after=after)
    return hazard


def hazard_import_closed(
    *,
    actor: Any,
    hazard: Hazard,
    ledger_status: str,
    closed_at: datetime,
    verified_at: datetime | None = None,
    verifier_name: str = "",
    code: str = "",
    unit_name: str = "",
    source: dict[str, Any] | None = None,
) -> Hazard:
    """A historical ledger says this hazard was rectified and written off: record that fact (closed,
    with the ledger's times and verifier's name) on a hazard the import has just created. No workflow
    parties, no notifications; an `import` event and an audit row say where it came from."""
    return _import_settle(
        actor=actor,
        hazard=hazard,
        status=HazardStatus.CLOSED,
        ledger_status=ledger_status,
        fields={"closed_at": closed_at, "verified_at": verified_at or closed_at, "escalation_tier": 0},
        data={"verifier": verifier_name, **(source or {})},
        code=code,
        unit_name=unit_name,
    )


def hazard_import_open(
    *,
    actor: Any,
    hazard: Hazard,
    ledger_status: str,
    rectifying: bool,
    code: str = "",
    unit_name: str = "",
    source: dict[str, Any] | None = None,
) -> Hazard:
    """A historical ledger lists this hazard as still open: it arrives confirmed (a major one: plan
    required), or being rectified (a major one: under governance), with its deadline; from then on the
    loop treats it like any other open hazard (reminders, escalation when overdue)."""
    major = hazard.level == HazardLevel.MAJOR
    if rectifying:
        status = HazardStatus.GOVERNING if major else HazardStatus.RECTIFYING
    else:
        status = HazardStatus.PLAN_REQUIRED if major else HazardStatus.CONFIRMED
    return _import_settle(
        actor=actor,
        hazard=hazard,
        status=status,
        ledger_status=ledger_status,
        fields={},
        data=dict(source or {}),
        code=code,
        unit_name=unit_name,
    )


# ---- running an import ---------------------------------------------------------------------------


def hazard_import_list(*, actor: Any) -> QuerySet[HazardImport]:
    """The actor's own ledger imports, without the stored file."""
    qs = HazardImport.objects.defer("content").select_related("created_by", "rerun_of")
    return qs.filter(created_by=actor) if can_import(actor) else qs.none()


def hazard_import_get(*, actor: Any, uuid: UUID | str) -> HazardImport:
    return hazard_import_list(actor=actor).get(uuid=uuid)


def rerun_possible(record: HazardImport) -> bool:
    """A refused all-or-nothing import may be run again for its valid rows, once, while its file is kept."""
    return (
        record.status == Status.DONE
        and record.mode == Mode.ALL_OR_NOTHING
        and record.error_count > 0
        and record.created_count == 0
        and record.valid_rows > 0
        and record.finished_at is not None
        and record.finished_at > timezone.now() - KEEP_FILES_FOR
        and not record.reruns.exists()
    )


def hazard_import_start(
    *, actor: Any, upload: "UploadedFile[bytes]", mode: str, language: str | None = None
) -> HazardImport:
    """Accept an upload: check the file as a whole (FieldErrors on `file`), store it, and run it now
    (up to INLINE_MAX_ROWS rows) or in the worker once this transaction commits."""
    if not can_import(actor):
        raise NotAllowed(_("You may not import hazard ledgers."))
    errors = FieldErrors()
    if mode not in Mode.values:
        errors.add("mode", _("Choose all_or_nothing or valid_only."))
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        errors.add("file", _("The file is larger than 20 MB; split it into several files."))
    errors.raise_if_any()
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise FieldErrors.single("file", _("The file is larger than 20 MB; split it into several files."))
    try:
        sheet = read_ledger(content)
    except FileProblem as exc:
        raise FieldErrors.single("file", exc.message) from exc
    record = HazardImport.objects.create(
        created_by=actor,
        file_name=PurePath(upload.name or "ledger.xlsx").name[:255],
        content=content,
        mode=mode,
        total_rows=len(sheet.rows),
    )
    return _dispatch(record, language)


def hazard_import_rerun(*, actor: Any, hazard_import: HazardImport, language: str | None = None) -> HazardImport:
    """Run a refused all-or-nothing import again, importing only its valid rows."""
    if not can_import(actor) or not rerun_possible(hazard_import):
        raise NotAllowed(_("This import cannot be run again."))
    content = HazardImport.objects.values_list("content", flat=True).get(pk=hazard_import.pk)
    with transaction.atomic():
        record = HazardImport.objects.create(
            created_by=actor,
            file_name=hazard_import.file_name,
            content=bytes(content),
            mode=Mode.VALID_ONLY,
            total_rows=hazard_import.total_rows,
            rerun_of=hazard_import,
        )
        HazardImport.objects.filter(pk=hazard_import.pk).update(content=b"")
    return _dispatch(record, language)


def _dispatch(record: HazardImport, language: str | None) -> HazardImport:
    if record.total_rows <= INLINE_MAX_ROWS:
        return hazard_import_run(import_id=record.uuid, reraise=False)
    from safeloop.hazards.tasks_ledger import hazard_ledger_import_task

    transaction.on_commit(partial(hazard_ledger_import_task.enqueue, str(record.uuid), language or get_language()))
    return record


def hazard_import_run(*, import_id: UUID | str, reraise: bool = True) -> HazardImport:
    """Run a queued import, claimed with compare-and-set so a second worker leaves it alone. An
    unexpected failure marks the import failed (re-raised for the task runner to record)."""
    claimed = HazardImport.objects.filter(uuid=import_id, status=Status.QUEUED).update(status=Status.VALIDATING)
    record = HazardImport.objects.select_related("created_by", "rerun_of").get(uuid=import_id)
    if not claimed:
        return record
    try:
        _run(record)
    except Exception as exc:
        logger.exception("hazard ledger import %s failed", record.uuid)
        _finish(record, created=0, closed=0, errors=[], valid=0, failure=f"{exc.__class__.__name__}: {exc}")
        if reraise:
            raise
    record.refresh_from_db()
    return record


def _progress(record: HazardImport, **fields: Any) -> None:
    HazardImport.objects.filter(pk=record.pk).update(**fields)


class _Stop(Exception):
    """Rolls back the chunk being written when an all-or-nothing import meets a row it cannot write."""


def _write_row(actor: Any, record: HazardImport, row: LedgerRow) -> None:
    source = {"import": str(record.uuid), "row": row.number}
    with muted():  # a historical record: nobody is to act on it because it was imported
        intake = services.hazard_create(actor=actor, data=row.data)
    if row.kind == CLOSED:
        assert row.closed_at is not None
        hazard_import_closed(
            actor=actor,
            hazard=intake.hazard,
            ledger_status=row.ledger_status,
            closed_at=row.closed_at,
            verified_at=row.verified_at,
            verifier_name=row.verifier,
            code=row.code,
            unit_name=row.unit,
            source=source,
        )
    else:
        hazard_import_open(
            actor=actor,
            hazard=intake.hazard,
            ledger_status=row.ledger_status,
            rectifying=row.kind == RECTIFYING,
            code=row.code,
            unit_name=row.unit,
            source=source,
        )


def _run(record: HazardImport) -> None:
    actor = record.created_by
    rows = read_ledger(bytes(record.content)).rows
    context = _Context(actor=actor, sectors=_sector_lookup(), source=default_source(actor))
    errors: list[RowError] = []
    valid: list[LedgerRow] = []
    _progress(record, total_rows=len(rows), processed_rows=0)
    for done, row in enumerate(rows, 1):
        checked, row_errors = check_row(context, row)
        errors.extend(row_errors)
        if checked is not None:
            valid.append(checked)
        if done % PROGRESS_EVERY == 0:
            _progress(record, processed_rows=done, error_count=len(errors))
    taken = _existing_codes(r.code for r in valid if r.code)
    if taken:
        message = _("A hazard with this number is already in the system.")
        errors.extend(_error(r.number, "code", message) for r in valid if r.code in taken)
        valid = [r for r in valid if r.code not in taken]
    _progress(record, processed_rows=len(rows), error_count=len(errors))
    if errors and record.mode == Mode.ALL_OR_NOTHING:
        _finish(record, created=0, closed=0, errors=errors, valid=len(valid))
        return
    _progress(record, status=Status.IMPORTING, processed_rows=0, error_count=len(errors))
    created = closed = written = 0
    try:
        for chunk in batched(valid, CHUNK_ROWS):
            with transaction.atomic():
                created_here = closed_here = 0
                for item in chunk:
                    try:
                        with transaction.atomic():
                            _write_row(actor, record, item)
                    except FieldErrors as exc:
                        errors.extend(
                            _error(item.number, FIELD_KEYS.get(e["field"], "description"), e["message"])
                            for e in exc.errors
                        )
                    except (NotAllowed, Conflict) as exc:
                        errors.append(_error(item.number, "location", str(exc)))
                    except IntegrityError:
                        errors.append(
                            _error(item.number, "code", _("A hazard with this number is already in the system."))
                        )
                    else:
                        created_here += 1
                        closed_here += item.kind == CLOSED
                        continue
                    if record.mode == Mode.ALL_OR_NOTHING:
                        raise _Stop
                written += len(chunk)
                created += created_here
                closed += closed_here
                _progress(record, processed_rows=written, created_count=created, closed_count=closed)
    except _Stop:
        pass
    _finish(record, created=created, closed=closed, errors=errors, valid=len(valid))


def _finish(
    record: HazardImport, *, created: int, closed: int, errors: list[RowError], valid: int, failure: str = ""
) -> None:
    errors.sort(key=lambda e: (e["row"], column_position(e["column"])))
    with transaction.atomic():
        record.refresh_from_db(fields=["total_rows", "processed_rows"])
        record.status = Status.FAILED if failure else Status.DONE
        record.created_count = created
        record.closed_count = closed
        record.error_count = len(errors)
        record.valid_rows = valid
        record.errors = errors[:MAX_STORED_ERRORS]
        record.failure = failure[:500]
        record.finished_at = timezone.now()
        fields = ["status", "created_count", "closed_count", "error_count", "valid_rows", "errors", "failure"]
        fields.append("finished_at")
        if not failure and not rerun_possible(record):
            record.content = b""  # no longer needed: nothing can re-run it
            fields.append("content")
        record.save(update_fields=fields)
        audit.record(
            actor=record.created_by,
            verb="hazard.ledger_import",
            obj=record,
            result="failed" if failure else "ok",
            after={
                "file_name": record.file_name,
                "mode": record.mode,
                "total_rows": record.total_rows,
                "created": created,
                "closed": closed,
                "errors": len(errors),
                "rerun_of": str(record.rerun_of.uuid) if record.rerun_of else None,
            },
        )


def hazard_import_forget_files(*, actor: Any = SYSTEM) -> int:
    """Drop the stored bytes of imports finished more than KEEP_FILES_FOR ago (a ledger names people);
    the record, its counts and its errors stay."""
    stale = HazardImport.objects.filter(finished_at__lt=timezone.now() - KEEP_FILES_FOR).exclude(content=b"")
    with transaction.atomic():
        forgotten = stale.update(content=b"")
        if forgotten:
            audit.record(
                actor=actor,
                verb="delete",
                object_type=HazardImport._meta.label_lower,
                object_repr=_("uploaded files of finished hazard ledger imports"),
                after={"files": forgotten, "older_than_days": KEEP_FILES_FOR.days},
            )
    return forgotten

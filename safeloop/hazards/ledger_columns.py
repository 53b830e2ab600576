"""The hazard 台账 sheet: the official ledger's 15 columns plus the place columns of the import, the
ledger's words for levels, statuses and sources, and the import template (issue 3). ledger_export.py
writes the ledger, ledger_read.py reads an uploaded one, ledger.py runs the import."""

import io
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeloop.core.xlsx import EXAMPLE_MARK, Formats, RowError, write_notes
from safeloop.hazards.choices import HazardLevel, HazardSource, HazardStatus
from safeloop.orgs.models import Sector

TITLE = "安全生产事故隐患排查治理台账"
DATA_SHEET = "隐患台账"
NOTES_SHEET = "填写说明"
MAX_ROWS = 50_000


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


def row_error(number: int, key: str, message: str) -> RowError:
    """An error of a row, named by the column's header (the column of key `key`)."""
    return {"row": number, "column": HEADERS.get(key, ""), "field": key, "message": message}


class LedgerFormats(Formats):
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        super().__init__(workbook)
        self.title = workbook.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
        self.meta = workbook.add_format({"font_color": "#404040", "text_wrap": True, "valign": "vcenter"})
        self.required = workbook.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "border": 1, "align": "center", "font_color": "#C00000"}
        )
        self.number = workbook.add_format({"valign": "top", "align": "center"})
        self.plain = workbook.add_format({"num_format": "@"})


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
    formats = LedgerFormats(workbook)
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
    workbook: xlsxwriter.Workbook, formats: LedgerFormats, sectors: list[tuple[str, str, str]]
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
    write_notes(notes, lines, title=formats.bold, header=formats.header)
    return (sector_start, len(sectors)) if sectors else None

"""The 风险辨识清单 (risk identification list) sheet: its names for choices, its columns (one table
shared by the template, the reader and the export, so an export can be corrected and imported again) and
the template (issue 4; DOMAIN.md §4). safeloop/risks/ledger.py describes the import and the export."""

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeloop.core.xlsx import EXAMPLE_MARK, Formats, RowError, write_notes
from safeloop.hazards.models import CriteriaItem
from safeloop.orgs.models import Sector
from safeloop.risks import config
from safeloop.risks.choices import Frequency, MeasureKind, Method, PointKind, ResponsibleTier, RiskLevel

TITLE = "风险辨识清单"
DATA_SHEET = "风险辨识清单"
NOTES_SHEET = "说明"
MAX_ROWS = 5_000

# ---- names in the sheet -------------------------------------------------------------------------


KIND_NAMES: dict[str, str] = {
    PointKind.FACILITY.value: "设施",
    PointKind.PART.value: "部位",
    PointKind.PLACE.value: "场所",
    PointKind.AREA.value: "区域",
    PointKind.ACTIVITY.value: "作业活动",
}
KIND_BY_NAME = (
    {name: code for code, name in KIND_NAMES.items()}
    | {code: code for code in KIND_NAMES}
    | {"设备设施": "facility", "设施设备": "facility", "设备": "facility", "作业": "activity"}
)
METHOD_NAMES: dict[str, str] = {Method.LEC.value: "LEC", Method.LS.value: "LS"}
METHOD_BY_NAME = {
    "LEC": "lec",
    "LEC法": "lec",
    "作业条件危险性评价法": "lec",
    "LS": "ls",
    "LS法": "ls",
    "L×S": "ls",
    "L*S": "ls",
    "风险矩阵": "ls",
    "风险矩阵法": "ls",
}
FREQUENCY_NAMES: dict[str, str] = {
    Frequency.DAILY.value: "每日",
    Frequency.WEEKLY.value: "每周",
    Frequency.MONTHLY.value: "每月",
    Frequency.QUARTERLY.value: "每季度",
    Frequency.YEARLY.value: "每年",
}
FREQUENCY_BY_NAME = (
    {name: code for code, name in FREQUENCY_NAMES.items()}
    | {code: code for code in FREQUENCY_NAMES}
    | {"每天": "daily", "每季": "quarterly", "每月一次": "monthly", "每周一次": "weekly", "每年一次": "yearly"}
)
LEVEL_NAMES: dict[str, str] = {
    RiskLevel.MAJOR.value: "重大风险",
    RiskLevel.SIGNIFICANT.value: "较大风险",
    RiskLevel.GENERAL.value: "一般风险",
    RiskLevel.LOW.value: "低风险",
}
TIER_NAMES: dict[str, str] = {
    ResponsibleTier.COMPANY.value: "公司级",
    ResponsibleTier.DEPARTMENT.value: "部门（车间）级",
    ResponsibleTier.TEAM.value: "班组级",
    ResponsibleTier.POST.value: "岗位级",
    ResponsibleTier.COUNTY.value: "区县级",
    ResponsibleTier.TOWNSHIP.value: "乡镇（街道）级",
    ResponsibleTier.VILLAGE.value: "村（社区）级",
    ResponsibleTier.GRID.value: "网格级",
}
YES, NO = "是", "否"
YES_WORDS = frozenset({"是", "有", "涉及", "y", "yes", "true", "1"})
NO_WORDS = frozenset({"否", "无", "不涉及", "n", "no", "false", "0"})
MEASURE_KINDS: tuple[str, ...] = tuple(MeasureKind.values)
# A measure line may end with 【岗位/责任人/频次】 to differ from the row's 责任岗位, 责任人 and 检查频次.
MEASURE_SUFFIX = re.compile(r"【(?P<post>[^【】/／]*)[/／](?P<name>[^【】/／]*)[/／](?P<freq>[^【】/／]*)】\s*$")
MEASURE_SPLIT = re.compile(r"[；;]")
PERSON = re.compile(r"^(?P<name>.*?)[\s,，、:：(（]*(?P<phone>\+?\d[\d\-]{4,19})[)）]?$")


# ---- the columns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Chinese, as offices read it; "*" marks a required column in the sheet
    width: int
    required: bool = False
    note: Promise | str = ""


def _measure_column(kind: str, header: str) -> Column:
    note = gettext_lazy(
        "Optional. Several measures separated by new lines or ；. A line may end with 【post/person/frequency】 "
        "when it differs from the row's 责任岗位, 责任人 and 检查频次."
    )
    return Column(f"measure_{kind}", header, 30, note=note)


def _tier_column(tier: str, header: str) -> Column:
    return Column(
        f"tier_{tier}", header, 16, note=gettext_lazy("Optional: the name, then a space and the phone number.")
    )


TEMPLATE_COLUMNS: tuple[Column, ...] = (
    Column("index", "序号", 6, note=gettext_lazy("Ignored on import.")),
    Column(
        "name",
        "风险点名称",
        24,
        True,
        gettext_lazy(
            "At most 120 characters. With the enterprise (or the village of a public area) it names the point."
        ),
    ),
    Column("kind", "类型", 10, True, gettext_lazy("设施, 部位, 场所, 区域 or 作业活动.")),
    Column("sector", "行业领域", 12, True, gettext_lazy("A sector name or code from the list on the sheet 说明.")),
    Column(
        "uscc",
        "所属企业统一社会信用代码",
        22,
        note=gettext_lazy(
            "The enterprise the point belongs to (in your area). Empty: a public area, which needs longitude "
            "and latitude; for an enterprise officer, empty means the officer's own enterprise."
        ),
    ),
    Column(
        "lon",
        "经度",
        11,
        note=gettext_lazy("WGS-84 decimal degrees. Empty for an enterprise's point: the enterprise's location."),
    ),
    Column("lat", "纬度", 11, note=gettext_lazy("WGS-84 decimal degrees.")),
    Column("address", "地址", 24),
    Column("accident_types", "可能导致的事故类型", 20, note=gettext_lazy("E.g. 火灾、爆炸、中毒和窒息.")),
    Column("method", "评价方法", 10, True, gettext_lazy("LEC (D = L × E × C) or LS (risk matrix R = L × S).")),
    Column(
        "l",
        "L",
        6,
        True,
        gettext_lazy("Likelihood. LEC: 0.1, 0.2, 0.5, 1, 3, 6 or 10; LS: a whole number from 1 to 5."),
    ),
    Column("e", "E", 6, note=gettext_lazy("LEC only: exposure, 0.5, 1, 2, 3, 6 or 10.")),
    Column("c", "C", 6, note=gettext_lazy("LEC only: consequence, 1, 3, 7, 15, 40 or 100.")),
    Column("s", "S", 6, note=gettext_lazy("LS only: severity, a whole number from 1 to 5.")),
    Column(
        "residual_l",
        "剩余风险L",
        9,
        note=gettext_lazy("Optional: the factors with the controls in place (residual risk)."),
    ),
    Column("residual_e", "剩余风险E", 9),
    Column("residual_c", "剩余风险C", 9),
    Column("residual_s", "剩余风险S", 9),
    Column(
        "criteria_item",
        "重大事故隐患判定标准条目",
        20,
        note=gettext_lazy(
            "Optional: the code of a matching criteria item (listed on the sheet 说明); the risk is then major."
        ),
    ),
    Column(
        "major_hazard_source",
        "涉及重大危险源",
        10,
        note=gettext_lazy("是 or 否 (empty: 否). 是 makes the risk major."),
    ),
    Column(
        "override_reason",
        "直接判定理由",
        24,
        note=gettext_lazy("Optional, with a criteria item or a major hazard installation; empty: written for you."),
    ),
    _measure_column(MeasureKind.ENGINEERING, "工程技术措施"),
    _measure_column(MeasureKind.MANAGEMENT, "管理措施"),
    _measure_column(MeasureKind.TRAINING, "培训教育措施"),
    _measure_column(MeasureKind.PROTECTIVE, "个体防护措施"),
    _measure_column(MeasureKind.EMERGENCY, "应急处置措施"),
    Column(
        "responsible_post",
        "责任岗位",
        12,
        note=gettext_lazy("Required when the row has measures: the post that checks them."),
    ),
    Column("responsible_name", "责任人", 10),
    Column(
        "frequency",
        "检查频次",
        10,
        note=gettext_lazy("Required when the row has measures: 每日, 每周, 每月, 每季度 or 每年."),
    ),
    _tier_column(ResponsibleTier.COMPANY, "公司级责任人"),
    _tier_column(ResponsibleTier.DEPARTMENT, "部门（车间）级责任人"),
    _tier_column(ResponsibleTier.TEAM, "班组级责任人"),
    _tier_column(ResponsibleTier.POST, "岗位级责任人"),
    _tier_column(ResponsibleTier.COUNTY, "区县级责任人"),
    _tier_column(ResponsibleTier.TOWNSHIP, "乡镇（街道）级责任人"),
    _tier_column(ResponsibleTier.VILLAGE, "村（社区）级责任人"),
    _tier_column(ResponsibleTier.GRID, "网格级责任人"),
)
EXPORT_EXTRA: tuple[Column, ...] = (
    Column("code", "风险点编号", 20, note=gettext_lazy("Export only; ignored on import.")),
    Column("current_level", "当前风险等级", 12, note=gettext_lazy("Export only; ignored on import.")),
    Column("control_level", "管控层级", 14, note=gettext_lazy("Export only; ignored on import.")),
    Column("last_assessed_at", "最近评估时间", 17, note=gettext_lazy("Export only; ignored on import.")),
    Column("next_review_at", "下次评审日期", 12, note=gettext_lazy("Export only; ignored on import.")),
    Column("raised_reason", "等级升高原因", 24, note=gettext_lazy("Export only; ignored on import.")),
)
EXPORT_COLUMNS = TEMPLATE_COLUMNS + EXPORT_EXTRA
COLUMN_BY_KEY = {c.key: c for c in EXPORT_COLUMNS}
HEADERS = {c.key: c.header for c in EXPORT_COLUMNS} | {"location": "经度、纬度"}
_POSITIONS = {c.key: i for i, c in enumerate(EXPORT_COLUMNS)} | {"location": 5}
TIER_KEYS = {f"tier_{tier}": tier for tier in ResponsibleTier.values}
HEADER_ALIASES = {
    "风险点": "name",
    "风险点名称": "name",
    "风险点类型": "kind",
    "行业": "sector",
    "所属行业": "sector",
    "统一社会信用代码": "uscc",
    "信用代码": "uscc",
    "企业统一社会信用代码": "uscc",
    "事故类型": "accident_types",
    "可能导致的事故": "accident_types",
    "风险评价方法": "method",
    "是否涉及重大危险源": "major_hazard_source",
    "重大事故隐患判定标准": "criteria_item",
    "判定标准条目": "criteria_item",
    "工程技术": "measure_engineering",
    "工程措施": "measure_engineering",
    "培训教育": "measure_training",
    "个体防护": "measure_protective",
    "应急处置": "measure_emergency",
    "部门级责任人": "tier_department",
    "车间级责任人": "tier_department",
}
REQUIRED_KEYS = tuple(c.key for c in TEMPLATE_COLUMNS if c.required)
WRAPPED = frozenset({f"measure_{kind}" for kind in MEASURE_KINDS} | {"override_reason", "raised_reason"})


def header_text(column: Column) -> str:
    return f"{column.header}*" if column.required else column.header


def column_position(header: str) -> int:
    keys = {h: k for k, h in HEADERS.items()}
    return _POSITIONS.get(keys.get(header, ""), len(EXPORT_COLUMNS))


def row_error(number: int, key: str, message: str) -> RowError:
    """An error of a row, named by the column's header (the column of key `key`)."""
    return {"row": number, "column": HEADERS.get(key, ""), "field": key, "message": str(message)}


# ---- the template and the export's header rows -----------------------------------------------------


class ListFormats(Formats):
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        super().__init__(workbook)
        base = {"bold": True, "bg_color": "#DCE6F1", "border": 1, "align": "center", "valign": "vcenter"}
        self.required = workbook.add_format(base | {"text_wrap": True, "font_color": "#C00000"})
        self.extra = workbook.add_format(base | {"text_wrap": True, "bg_color": "#EDEDED"})
        self.example_wrap = workbook.add_format(
            {"num_format": "@", "font_color": "#808080", "italic": True, "text_wrap": True}
        )


def header_rows(sheet: Any, formats: ListFormats, columns: tuple[Column, ...]) -> None:
    """Row 1: the Chinese headers (required ones red, with *); row 2: the English keys (skipped on import)."""
    for index, column in enumerate(columns):
        typed = column.key in ("index", "lon", "lat", "l", "e", "c", "s") or column.key.startswith("residual_")
        sheet.set_column(index, index, column.width, None if typed else formats.text)
    # Row by row: in constant-memory mode a row is flushed once the next one is written.
    for index, column in enumerate(columns):
        style = formats.required if column.required else formats.extra if column in EXPORT_EXTRA else formats.header
        sheet.write_string(0, index, header_text(column), style)
    for index, column in enumerate(columns):
        sheet.write_string(1, index, column.key, formats.key)
    sheet.set_row(0, 32)
    sheet.freeze_panes(2, 2)


EXAMPLE_ROW: dict[str, Any] = {
    "index": 1,
    "name": f"{EXAMPLE_MARK}液化石油气储罐区",
    "kind": "区域",
    "sector": "燃气",
    "uscc": "",
    "lon": 117.035,
    "lat": 28.235,
    "address": "鹰潭市月湖区某某路1号",
    "accident_types": "火灾、爆炸、中毒和窒息",
    "method": "LEC",
    "l": 3,
    "e": 6,
    "c": 15,
    "residual_l": 1,
    "residual_e": 6,
    "residual_c": 15,
    "major_hazard_source": "否",
    "measure_engineering": "安装可燃气体泄漏报警器\n设置紧急切断阀",
    "measure_management": "每日巡检；交接班检查",
    "measure_training": "每年开展燃气安全培训【安全员/李四/每年】",
    "measure_protective": "配备防静电工作服",
    "measure_emergency": "制定燃气泄漏现场处置方案",
    "responsible_post": "储罐区巡检工",
    "responsible_name": "张三",
    "frequency": "每日",
    "tier_company": "王五 13900000000",
    "tier_department": "赵六",
    "tier_team": "钱七",
    "tier_post": "张三",
}


def template_bytes() -> bytes:
    """The import template: the headers, their English keys, an example row (skipped on import), dropdowns
    for the choice columns; the sheet 说明 explains every column and lists the valid values."""
    sectors = list(Sector.objects.values_list("code", "name_zh", "name_en"))
    criteria = list(CriteriaItem.objects.values_list("code", "article", "text_zh")[:2000])
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = ListFormats(workbook)
    sheet = workbook.add_worksheet(DATA_SHEET)
    header_rows(sheet, formats, TEMPLATE_COLUMNS)
    for index, column in enumerate(TEMPLATE_COLUMNS):
        if column.note:
            sheet.write_comment(0, index, f"{column.key}: {column.note}", {"x_scale": 2.5, "y_scale": 1.5})
        value = EXAMPLE_ROW.get(column.key, "")
        if isinstance(value, int | float):
            sheet.write_number(2, index, value, formats.example)
        elif value:
            sheet.write_string(2, index, str(value), formats.example_wrap if "\n" in value else formats.example)
    keys = [c.key for c in TEMPLATE_COLUMNS]
    first, end = 2, MAX_ROWS + 2

    def choose(key: str, source: Any) -> None:
        at = keys.index(key)
        sheet.data_validation(first, at, end, at, {"validate": "list", "source": source, "error_type": "warning"})

    choose("kind", list(KIND_NAMES.values()))
    choose("method", list(METHOD_NAMES.values()))
    choose("major_hazard_source", [YES, NO])
    choose("frequency", list(FREQUENCY_NAMES.values()))
    for factor in ("e", "c"):
        values = [_plain(Decimal(v)) for v in sorted(config.lec_values(factor))]
        choose(factor, values)
        choose(f"residual_{factor}", values)
    low, high = config.get("ls_range")
    for key in ("s", "residual_s"):
        at = keys.index(key)
        rule = {"validate": "integer", "criteria": "between", "minimum": low, "maximum": high, "error_type": "warning"}
        sheet.data_validation(first, at, end, at, rule)
    for key, (low_degree, high_degree) in (("lon", (73, 136)), ("lat", (3, 54))):
        at = keys.index(key)
        rule = {"validate": "decimal", "criteria": "between", "minimum": low_degree, "maximum": high_degree}
        sheet.data_validation(first, at, end, at, rule)
    sector_rows = _notes_sheet(workbook, formats, sectors, criteria)
    if sector_rows:
        start, count = sector_rows
        choose("sector", f"='{NOTES_SHEET}'!$A${start + 1}:$A${start + count}")
    workbook.close()
    return buffer.getvalue()


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _notes_sheet(
    workbook: xlsxwriter.Workbook,
    formats: ListFormats,
    sectors: list[tuple[str, str, str]],
    criteria: list[tuple[str, str, str]],
) -> tuple[int, int] | None:
    notes = workbook.add_worksheet(NOTES_SHEET)
    for index, width in enumerate((24, 22, 100)):
        notes.set_column(index, index, width)
    how = _(
        "Fill in one risk point per row from row 3; the row of English keys and rows whose name starts with "
        "%(mark)s are skipped. Red headers (with *) are required."
    ) % {"mark": EXAMPLE_MARK}
    lines: list[tuple[Any, ...]] = [
        (_("How to fill in the risk identification list"),),
        (how,),
        (
            _(
                "A point already in the register (same enterprise, or same village for a public area, and same "
                "name) is updated, not added again: a new assessment only when its inputs changed, measures it "
                "lacks are added. An empty cell leaves the stored value as it is."
            ),
        ),
        ("列 Column", "key", "说明 Notes"),
        *((header_text(c), c.key, ("必填 " if c.required else "") + str(c.note)) for c in EXPORT_COLUMNS),
        (),
        ("类型 " + _("Type"),),
        *((name, code, str(PointKind(code).label)) for code, name in KIND_NAMES.items()),
        (),
        ("评价方法 " + _("Method"),),
        *((name, code, str(Method(code).label)) for code, name in METHOD_NAMES.items()),
        (),
        ("LEC " + _("allowed values"),),
        *(
            (factor.upper(), "lec", "、".join(_plain(v) for v in sorted(config.lec_values(factor))))
            for factor in ("l", "e", "c")
        ),
        ("L, S", "ls", "{}–{}".format(*config.get("ls_range"))),
        (),
        ("检查频次 " + _("Check frequency"),),
        *((name, code, str(Frequency(code).label)) for code, name in FREQUENCY_NAMES.items()),
        (),
        ("涉及重大危险源 " + _("Major hazard installation"),),
        (YES, "yes", _("Involves a major hazard installation")),
        (NO, "no", ""),
        (),
        ("行业领域 " + _("Sectors"),),
    ]
    sector_start = len(lines)
    lines.extend((name_zh, code, name_en) for code, name_zh, name_en in sectors)
    if criteria:
        lines.extend([(), ("重大事故隐患判定标准条目 " + _("Criteria items"),)])
        lines.extend((code, article, text[:120]) for code, article, text in criteria)
    write_notes(notes, lines, title=formats.bold, header=formats.header)
    return (sector_start, len(sectors)) if sectors else None

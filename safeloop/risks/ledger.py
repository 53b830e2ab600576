"""The 风险辨识清单 (risk identification list) as xlsx: the template, the import and the export of the
register (issue 4; DOMAIN.md §4).

Import. One row is one risk point with its assessment and its control measures. Every row is read and
checked first (without writing): errors name the row and the column (第5行 L: …). Then, unless the
uploader asked only for a check, or chose all-or-nothing and some row is bad, the rows are written in one
transaction through the register's own services (`risk_point_create`, `risk_point_update`,
`risk_assess`, `measure_add`, `measure_update`), each row in a savepoint: audit rows, codes and the first
check tasks happen as for a point entered by hand. A list is a few hundred to a few thousand rows, so it
runs in the request (MAX_ROWS, MAX_UPLOAD_BYTES).

Idempotency. A row names an existing point when the enterprise (or, for a public area, the village the
place lies in) and the name match. Such a point is changed only where the file differs from it: its
description fields, a new assessment when the inputs differ from the latest one, measures the point
does not have yet (matched by kind and text). An empty cell leaves the stored value as it is; measures
missing from the file are kept (retired on the point's page, not by an import). Re-importing the same
file, or an export, therefore reports every row "unchanged".

Export. The caller's scoped points, filtered by RiskPointFilterSet (the list page's query string), one row
per point in the template's columns plus the code, the current level and the review dates, streamed by
xlsxwriter in constant-memory mode, so an exported file can be corrected and imported again.
"""

import io
import logging
import math
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import batched
from pathlib import PurePath
from typing import IO, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import xlsxwriter
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
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
from safeloop.core.geo import point_in_range
from safeloop.core.scoping import scope_for
from safeloop.hazards import routing
from safeloop.hazards.models import CriteriaItem
from safeloop.orgs.models import Enterprise, Sector
from safeloop.orgs.selectors import enterprise_list
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.xlsx import XLSX_CONTENT_TYPE, looks_like_xlsx
from safeloop.risks import config, permissions, scoring, selectors, services
from safeloop.risks.choices import Frequency, MeasureKind, Method, PointKind, ResponsibleTier, RiskLevel
from safeloop.risks.filters import RiskPointFilterSet
from safeloop.risks.models import ControlMeasure, RiskAssessment, RiskImport, RiskPoint

__all__ = ["XLSX_CONTENT_TYPE", "FileProblem"]

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "风险辨识清单"
DATA_SHEET = "风险辨识清单"
NOTES_SHEET = "说明"
EXAMPLE_MARK = "【示例】"
MAX_ROWS = 5_000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a 5 MB upload that unpacks beyond this is refused (zip bomb)
# Writing goes through the services at about 40 ms a row (measured: 1,000 rows in 45 s on SQLite), so a
# list longer than INLINE_MAX_ROWS runs in the worker, and rows are written CHUNK_ROWS to a transaction:
# SQLite's single writer lock is never held long enough for other writers to time out.
INLINE_MAX_ROWS = 200
CHUNK_ROWS = 200
PROGRESS_EVERY = 50
MAX_STORED_ERRORS = 1000
KEEP_FILES_FOR = timedelta(days=7)
HEADER_SEARCH_ROWS = 10
EXPORT_CHUNK = 500
COORDINATE_TOLERANCE = 1e-7

RowError = dict[str, Any]

# Who imports: whoever may keep risk points somewhere (permissions.may_create decides each row).
IMPORT_ROLES = permissions.GOVERNMENT_EDITORS | {Role.ENTERPRISE_OFFICER}


class FileProblem(Exception):
    """The file as a whole cannot be read as a risk list (reported on the `file` field)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
_MEASURE_SUFFIX = re.compile(r"【(?P<post>[^【】/／]*)[/／](?P<name>[^【】/／]*)[/／](?P<freq>[^【】/／]*)】\s*$")
_MEASURE_SPLIT = re.compile(r"[；;]")
_PERSON = re.compile(r"^(?P<name>.*?)[\s,，、:：(（]*(?P<phone>\+?\d[\d\-]{4,19})[)）]?$")


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
TEXT_KEYS = frozenset(
    {"name", "kind", "sector", "uscc", "address", "accident_types", "method", "criteria_item", "override_reason"}
    | {"major_hazard_source", "responsible_post", "responsible_name", "frequency"}
    | {f"measure_{kind}" for kind in MEASURE_KINDS}
    | set(TIER_KEYS)
)
WRAPPED = frozenset({f"measure_{kind}" for kind in MEASURE_KINDS} | {"override_reason", "raised_reason"})


def header_text(column: Column) -> str:
    return f"{column.header}*" if column.required else column.header


def column_position(header: str) -> int:
    keys = {h: k for k, h in HEADERS.items()}
    return _POSITIONS.get(keys.get(header, ""), len(EXPORT_COLUMNS))


# ---- who may import -----------------------------------------------------------------------------


def can_import(actor: Any) -> bool:
    """Whoever may keep risk points somewhere: government editors and enterprise officers."""
    scope = scope_for(actor)
    if scope.system_wide:
        return scope.has_role(Role.SYS_ADMIN)
    return any(grant.role in IMPORT_ROLES for grant in scope.grants)


def _own_enterprise_id(actor: Any) -> int | None:
    """The enterprise of an importer who acts only as its officer (their rows default to it)."""
    scope = scope_for(actor)
    if scope.system_wide:
        return None
    grants = [g for g in scope.grants if g.role in IMPORT_ROLES]
    ids = {g.enterprise_id for g in grants}
    if len(ids) == 1 and None not in ids:
        return next(iter(ids))
    return None


# ---- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number Excel shows
    cells: dict[str, Any]  # column key → raw calamine value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_key(value: Any) -> str | None:
    if value is None:
        return None
    text = re.sub(r"[\s*＊]", "", str(value))
    if not text:
        return None
    for column in EXPORT_COLUMNS:
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


def read_list(content: bytes) -> list[SheetRow]:
    """The data rows of an uploaded list by column key; raises FileProblem for the whole file. The header
    row is the first of the top rows naming at least three of the template's columns."""
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
        raise FileProblem(_("No row of headers (风险点名称, 类型, 行业领域, …) was found. Download the template."))
    missing = [COLUMN_BY_KEY[key].header for key in REQUIRED_KEYS if key not in positions]
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
        name = str(values["name"]).strip()
        if index == header_at + 1 and name == "name":
            continue  # the English key row
        if name.startswith(EXAMPLE_MARK):
            continue
        rows.append(SheetRow(number=index + 1, cells=values))
        if len(rows) > MAX_ROWS:
            raise FileProblem(
                _("A file may hold at most %(max)s risk points; split it into several files.")
                % {"max": f"{MAX_ROWS:,}"}
            )
    if not rows:
        raise FileProblem(_("The workbook has no risk point rows below the headers."))
    return rows


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
    """Codes typed into a number cell come back as floats: whole ones below 2**53 are exact, longer ones
    (an all-digit 18-character USCC) have lost digits already."""
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


def _factor(value: Any) -> str:
    """A factor cell as the text the scoring reads: 3.0 → "3", 0.5 → "0.5"; other text unchanged."""
    if _blank(value):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return format(Decimal(repr(float(value))).normalize(), "f")
        except InvalidOperation:
            return _text(value)
    text = _text(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    return format(number.normalize(), "f") if number.is_finite() else text


def _person(value: Any) -> tuple[str, str]:
    """ "张三 13900000000" → (name, phone); a cell without a phone number is all name."""
    text = _text(value)
    match = _PERSON.match(text)
    if match and match["name"].strip():
        return match["name"].strip(), match["phone"]
    return text, ""


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class MeasureLine:
    kind: str
    description: str
    post: str
    name: str
    frequency: str


def _measure_lines(value: Any) -> list[tuple[str, tuple[str, str, str] | None]]:
    """The measures of one cell: split on new lines when it has any, else on ；. Each with its 【…】."""
    text = "" if _blank(value) else str(value)
    parts = text.split("\n") if "\n" in text else _MEASURE_SPLIT.split(text)
    lines: list[tuple[str, tuple[str, str, str] | None]] = []
    for part in parts:
        line = part.strip()
        if not line:
            continue
        match = _MEASURE_SUFFIX.search(line)
        if match and (not match["freq"].strip() or match["freq"].strip() in FREQUENCY_BY_NAME):
            override = (match["post"].strip(), match["name"].strip(), match["freq"].strip())
            line = line[: match.start()].strip()
            lines.append((line, override))
        else:
            lines.append((line, None))
    return lines


# ---- checking a row -----------------------------------------------------------------------------


@dataclass
class ListRow:
    """One checked row, ready to write."""

    number: int
    name: str
    enterprise: Enterprise | None
    division: str  # where the point lies (village code)
    point_data: dict[str, Any]  # risk_point_create input
    given: set[str]  # point fields whose cells were filled in (empty cells leave stored values)
    assess_data: dict[str, Any]  # risk_assess input
    measures: list[MeasureLine]
    responsible_order: list[str]  # tiers in the order of point_data["responsible"], for error columns
    existing: RiskPoint | None = None


def _error(number: int, key: str, message: str) -> RowError:
    return {"row": number, "column": HEADERS.get(key, ""), "field": key, "message": str(message)}


def _sector_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, name_zh, name_en in Sector.objects.values_list("code", "name_zh", "name_en"):
        lookup[code] = lookup[name_zh] = lookup[name_en.lower()] = code
    return lookup


@dataclass
class _Context:
    actor: Any
    sectors: dict[str, str]
    criteria: frozenset[str]
    own_enterprise_id: int | None
    seen: dict[tuple[Any, ...], int] = field(default_factory=dict)
    enterprises: dict[str, Enterprise | None] = field(default_factory=dict)

    def enterprise(self, uscc: str) -> Enterprise | None:
        if uscc not in self.enterprises:
            self.enterprises[uscc] = enterprise_list(actor=self.actor).filter(uscc=uscc).first()
        return self.enterprises[uscc]

    def own_enterprise(self) -> Enterprise | None:
        if self.own_enterprise_id is None:
            return None
        key = f"#{self.own_enterprise_id}"
        if key not in self.enterprises:
            self.enterprises[key] = enterprise_list(actor=self.actor).filter(pk=self.own_enterprise_id).first()
        return self.enterprises[key]


def _context(actor: Any) -> _Context:
    return _Context(
        actor=actor,
        sectors=_sector_lookup(),
        criteria=frozenset(CriteriaItem.objects.values_list("code", flat=True)),
        own_enterprise_id=_own_enterprise_id(actor),
    )


def find_point(actor: Any, *, enterprise: Enterprise | None, division: str, name: str) -> RiskPoint | None:
    """The point a row names: same enterprise (or, for a public area, same village) and same name."""
    points = selectors.risk_point_list(actor=actor, include_inactive=True).filter(name=name)
    if enterprise is not None:
        points = points.filter(enterprise=enterprise)
    else:
        points = points.filter(enterprise__isnull=True, division_id=division)
    return points.order_by("-active", "id").first()


def _blame_refusal(actor: Any, division: str, sector: str) -> str:
    """Which column to name when a new point may not be added: the sector when a department grant
    covers the place but not the sector, else the place."""
    for grant in scope_for(actor).grants:
        if (
            grant.role in permissions.GOVERNMENT_EDITORS
            and grant.division_prefix is not None
            and division.startswith(grant.division_prefix)
            and grant.sectors is not None
            and sector not in grant.sectors
        ):
            return "sector"
    return "place"


def check_row(context: _Context, row: SheetRow) -> tuple[ListRow | None, list[RowError]]:
    """Convert and check one row without writing: every problem named by row and column."""
    errors: list[RowError] = []
    cells = row.cells

    def fail(key: str, message: Any) -> None:
        errors.append(_error(row.number, key, str(message)))

    def convert(key: str, parse: Any) -> Any:
        try:
            return parse(cells.get(key))
        except CellError as exc:
            fail(key, str(exc))
            return None

    def limited(key: str, limit: int) -> str:
        value = _text(cells.get(key))
        if len(value) > limit:
            fail(key, _("At most %(limit)s characters.") % {"limit": limit})
        return value

    required = _("This column is required.")
    name = limited("name", 120)
    if not name:
        fail("name", required)
    kind_text = _text(cells.get("kind"))
    kind = KIND_BY_NAME.get(kind_text, KIND_BY_NAME.get(kind_text.lower(), ""))
    if not kind_text:
        fail("kind", required)
    elif not kind:
        fail("kind", _("Write 设施, 部位, 场所, 区域 or 作业活动, not “%(value)s”.") % {"value": kind_text})
    sector_text = _text(cells.get("sector"))
    sector = context.sectors.get(sector_text, context.sectors.get(sector_text.lower(), ""))
    if not sector_text:
        fail("sector", required)
    elif not sector:
        fail("sector", _("Unknown sector “%(value)s”; use a name from the second sheet.") % {"value": sector_text})
    address = limited("address", 200)
    accident_types = limited("accident_types", 200)

    # The enterprise, or a public area.
    uscc = (convert("uscc", _code) or "").upper()
    uscc_bad = any(e["field"] == "uscc" for e in errors)
    enterprise: Enterprise | None = None
    if uscc:
        enterprise = context.enterprise(uscc)
        if enterprise is None:
            if context.own_enterprise_id is not None:
                fail("uscc", _("You may import only the risk points of your own enterprise."))
            else:
                fail("uscc", _("No enterprise with this credit code in your area."))
    elif context.own_enterprise_id is not None and not uscc_bad:
        enterprise = context.own_enterprise()
    uscc_bad = any(e["field"] == "uscc" for e in errors)
    lon, lat = convert("lon", _number), convert("lat", _number)
    division, grid = "", None
    if (lon is None) != (lat is None) and not any(e["field"] in ("lon", "lat") for e in errors):
        fail("lat" if lat is None else "lon", _("Give both longitude and latitude."))
    elif lon is not None and lat is not None:
        if not point_in_range(lon, lat):
            fail("location", _("This point is not a WGS-84 position in China."))
        else:
            grid = routing.locate(lon, lat)
            if grid is not None:
                division = grid[:12]
            elif enterprise is not None:
                division, grid = enterprise.division_id, enterprise.grid_id
            else:
                fail("location", _("This point lies outside every grid of the city."))
    elif enterprise is not None:
        division, grid = enterprise.division_id, enterprise.grid_id
    elif not uscc_bad and not any(e["field"] in ("lon", "lat") for e in errors):
        fail("location", _("A public area needs longitude and latitude (or give the enterprise's credit code)."))

    # People responsible, by tier.
    responsible: list[dict[str, str]] = []
    for tier_key, tier in TIER_KEYS.items():
        if _blank(cells.get(tier_key)):
            continue
        someone, phone = _person(cells.get(tier_key))
        if len(someone) > 64:
            fail(tier_key, _("At most %(limit)s characters.") % {"limit": 64})
        responsible.append({"tier": tier, "name": someone, "phone": phone})

    # The assessment.
    method_text = _text(cells.get("method"))
    method = METHOD_BY_NAME.get(method_text.upper(), METHOD_BY_NAME.get(method_text, ""))
    if not method_text:
        fail("method", required)
    elif not method:
        fail("method", _("Write LEC or LS, not “%(value)s”.") % {"value": method_text})
    inherent = {factor: _factor(cells.get(factor)) for factor in ("l", "e", "c", "s")}
    residual = {factor: _factor(cells.get(f"residual_{factor}")) for factor in ("l", "e", "c", "s")}
    if method:
        factor_errors = FieldErrors()
        scoring.clean_factors(method, inherent, factor_errors)
        if any(residual[factor] for factor in scoring.FACTORS[method]):
            scoring.clean_factors(method, residual, factor_errors, prefix="residual.")
        for problem in factor_errors.errors:
            fail(problem["field"].replace("residual.", "residual_"), problem["message"])
    criteria_code = _text(cells.get("criteria_item"))
    if criteria_code and criteria_code not in context.criteria:
        fail("criteria_item", _("Unknown criteria item: %(code)s") % {"code": criteria_code})
    source_text = _text(cells.get("major_hazard_source"))
    major_source = source_text.lower() in YES_WORDS
    if source_text and not major_source and source_text.lower() not in NO_WORDS:
        fail("major_hazard_source", _("Write 是 or 否, not “%(value)s”.") % {"value": source_text})
    reason = limited("override_reason", 200)

    # Control measures: the row's post, person and frequency unless a line names its own.
    post = limited("responsible_post", 64)
    person = limited("responsible_name", 64)
    frequency_text = _text(cells.get("frequency"))
    frequency = FREQUENCY_BY_NAME.get(frequency_text, "")
    if frequency_text and not frequency:
        fail("frequency", _("Write 每日, 每周, 每月, 每季度 or 每年, not “%(value)s”.") % {"value": frequency_text})
    measures: list[MeasureLine] = []
    needs_post = needs_frequency = False
    for kind_code in MEASURE_KINDS:
        column_key = f"measure_{kind_code}"
        for description, override in _measure_lines(cells.get(column_key)):
            if len(description) > 2000:
                fail(column_key, _("At most %(limit)s characters.") % {"limit": 2000})
            if override is not None:
                line_post, line_person, line_frequency_text = override
                line_post = line_post or post
                line_frequency = FREQUENCY_BY_NAME.get(line_frequency_text, "") if line_frequency_text else frequency
                if len(line_post) > 64 or len(line_person) > 64:
                    fail(column_key, _("At most %(limit)s characters.") % {"limit": 64})
            else:
                line_post, line_person, line_frequency = post, person, frequency
            if not line_post:
                needs_post = True
            if not line_frequency:
                needs_frequency = True
            measures.append(MeasureLine(kind_code, description, line_post, line_person, line_frequency))
    if needs_post:
        fail("responsible_post", _("Give the post that checks the measures of this row."))
    if needs_frequency and not (frequency_text and not frequency):
        fail("frequency", _("Give how often the measures of this row are checked."))

    # One row per point in a file; then the point it names, and whether the importer may write it.
    existing: RiskPoint | None = None
    if name and (enterprise is not None or division) and not any(e["field"] == "uscc" for e in errors):
        point_key = (enterprise.pk, "", name) if enterprise is not None else (None, division, name)
        if point_key in context.seen:
            fail("name", _("The same risk point is in row %(row)s of this file.") % {"row": context.seen[point_key]})
        else:
            context.seen[point_key] = row.number
        existing = find_point(context.actor, enterprise=enterprise, division=division, name=name)
        if existing is not None and not permissions.can_edit(context.actor, existing):
            fail("name", _("You may not change this risk point."))
        elif (
            existing is None
            and sector
            and division
            and not permissions.may_create(
                context.actor, enterprise=enterprise, division=division, sector=sector, grid=grid
            )
        ):
            if _blame_refusal(context.actor, division, sector) == "sector":
                fail("sector", _("This sector is not one your department answers for."))
            elif enterprise is not None:
                fail("uscc", _("You may not add risk points for this enterprise."))
            else:
                fail("location", _("This place is outside your area."))

    if errors:
        return None, errors
    point_data: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "sector": sector,
        "address": address,
        "accident_types": accident_types,
        "responsible": responsible,
        "enterprise_id": str(enterprise.uuid) if enterprise is not None else None,
        "lon": lon,
        "lat": lat,
    }
    given = {"name", "kind", "sector"} | {
        key for key, value in (("address", address), ("accident_types", accident_types)) if value
    }
    if lon is not None:
        given.add("location")
    assess_data: dict[str, Any] = {
        "method": method,
        **{factor: inherent[factor] for factor in scoring.FACTORS[method]},
        "criteria_item": criteria_code,
        "major_hazard_source": major_source,
        "override_reason": reason,
    }
    if any(residual[factor] for factor in scoring.FACTORS[method]):
        assess_data["residual"] = {factor: residual[factor] for factor in scoring.FACTORS[method]}
    return (
        ListRow(
            number=row.number,
            name=name,
            enterprise=enterprise,
            division=division,
            point_data=point_data,
            given=given,
            assess_data=assess_data,
            measures=measures,
            responsible_order=[entry["tier"] for entry in responsible],
            existing=existing,
        ),
        [],
    )


# ---- writing a row ------------------------------------------------------------------------------

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
    return {name: _factor(value) for name, value in (factors or {}).items() if not _blank(value)}


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
        stored.setdefault((kept.kind, _normal(kept.description)), kept)
    changes: list[tuple[Any, dict[str, Any]]] = []
    for line in lines:
        measure = stored.get((line.kind, _normal(line.description)))
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


def _service_errors(row: ListRow, exc: FieldErrors) -> list[RowError]:
    found = []
    for problem in exc.errors:
        name = problem["field"]
        key = FIELD_KEYS.get(name, "")
        if name.startswith("responsible."):
            parts = name.split(".")
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
            key = f"tier_{row.responsible_order[index]}" if 0 <= index < len(row.responsible_order) else "name"
        found.append(_error(row.number, key or "name", problem["message"]))
    return found


# ---- running an import --------------------------------------------------------------------------

Status = RiskImport.Status
Mode = RiskImport.Mode
MODES = frozenset(Mode.values)


def risk_import_list(*, actor: Any) -> QuerySet[RiskImport]:
    """The actor's own list imports, without the stored file."""
    qs = RiskImport.objects.defer("content").select_related("created_by", "rerun_of")
    return qs.filter(created_by=actor) if can_import(actor) else qs.none()


def risk_import_get(*, actor: Any, uuid: UUID | str) -> RiskImport:
    return risk_import_list(actor=actor).get(uuid=uuid)


def rerun_modes(record: RiskImport) -> list[str]:
    """How a finished import that wrote nothing may run again on its kept file, once: a check that found
    no errors may import everything; one with valid rows may import only those."""
    if (
        record.status != Status.DONE
        or record.written
        or record.valid_rows == 0
        or record.finished_at is None
        or record.finished_at <= timezone.now() - KEEP_FILES_FOR
        or record.reruns.exists()
    ):
        return []
    if record.error_count == 0:
        return [Mode.ALL_OR_NOTHING] if record.mode == Mode.CHECK else []
    return [Mode.VALID_ONLY]


def risk_import_start(
    *, actor: Any, upload: "UploadedFile[bytes]", mode: str, language: str | None = None
) -> RiskImport:
    """Accept an upload: check the file as a whole (FieldErrors on `file`: not xlsx, over 5 MB, over
    5,000 rows, no headers), keep it, and run it now (up to INLINE_MAX_ROWS rows) or in the worker once
    this transaction commits."""
    if not can_import(actor):
        raise NotAllowed(_("You may not import risk lists."))
    errors = FieldErrors()
    if mode not in MODES:
        errors.add("mode", _("Choose how to treat rows with errors."))
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        errors.add("file", _("The file is larger than 5 MB; split it into several files."))
    errors.raise_if_any()
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise FieldErrors.single("file", _("The file is larger than 5 MB; split it into several files."))
    try:
        rows = read_list(content)
    except FileProblem as exc:
        raise FieldErrors.single("file", exc.message) from exc
    record = RiskImport.objects.create(
        created_by=actor,
        file_name=PurePath(upload.name or "risks.xlsx").name[:255],
        content=content,
        mode=mode,
        total_rows=len(rows),
    )
    return _dispatch(record, language)


def risk_import_rerun(*, actor: Any, risk_import: RiskImport, mode: str, language: str | None = None) -> RiskImport:
    """Run a finished import that wrote nothing again on its kept file (see `rerun_modes`)."""
    if not can_import(actor) or risk_import.created_by_id != getattr(actor, "pk", None):
        raise NotAllowed(_("This import cannot be run again."))
    if mode not in rerun_modes(risk_import):
        raise NotAllowed(_("This import cannot be run again."))
    content = RiskImport.objects.values_list("content", flat=True).get(pk=risk_import.pk)
    with transaction.atomic():
        record = RiskImport.objects.create(
            created_by=actor,
            file_name=risk_import.file_name,
            content=bytes(content),
            mode=mode,
            total_rows=risk_import.total_rows,
            rerun_of=risk_import,
        )
        RiskImport.objects.filter(pk=risk_import.pk).update(content=b"")
    return _dispatch(record, language)


def _dispatch(record: RiskImport, language: str | None) -> RiskImport:
    if record.total_rows <= INLINE_MAX_ROWS:
        return risk_import_run(import_id=record.uuid, reraise=False)
    from safeloop.risks.tasks_io import risk_import_task

    transaction.on_commit(partial(risk_import_task.enqueue, str(record.uuid), language or get_language()))
    return record


def risk_import_run(*, import_id: UUID | str, reraise: bool = True) -> RiskImport:
    """Run a queued import, claimed with compare-and-set so a second worker leaves it alone. An
    unexpected failure marks the import failed (re-raised for the task runner to record)."""
    claimed = RiskImport.objects.filter(uuid=import_id, status=Status.QUEUED).update(status=Status.VALIDATING)
    record = RiskImport.objects.select_related("created_by", "rerun_of").get(uuid=import_id)
    if not claimed:
        return record
    try:
        _run(record)
    except Exception as exc:
        logger.exception("risk list import %s failed", record.uuid)
        _finish(record, Counter(), errors=[], valid=0, written=False, failure=f"{exc.__class__.__name__}: {exc}")
        if reraise:
            raise
    record.refresh_from_db()
    return record


def _progress(record: RiskImport, **fields: Any) -> None:
    RiskImport.objects.filter(pk=record.pk).update(**fields)


class _Stop(Exception):
    """Rolls back the chunk being written when an all-or-nothing import meets a row it cannot write."""


class _Undo(Exception):
    """Rolls back a chunk that was written only to see what an import would do (a check)."""


def _write_chunk(actor: Any, mode: str, chunk: Iterable[ListRow], errors: list[RowError]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for row in chunk:
        try:
            with transaction.atomic():
                counts[write_row(actor, row)] += 1
        except FieldErrors as exc:
            errors.extend(_service_errors(row, exc))
        except (NotAllowed, Conflict) as exc:
            errors.append(_error(row.number, "uscc" if row.enterprise else "location", str(exc)))
        else:
            continue
        if mode == Mode.ALL_OR_NOTHING:
            raise _Stop(row.number)
    if mode == Mode.CHECK:
        raise _Undo(counts)
    return counts


def _run(record: RiskImport) -> None:
    actor = record.created_by
    rows = read_list(bytes(record.content))
    context = _context(actor)
    errors: list[RowError] = []
    valid: list[ListRow] = []
    _progress(record, total_rows=len(rows), processed_rows=0)
    for done, row in enumerate(rows, 1):
        checked, row_errors = check_row(context, row)
        errors.extend(row_errors)
        if checked is not None:
            valid.append(checked)
        if done % PROGRESS_EVERY == 0:
            _progress(record, processed_rows=done, error_count=len(errors))
    _progress(record, processed_rows=len(rows), error_count=len(errors), valid_rows=len(valid))
    if errors and record.mode == Mode.ALL_OR_NOTHING:
        _finish(record, Counter(), errors=errors, valid=len(valid), written=False)
        return
    _progress(record, status=Status.IMPORTING, processed_rows=0)
    counts: Counter[str] = Counter()
    written = processed = 0
    try:
        for chunk in batched(valid, CHUNK_ROWS):
            try:
                with transaction.atomic():
                    counts += _write_chunk(actor, record.mode, chunk, errors)
                    written += 1
            except _Undo as undone:
                counts += undone.args[0]
            processed += len(chunk)
            _progress(
                record,
                processed_rows=processed,
                created_count=counts[CREATED],
                updated_count=counts[UPDATED],
                unchanged_count=counts[UNCHANGED],
                error_count=len(errors),
            )
    except _Stop as stop:
        if written:  # earlier chunks are committed (a list longer than CHUNK_ROWS); say where it ended
            message = _("The import stopped at this row; it and the rows after it were not imported.")
            errors.append(_error(stop.args[0], "", message))
    _finish(record, counts, errors=errors, valid=len(valid), written=written > 0)


def _finish(
    record: RiskImport, counts: Counter[str], *, errors: list[RowError], valid: int, written: bool, failure: str = ""
) -> None:
    errors.sort(key=lambda e: (e["row"], column_position(e["column"])))
    with transaction.atomic():
        record.refresh_from_db(fields=["total_rows", "processed_rows"])
        record.status = Status.FAILED if failure else Status.DONE
        record.created_count = counts[CREATED]
        record.updated_count = counts[UPDATED]
        record.unchanged_count = counts[UNCHANGED]
        record.error_count = len(errors)
        record.valid_rows = valid
        record.errors = errors[:MAX_STORED_ERRORS]
        record.written = written
        record.failure = failure[:500]
        record.finished_at = timezone.now()
        fields = ["status", "created_count", "updated_count", "unchanged_count", "error_count", "valid_rows"]
        fields += ["errors", "written", "failure", "finished_at"]
        if not failure and not rerun_modes(record):
            record.content = b""  # no longer needed: nothing can re-run it
            fields.append("content")
        record.save(update_fields=fields)
        outcome = "failed" if failure else "ok" if written else "checked" if record.mode == Mode.CHECK else "refused"
        audit.record(
            actor=record.created_by,
            verb="risk_point.import",
            obj=record,
            result=outcome,
            after={
                "file_name": record.file_name,
                "mode": record.mode,
                "rows": record.total_rows,
                "created": record.created_count,
                "updated": record.updated_count,
                "unchanged": record.unchanged_count,
                "errors": record.error_count,
                "rerun_of": str(record.rerun_of.uuid) if record.rerun_of else None,
            },
        )


def risk_import_forget_files(*, actor: Any = SYSTEM) -> int:
    """Drop the stored bytes of imports finished more than KEEP_FILES_FOR ago (a list names people and
    phone numbers); the record, its counts and its errors stay."""
    stale = RiskImport.objects.filter(finished_at__lt=timezone.now() - KEEP_FILES_FOR).exclude(content=b"")
    with transaction.atomic():
        forgotten = stale.update(content=b"")
        if forgotten:
            audit.record(
                actor=actor,
                verb="delete",
                object_type=RiskImport._meta.label_lower,
                object_repr=_("uploaded files of finished risk list imports"),
                after={"files": forgotten, "older_than_days": KEEP_FILES_FOR.days},
            )
    return forgotten


# ---- the template -------------------------------------------------------------------------------


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        base = {"bold": True, "bg_color": "#DCE6F1", "border": 1, "align": "center", "valign": "vcenter"}
        self.header = workbook.add_format(base | {"text_wrap": True})
        self.required = workbook.add_format(base | {"text_wrap": True, "font_color": "#C00000"})
        self.extra = workbook.add_format(base | {"text_wrap": True, "bg_color": "#EDEDED"})
        self.key = workbook.add_format({"italic": True, "font_color": "#808080", "bg_color": "#F2F2F2"})
        self.text = workbook.add_format({"num_format": "@", "valign": "top"})
        self.wrap = workbook.add_format({"num_format": "@", "valign": "top", "text_wrap": True})
        self.number = workbook.add_format({"valign": "top"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        self.example = workbook.add_format({"num_format": "@", "font_color": "#808080", "italic": True})
        self.example_wrap = workbook.add_format(
            {"num_format": "@", "font_color": "#808080", "italic": True, "text_wrap": True}
        )
        self.bold = workbook.add_format({"bold": True, "font_size": 12})


def _header_rows(sheet: Any, formats: _Formats, columns: tuple[Column, ...]) -> None:
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
    formats = _Formats(workbook)
    sheet = workbook.add_worksheet(DATA_SHEET)
    _header_rows(sheet, formats, TEMPLATE_COLUMNS)
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
    formats: _Formats,
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
    for row, cells in enumerate(lines):
        style = formats.bold if len(cells) == 1 else formats.header if row == 3 else None
        for at, value in enumerate(cells):
            notes.write_string(row, at, str(value), style)
    return (sector_start, len(sectors)) if sectors else None


# ---- export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    file: IO[bytes]  # a temporary file at its start; closing it removes it
    rows: int
    file_name: str


def export_queryset(*, actor: Any, params: Mapping[str, Any]) -> QuerySet[RiskPoint]:
    """The list page's queryset: scope, then RiskPointFilterSet (bad values raise FieldErrors)."""
    points: QuerySet[RiskPoint] = filter_or_raise(
        RiskPointFilterSet, params, selectors.risk_point_list(actor=actor)
    ).order_by("division_id", "enterprise_id", "name", "id")
    return points


def _number_or_blank(text: Any) -> float | str:
    if _blank(text):
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
            text = _normal(measure.description)
            triple = (measure.responsible_post, measure.responsible_name, measure.frequency)
            if triple != default:
                text += f"【{triple[0]}/{triple[1]}/{FREQUENCY_NAMES.get(triple[2], triple[2])}】"
            lines.append(text)
        if lines:
            # New lines separate measures; a single measure holding ； ends with one, so it stays whole.
            joined = "\n".join(lines)
            cells[f"measure_{kind}"] = joined + "\n" if len(lines) == 1 and _MEASURE_SPLIT.search(joined) else joined
    return cells


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment, SHANGHAI).replace(tzinfo=None) if moment else None


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
        "last_assessed_at": _local(point.last_assessed_at),
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


def _write_cell(sheet: Any, row: int, at: int, value: Any, formats: _Formats, key: str) -> None:
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        sheet.write_datetime(row, at, value, formats.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(row, at, datetime.combine(value, time.min), formats.date)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, at, value, formats.number)
    else:
        sheet.write_string(row, at, str(value), formats.wrap if key in WRAPPED else formats.text)


def write_export(target: IO[bytes], rows: Iterable[dict[str, Any]]) -> int:
    """The template's sheet with every point, row by row (constant memory). Returns the row count."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    formats = _Formats(workbook)
    sheet = workbook.add_worksheet(DATA_SHEET)
    _header_rows(sheet, formats, EXPORT_COLUMNS)
    count = 0
    for count, cells in enumerate(rows, 1):
        cells["index"] = count
        for at, column in enumerate(EXPORT_COLUMNS):
            _write_cell(sheet, count + 1, at, cells.get(column.key), formats, column.key)
    sheet.autofilter(0, 0, 1 + count, len(EXPORT_COLUMNS) - 1)
    workbook.close()
    return count


def used_filters(params: Mapping[str, Any]) -> dict[str, Any]:
    used: dict[str, Any] = {}
    for name in RiskPointFilterSet.base_filters:
        value = params.get(name)
        if value is None or value == "" or value == []:
            continue
        used[name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    return used


def risk_list_export(*, actor: Any, params: Mapping[str, Any]) -> Export:
    """The register as the caller sees it (scope, then the list's filters) as a 风险辨识清单 that can be
    imported again; audited with the row count and the filters (DOMAIN.md §10.2)."""
    points = export_queryset(actor=actor, params=params)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    # Written outside a transaction: a long export must not hold the database's writer lock.
    rows = write_export(target, export_rows(points))
    target.seek(0)
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="risk_point.export",
            object_type=RiskPoint._meta.label_lower,
            object_repr=_("risk identification list (xlsx)"),
            after={"rows": rows, "filters": used_filters(params), "format": "xlsx"},
        )
    now = timezone.localtime(timezone.now(), SHANGHAI)
    return Export(file=target, rows=rows, file_name=f"{TITLE}-{now:%Y%m%d}.xlsx")

"""The enterprise spreadsheet: one column list shared by the template, the export and the reader, so an
export can be filled in, corrected and imported again.

Row 1 holds the Chinese headers offices read, row 2 the English keys (the reader skips it), and the
template's row 3 an example whose name starts with EXAMPLE_MARK (skipped as well). Columns are found by
their header, Chinese or English, so their order does not matter and extra columns are ignored.

python-calamine reads (fast, but every number comes back as a float and a date as `date`, so each
column is converted explicitly by its kind); xlsxwriter writes, in constant-memory mode for exports.
"""

import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Literal

import xlsxwriter
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeloop.core.xlsx import (
    EXAMPLE_MARK,
    XLSX_CONTENT_TYPE,
    CellError,
    FileProblem,
    SheetRow,
    cell_code,
    cell_text,
    data_rows,
    is_blank,
    looks_like_xlsx,
    read_table,
    write_notes,
)
from safeloop.orgs.choices import EnterpriseFlag, EnterpriseScale
from safeloop.orgs.models import Enterprise
from safeloop.orgs.validators import uscc_check_char

__all__ = ["EXAMPLE_MARK", "XLSX_CONTENT_TYPE", "CellError", "FileProblem", "SheetRow", "looks_like_xlsx"]

DATA_SHEET = "企业"
NOTES_SHEET = "填写说明"
MAX_ROWS = 50_000
MAX_UNPACKED_BYTES = 400 * 1024 * 1024  # a 20 MB upload that unpacks beyond this is refused (zip bomb)

Kind = Literal["text", "code", "number", "integer", "list", "scale"]


@dataclass(frozen=True)
class Column:
    key: str  # the English key (header row 2) and the enterprise_create field it feeds
    header: str  # the Chinese header offices see
    kind: Kind
    required: bool = False
    width: int = 14
    note: Promise | str = ""


COLUMNS: tuple[Column, ...] = (
    Column("name", "企业名称", "text", True, 32),
    Column("uscc", "统一社会信用代码", "code", True, 22, gettext_lazy("18 characters (GB 32100); type it as text.")),
    Column(
        "sectors",
        "行业领域",
        "list",
        True,
        20,
        gettext_lazy("Sector names or codes from the list on the second sheet, separated by 、 or a comma."),
    ),
    Column("address", "地址", "text", False, 32),
    Column("lon", "经度", "number", True, 12, gettext_lazy("WGS-84 decimal degrees, as a phone's map shows them.")),
    Column("lat", "纬度", "number", True, 12, gettext_lazy("WGS-84 decimal degrees.")),
    Column(
        "division_code",
        "所属区划代码",
        "code",
        False,
        16,
        gettext_lazy("Optional: found from the location. Needed only outside every grid (a 9- or 12-digit code)."),
    ),
    Column(
        "grid_code",
        "网格编码",
        "code",
        False,
        18,
        gettext_lazy("Optional: found from the location. Give it only to assign another grid, with a reason."),
    ),
    Column(
        "grid_override_reason",
        "网格调整理由",
        "text",
        False,
        20,
        gettext_lazy("Required when the grid code differs from the grid the location lies in."),
    ),
    Column("principal_name", "主要负责人", "text", False, 12),
    Column("principal_phone", "负责人电话", "code", False, 14),
    Column("safety_officer_name", "安全管理人员", "text", False, 12),
    Column("safety_officer_phone", "安全员电话", "code", False, 14),
    Column("scale", "规模", "scale", False, 8, gettext_lazy("大型, 中型, 小型 or 微型; empty means 小型.")),
    Column("employees", "从业人数", "integer", False, 10),
    Column(
        "flags",
        "标记",
        "list",
        False,
        24,
        gettext_lazy("Optional, from the list on the second sheet, separated by 、 or a comma."),
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

SCALE_NAMES: dict[str, str] = {
    EnterpriseScale.LARGE.value: "大型",
    EnterpriseScale.MEDIUM.value: "中型",
    EnterpriseScale.SMALL.value: "小型",
    EnterpriseScale.MICRO.value: "微型",
}
FLAG_NAMES: dict[str, str] = {
    EnterpriseFlag.MAJOR_HAZARD_SOURCE.value: "重大危险源",
    EnterpriseFlag.CROWDED_PLACE.value: "人员密集场所",
    EnterpriseFlag.CONFINED_SPACE.value: "有限空间",
    EnterpriseFlag.DUST_EXPLOSION.value: "粉尘涉爆",
    EnterpriseFlag.LIQUID_AMMONIA.value: "涉氨制冷",
    EnterpriseFlag.KEY_FIRE_UNIT.value: "消防安全重点单位",
}
# Accepted spellings: the Chinese name or the code.
SCALE_BY_NAME = {name: code for code, name in SCALE_NAMES.items()} | {code: code for code in SCALE_NAMES}
FLAG_BY_NAME = {name: code for code, name in FLAG_NAMES.items()} | {code: code for code in FLAG_NAMES}

# Where an error on an enterprise_create field is shown in the sheet.
FIELD_COLUMNS = {column.key: column.header for column in COLUMNS} | {
    "location.lon": "经度",
    "location.lat": "纬度",
    "location": "经度、纬度",
}
COLUMN_FIELDS = {"lon": "location.lon", "lat": "location.lat"}
LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")


_POSITIONS = {column.header: index for index, column in enumerate(COLUMNS)} | {"经度、纬度": 4}


def column_position(header: str) -> int:
    """Where a column stands in the template, for sorting errors the way the sheet reads."""
    return _POSITIONS.get(header, len(COLUMNS))


def column_for_field(field_name: str) -> str:
    return FIELD_COLUMNS.get(field_name, "")


def field_for_column(key: str) -> str:
    return COLUMN_FIELDS.get(key, key)


# ---- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    rows: list[SheetRow]
    columns: list[str] = field(default_factory=list)  # keys of the columns found


def _header_key(value: Any) -> str | None:
    text = str(value).strip().replace("*", "").replace("＊", "").strip() if value is not None else ""
    for column in COLUMNS:
        if text in (column.header, column.key):
            return column.key
    return None


def read_sheet(content: bytes) -> Sheet:
    """The data rows of an uploaded workbook, by column key; raises FileProblem for the whole file."""
    table = read_table(content, sheet=DATA_SHEET, max_unpacked_bytes=MAX_UNPACKED_BYTES)
    header_at = next((i for i, cells in enumerate(table) if any(is_blank(c) is False for c in cells)), None)
    if header_at is None:
        raise FileProblem(_("The workbook is empty."))
    positions: dict[str, int] = {}
    for index, value in enumerate(table[header_at]):
        key = _header_key(value)
        if key is not None and key not in positions:
            positions[key] = index
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise FileProblem(
            _("The first row must hold the template's headers; missing: %(columns)s. Download the template.")
            % {"columns": "、".join(missing)}
        )
    rows = data_rows(
        table,
        header_at,
        positions,
        first_key="name",
        max_rows=MAX_ROWS,
        too_many=_("A file may hold at most %(max)s enterprises; split it.") % {"max": f"{MAX_ROWS:,}"},
        none=_("The workbook has no enterprise rows below the headers."),
    )
    return Sheet(rows=rows, columns=list(positions))


def _number(value: Any, header: str) -> float | None:
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            number = math.nan
    if not math.isfinite(number):
        raise CellError(
            _("%(column)s must be a number in decimal degrees, not “%(value)s”.")
            % {"column": header, "value": cell_text(value)}
        )
    return number


def _integer(value: Any) -> int | None:
    if is_blank(value):
        return None
    try:
        number = float(value) if not isinstance(value, str) else float(value.strip())
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not number.is_integer():
        raise CellError(_("Must be a whole number of people, not “%(value)s”.") % {"value": cell_text(value)})
    return int(number)


def _tokens(value: Any) -> list[str]:
    return [t for t in LIST_SEPARATORS.split(cell_text(value)) if t]


def row_data(row: SheetRow, *, sectors: Mapping[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """enterprise_create input from one row, and the cells that could not be converted as
    (column key, message). `sectors` maps codes, Chinese and lower-case English names to codes;
    unknown names pass through so that the service names them in its error."""
    data: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in row.cells.items():
        column = COLUMN_BY_KEY[key]
        try:
            if column.kind == "text":
                data[key] = cell_text(value)
            elif column.kind == "code":
                data[key] = cell_code(value)
            elif column.kind == "number":
                data[key] = _number(value, column.header)
            elif column.kind == "integer":
                number = _integer(value)
                if number is not None:
                    data[key] = number
            elif column.kind == "scale":
                token = cell_text(value)
                if token:
                    data[key] = SCALE_BY_NAME.get(token, SCALE_BY_NAME.get(token.lower(), token))
            elif key == "sectors":
                data[key] = [sectors.get(t, sectors.get(t.lower(), t)) for t in _tokens(value)]
            else:
                data[key] = [FLAG_BY_NAME.get(t, FLAG_BY_NAME.get(t.lower(), t)) for t in _tokens(value)]
        except CellError as exc:
            problems.append((key, str(exc)))
    return data, problems


# ---- writing -------------------------------------------------------------------------------------


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
        self.required = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "font_color": "#C00000"})
        self.key = workbook.add_format({"italic": True, "font_color": "#808080", "bg_color": "#F2F2F2"})
        self.text = workbook.add_format({"num_format": "@"})
        self.example = workbook.add_format({"num_format": "@", "font_color": "#808080", "italic": True})
        self.example_number = workbook.add_format({"font_color": "#808080", "italic": True})
        self.title = workbook.add_format({"bold": True, "font_size": 12})


def _data_sheet(workbook: xlsxwriter.Workbook, formats: _Formats) -> Any:
    sheet = workbook.add_worksheet(DATA_SHEET)
    for index, column in enumerate(COLUMNS):
        text_column = column.kind in ("text", "code", "list", "scale")
        sheet.set_column(index, index, column.width, formats.text if text_column else None)
    for index, column in enumerate(COLUMNS):
        sheet.write_string(0, index, column.header, formats.required if column.required else formats.header)
        if column.note:
            sheet.write_comment(0, index, f"{column.key}: {column.note}", {"x_scale": 2, "y_scale": 1.5})
    for index, column in enumerate(COLUMNS):
        sheet.write_string(1, index, column.key, formats.key)
    sheet.freeze_panes(2, 1)
    return sheet


def _write_row(sheet: Any, row: int, values: list[Any], text: Any, number: Any | None = None) -> None:
    for index, (column, value) in enumerate(zip(COLUMNS, values, strict=True)):
        if value is None or value == "":
            continue
        if column.kind in ("number", "integer") and isinstance(value, int | float):
            sheet.write_number(row, index, value, number)
        else:
            sheet.write_string(row, index, str(value), text)


def example_uscc() -> str:
    body = "91360602MA35ABCD1"
    return body + uscc_check_char(body)


EXAMPLE_ROW = (
    f"{EXAMPLE_MARK}鹰潭市某某化工有限公司", "", "危化品、消防", "鹰潭市月湖区某某路1号", 117.035, 28.235, "", "", "",
    "张三", "13800000000", "李四", "13900000000", "小型", 35, "重大危险源",
)  # fmt: skip


def template_bytes(sectors: Iterable[tuple[str, str, str]]) -> bytes:
    """The import template: headers, an example row and a sheet of valid sectors, scales and flags.
    `sectors` are (code, Chinese name, English name)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = _Formats(workbook)
    sheet = _data_sheet(workbook, formats)
    example = list(EXAMPLE_ROW)
    example[1] = example_uscc()
    _write_row(sheet, 2, example, formats.example, formats.example_number)
    keys = [c.key for c in COLUMNS]
    last = MAX_ROWS + 2
    scale_at = keys.index("scale")
    sheet.data_validation(2, scale_at, last, scale_at, {"validate": "list", "source": list(SCALE_NAMES.values())})
    for key, (low, high) in (("lon", (73, 136)), ("lat", (3, 54))):
        at = keys.index(key)
        rule = {"validate": "decimal", "criteria": "between", "minimum": low, "maximum": high}
        sheet.data_validation(2, at, last, at, rule)
    _notes_sheet(workbook, formats, list(sectors))
    workbook.close()
    return buffer.getvalue()


def _notes_sheet(workbook: xlsxwriter.Workbook, formats: _Formats, sectors: list[tuple[str, str, str]]) -> None:
    notes = workbook.add_worksheet(NOTES_SHEET)
    for index, width in enumerate((18, 22, 90)):
        notes.set_column(index, index, width)
    how = _("Fill in one enterprise per row from row 3; rows whose name starts with %(mark)s are skipped.")
    lines: list[tuple[Any, ...]] = [
        (_("How to fill in the enterprise template"),),
        (how % {"mark": EXAMPLE_MARK} + " " + _("Red headers are required."),),
        (),
        ("列 Column", "key", "说明 Notes"),
        *((c.header, c.key, ("必填 " if c.required else "") + str(c.note)) for c in COLUMNS),
        (),
        ("行业领域 " + _("Sectors"),),
        *((name_zh, code, name_en) for code, name_zh, name_en in sectors),
        (),
        ("规模 " + _("Scale"),),
        *((name, code, str(EnterpriseScale(code).label)) for code, name in SCALE_NAMES.items()),
        (),
        ("标记 " + _("Flags"),),
        *((name, code, str(EnterpriseFlag(code).label)) for code, name in FLAG_NAMES.items()),
    ]
    write_notes(notes, lines, title=formats.title, header=formats.header)


def enterprise_row(enterprise: Enterprise) -> list[Any]:
    """An enterprise as a template row (sectors prefetched), so the export can be imported again."""
    return [
        enterprise.name,
        enterprise.uscc,
        "、".join(s.name_zh for s in enterprise.sectors.all()),
        enterprise.address,
        enterprise.lon,
        enterprise.lat,
        enterprise.division_id,
        enterprise.grid_id or "",
        enterprise.grid_override_reason,
        enterprise.principal_name,
        enterprise.principal_phone,
        enterprise.safety_officer_name,
        enterprise.safety_officer_phone,
        SCALE_NAMES.get(enterprise.scale, enterprise.scale),
        enterprise.employees,
        "、".join(FLAG_NAMES.get(f, f) for f in enterprise.flags or []),
    ]


def write_export(target: IO[bytes], enterprises: Iterable[Enterprise]) -> int:
    """Write enterprises in the template's columns, row by row (constant memory); returns the row count."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    formats = _Formats(workbook)
    sheet = _data_sheet(workbook, formats)
    count = 0
    for count, enterprise in enumerate(enterprises, 1):
        _write_row(sheet, count + 1, enterprise_row(enterprise), formats.text)
    workbook.close()
    return count

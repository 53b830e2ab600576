"""What the xlsx templates, imports and exports (enterprises, hazard ledgers, risk lists) share: reading an
upload safely, finding its header row, converting cells, writing cells and the audited export.

python-calamine reads (fast, but every number comes back as a float and a date as `date`, so each column
is converted explicitly by its kind); xlsxwriter writes, in constant-memory mode for exports."""

import io
import math
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

import xlsxwriter
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from safeloop.core import audit

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHANGHAI = ZoneInfo("Asia/Shanghai")
EXAMPLE_MARK = "【示例】"  # a template's example row starts with it; the reader skips such rows


class FileProblem(Exception):
    """The file as a whole cannot be read as the template (reported on the `file` field)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CellError(ValueError):
    """One cell cannot be converted; the message names the problem (reported on its row and column)."""


RowError = dict[str, Any]  # {"row": number, "column": header, "field": key, "message": …}


class HasHeader(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def header(self) -> str: ...


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number Excel shows
    cells: dict[str, Any]  # column key → raw calamine value


# ---- reading -------------------------------------------------------------------------------------


def looks_like_xlsx(content: bytes) -> bool:
    """Content sniffing: an xlsx file is a zip holding xl/workbook.xml, whatever its name says."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def read_table(content: bytes, *, sheet: str, max_unpacked_bytes: int) -> list[list[Any]]:
    """The cells of the sheet named `sheet` (else the first one). Raises FileProblem for a file that is
    not a workbook, unpacks beyond `max_unpacked_bytes` (a zip bomb) or cannot be read."""
    if not looks_like_xlsx(content):
        raise FileProblem(
            _("This is not an xlsx workbook. Save the file as Excel Workbook (*.xlsx) and upload it again.")
        )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if sum(info.file_size for info in archive.infolist()) > max_unpacked_bytes:
            raise FileProblem(_("The workbook is too large when unpacked; split it into several files."))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        name = sheet if sheet in workbook.sheet_names else workbook.sheet_names[0]
        table: list[list[Any]] = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except (CalamineError, IndexError, ValueError) as exc:
        raise FileProblem(_("The workbook cannot be read (%(problem)s).") % {"problem": exc}) from exc
    return table


def header_key(value: Any, columns: Iterable[HasHeader], aliases: Mapping[str, str]) -> str | None:
    """The column key a header cell names: its Chinese header or English key (spaces and a required
    column's * ignored), or one of the other spellings in `aliases`."""
    if value is None:
        return None
    text = re.sub(r"[\s*＊]", "", str(value))
    if not text:
        return None
    for column in columns:
        if text in (column.header, column.key):
            return column.key
    return aliases.get(text)


def find_headers(
    table: list[list[Any]], key_of: Callable[[Any], str | None], *, search_rows: int
) -> tuple[int, dict[str, int]] | None:
    """(index, column key → position) of the first of the top `search_rows` rows naming at least three
    columns: offices put titles and 填报单位 lines above their headers."""
    for index, cells in enumerate(table[:search_rows]):
        found: dict[str, int] = {}
        for at, value in enumerate(cells):
            key = key_of(value)
            if key is not None and key not in found:
                found[key] = at
        if len(found) >= 3:
            return index, found
    return None


def data_rows(
    table: list[list[Any]],
    header_at: int,
    positions: Mapping[str, int],
    *,
    first_key: str,
    max_rows: int,
    too_many: str,
    none: str,
) -> list[SheetRow]:
    """The rows below the headers by column key, without blank ones (a pre-printed 序号 alone is blank),
    the row of English keys and example rows (`first_key`'s cell starts with EXAMPLE_MARK). Raises
    FileProblem(`too_many`) beyond `max_rows` rows and FileProblem(`none`) when there is no row."""
    rows: list[SheetRow] = []
    for index in range(header_at + 1, len(table)):
        cells = table[index]
        values = {key: cells[at] if at < len(cells) else "" for key, at in positions.items()}
        if all(is_blank(v) for key, v in values.items() if key != "index"):
            continue
        first = str(values[first_key]).strip()
        if index == header_at + 1 and first == first_key:
            continue  # the English key row
        if first.startswith(EXAMPLE_MARK):
            continue
        rows.append(SheetRow(number=index + 1, cells=values))
        if len(rows) > max_rows:
            raise FileProblem(too_many)
    if not rows:
        raise FileProblem(none)
    return rows


# ---- cells ---------------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def cell_code(value: Any) -> str:
    """Codes and phone numbers typed into a number cell come back as floats: whole ones below 2**53
    are exact, longer ones (an all-digit 18-character USCC) have lost digits already."""
    if isinstance(value, float) and not isinstance(value, bool):
        if not value.is_integer() or abs(value) >= 2**53:
            raise CellError(
                _("This was stored as a number and has lost digits; format the column as text and type it again.")
            )
        return str(int(value))
    return cell_text(value).replace(" ", "")


def cell_degrees(value: Any) -> float | None:
    """A longitude or latitude in decimal degrees; None for an empty cell."""
    if is_blank(value):
        return None
    try:
        number = float(value) if not isinstance(value, str) else float(value.strip())
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise CellError(_("Must be a number in decimal degrees, not “%(value)s”.") % {"value": cell_text(value)})
    return number


class RowCheck:
    """The errors of one row, collected while its cells are converted and checked; `error` makes one
    (row number, column key, message) as the sheet names it."""

    def __init__(self, row: SheetRow, error: Callable[[int, str, str], RowError]) -> None:
        self.row = row
        self.cells = row.cells
        self.errors: list[RowError] = []
        self._error = error

    def fail(self, key: str, message: Any) -> None:
        self.errors.append(self._error(self.row.number, key, str(message)))

    def convert(self, key: str, parse: Callable[[Any], Any]) -> Any:
        """The cell of `key` converted by `parse`; None (and the error) when it cannot be."""
        try:
            return parse(self.cells.get(key))
        except CellError as exc:
            self.fail(key, str(exc))
            return None

    def choice(self, key: str, names: Mapping[str, str], unknown: str) -> str:
        """A required cell naming one of `names` (as written, or in lower case): its code, or "" after
        an error. `unknown` says what to write instead of another value (“%(value)s”)."""
        text = cell_text(self.cells.get(key))
        code = names.get(text, names.get(text.lower(), ""))
        if not text:
            self.fail(key, _("This column is required."))
        elif not code:
            self.fail(key, unknown % {"value": text})
        return code


def local_time(moment: datetime | None) -> datetime | None:
    """An aware time as the naive Asia/Shanghai time a sheet shows."""
    return timezone.localtime(moment, SHANGHAI).replace(tzinfo=None) if moment else None


# ---- writing -------------------------------------------------------------------------------------


class Formats:
    """The cell formats every workbook uses; a workbook's own class adds the ones it alone needs."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
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
        self.key = workbook.add_format({"italic": True, "font_color": "#808080", "bg_color": "#F2F2F2"})
        self.text = workbook.add_format({"num_format": "@", "valign": "top"})
        self.wrap = workbook.add_format({"num_format": "@", "valign": "top", "text_wrap": True})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        self.example = workbook.add_format({"num_format": "@", "font_color": "#808080", "italic": True})
        self.bold = workbook.add_format({"bold": True, "font_size": 12})
        self.number = workbook.add_format({"valign": "top"})


def write_cell(sheet: Any, row: int, at: int, value: Any, formats: Formats, *, wrap: bool = False) -> None:
    """One exported value by its type; an empty one is not written (it costs nothing)."""
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        sheet.write_datetime(row, at, value, formats.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(row, at, datetime.combine(value, time.min), formats.date)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, at, value, formats.number)
    else:
        sheet.write_string(row, at, str(value), formats.wrap if wrap else formats.text)


def write_notes(sheet: Any, lines: list[tuple[Any, ...]], *, title: Any, header: Any, header_row: int = 3) -> None:
    """A notes sheet: one-cell lines are titles, `header_row` holds the column headings."""
    for row, cells in enumerate(lines):
        style = title if len(cells) == 1 else header if row == header_row else None
        for at, value in enumerate(cells):
            sheet.write_string(row, at, str(value), style)


@dataclass(frozen=True)
class Export:
    file: IO[bytes]  # a temporary file at its start; closing it removes it
    rows: int
    file_name: str


def audited_export(
    *,
    actor: Any,
    write: Callable[[IO[bytes]], int],
    verb: str,
    object_type: str,
    object_repr: str,
    filters: Mapping[str, Any],
    file_name: Callable[[], str],
) -> Export:
    """Write an export into a temporary file (`write` returns the row count) and audit it with the row
    count and the filters (DOMAIN.md §10.2: exports are audited)."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    # Written outside a transaction: a long export must not hold the database's writer lock.
    rows = write(target)
    target.seek(0)
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb=verb,
            object_type=object_type,
            object_repr=object_repr,
            after={"rows": rows, "filters": dict(filters), "format": "xlsx"},
        )
    return Export(file=target, rows=rows, file_name=file_name())


def used_filters(names: Iterable[str], params: Mapping[str, Any]) -> dict[str, Any]:
    """The filter parameters actually given, JSON-ready (for the audit row and a sheet's title)."""
    used: dict[str, Any] = {}
    for name in names:
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

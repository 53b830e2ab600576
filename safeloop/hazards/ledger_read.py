"""Reading an uploaded hazard 台账 (the template, or an office's own sheet with the same headers, found in
any of its first rows): each cell converted by its kind and each row checked without writing, every
problem named by row and column (第5行 整改期限: …). ledger.py writes the rows."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from itertools import batched
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.core.scoping import scope_for
from safeloop.core.xlsx import (
    SHANGHAI,
    CellError,
    FileProblem,
    RowCheck,
    RowError,
    SheetRow,
    cell_code,
    cell_degrees,
    cell_text,
    data_rows,
    find_headers,
    header_key,
    is_blank,
    read_table,
)
from safeloop.hazards import routing, services
from safeloop.hazards.choices import HazardSource
from safeloop.hazards.ledger_columns import (
    CLOSED,
    DATA_SHEET,
    FIELD_KEYS,
    HEADER_ALIASES,
    LEDGER_STATUS,
    LEVEL_BY_NAME,
    MAX_ROWS,
    SOURCE_BY_NAME,
    TEMPLATE_COLUMNS,
    row_error,
)
from safeloop.hazards.models import Hazard
from safeloop.orgs.models import Enterprise
from safeloop.orgs.selectors import enterprise_list

MAX_UNPACKED_BYTES = 400 * 1024 * 1024
HEADER_SEARCH_ROWS = 15  # official forms put a title and 填报单位 lines above the headers

# Who imports historical ledgers: the offices that keep them (brief of issue 3).
IMPORT_ROLES = frozenset({Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER})


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


# ---- reading an uploaded ledger ------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    rows: list[SheetRow]
    columns: list[str] = field(default_factory=list)


def read_ledger(content: bytes) -> Sheet:
    """The data rows of an uploaded ledger by column key; raises FileProblem for the whole file. The
    header row is the first of the top rows naming at least three ledger columns."""
    table = read_table(content, sheet=DATA_SHEET, max_unpacked_bytes=MAX_UNPACKED_BYTES)
    found = find_headers(
        table, lambda value: header_key(value, TEMPLATE_COLUMNS, HEADER_ALIASES), search_rows=HEADER_SEARCH_ROWS
    )
    if found is None:
        raise FileProblem(_("No row of ledger headers (隐患描述, 隐患级别, …) was found. Download the template."))
    header_at, positions = found
    missing = [c.header for c in TEMPLATE_COLUMNS if c.required and c.key not in positions]
    if missing:
        raise FileProblem(
            _("The headers row lacks: %(columns)s. Download the template.") % {"columns": "、".join(missing)}
        )
    rows = data_rows(
        table,
        header_at,
        positions,
        first_key="description",
        max_rows=MAX_ROWS,
        too_many=_("A file may hold at most %(max)s hazards; split it.") % {"max": f"{MAX_ROWS:,}"},
        none=_("The workbook has no hazard rows below the headers."),
    )
    return Sheet(rows=rows, columns=list(positions))


_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*[分秒]?)?$"
)
EXCEL_EPOCH = date(1899, 12, 30)


def cell_moment(value: Any, *, end_of_day: bool = False) -> datetime | None:
    """A cell as an aware time in Asia/Shanghai. A date alone is the start of the day, or its end for a
    deadline. calamine gives date/datetime for date cells; text and bare serial numbers are read too."""
    if is_blank(value):
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
            % {"value": cell_text(value)}
        )
    return moment.replace(tzinfo=SHANGHAI) if timezone.is_naive(moment) else moment


def ledger_status_of(value: Any) -> tuple[str, str]:
    """(the text as written, where it leads); raises CellError for an unknown status."""
    text = cell_text(value)
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


@dataclass
class CheckContext:
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


def check_row(context: CheckContext, row: SheetRow) -> tuple[LedgerRow | None, list[RowError]]:
    """Convert and check one row without writing: every problem named by row and column."""
    check = RowCheck(row, row_error)
    cells, errors, fail, convert = row.cells, check.errors, check.fail, check.convert
    required = _("This column is required.")
    code = convert("code", cell_code) or ""
    if code:
        if len(code) > 32:
            fail("code", _("At most %(n)d characters.") % {"n": 32})
        elif code in context.seen:
            fail("code", _("The same number is in row %(row)s of this file.") % {"row": context.seen[code]})
        else:
            context.seen[code] = row.number
    unit = cell_text(cells.get("unit"))[:128]
    text = cell_text(cells.get("description"))
    title, _sep, rest = text.partition("\n")
    title, rest = title.strip(), rest.strip()
    if len(title) > 120:
        title, rest = title[:119] + "…", text
    if not text:
        fail("description", required)
    level = check.choice("level", LEVEL_BY_NAME, _("Write 一般隐患 or 重大隐患, not “%(value)s”."))
    sector = check.choice("sector", context.sectors, _("Unknown sector “%(value)s”; use a name from the second sheet."))
    reported_at = convert("reported_at", cell_moment)
    if reported_at is None and is_blank(cells.get("reported_at")):
        fail("reported_at", required)
    due_at = convert("due_at", partial(cell_moment, end_of_day=True))
    verified_at = convert("verified_at", cell_moment)
    closed_at = convert("closed_at", cell_moment)
    ledger_status, kind = "", ""
    if is_blank(cells.get("status")):
        fail("status", required)
    else:
        try:
            ledger_status, kind = ledger_status_of(cells.get("status"))
        except CellError as exc:
            fail("status", str(exc))
    verifier = cell_text(cells.get("verifier"))[:64]
    source_text = cell_text(cells.get("source"))
    source = SOURCE_BY_NAME.get(source_text, "") if source_text else context.source
    if not source:
        fail("source", _("Unknown source “%(value)s”; use a name from the second sheet.") % {"value": source_text})
    uscc = (convert("uscc", cell_code) or "").upper()
    enterprise = context.enterprise(uscc) if uscc else None
    if uscc and enterprise is None:
        fail("uscc", _("No enterprise with this credit code in your area."))
    lon, lat = convert("lon", cell_degrees), convert("lat", cell_degrees)

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
        "responsible_person": cell_text(cells.get("responsible_person")),
        "measures": cell_text(cells.get("measures")),
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


def existing_codes(codes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in batched(codes, 500):
        found.update(Hazard.objects.filter(code__in=chunk).values_list("code", flat=True))
    return found

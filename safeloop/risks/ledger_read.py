"""Reading an uploaded 风险辨识清单: the rows below its headers, each cell converted by its kind, and each
row checked without writing, every problem named by row and column (第5行 L: …). The columns are in
ledger_columns.py; ledger.py runs the import."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.core.errors import FieldErrors
from safeloop.core.geo import point_in_range
from safeloop.core.scoping import scope_for
from safeloop.core.xlsx import (
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
from safeloop.hazards import routing
from safeloop.hazards.models import CriteriaItem
from safeloop.orgs.models import Enterprise
from safeloop.orgs.selectors import enterprise_list, sector_lookup
from safeloop.risks import permissions, scoring, selectors
from safeloop.risks.ledger_columns import (
    COLUMN_BY_KEY,
    DATA_SHEET,
    EXPORT_COLUMNS,
    FREQUENCY_BY_NAME,
    HEADER_ALIASES,
    KIND_BY_NAME,
    MAX_ROWS,
    MEASURE_KINDS,
    MEASURE_SPLIT,
    MEASURE_SUFFIX,
    METHOD_BY_NAME,
    NO_WORDS,
    PERSON,
    REQUIRED_KEYS,
    TIER_KEYS,
    YES_WORDS,
    row_error,
)
from safeloop.risks.models import RiskPoint

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a 5 MB upload that unpacks beyond this is refused (zip bomb)
HEADER_SEARCH_ROWS = 10

# Who imports: whoever may keep risk points somewhere (permissions.may_create decides each row).
IMPORT_ROLES = permissions.GOVERNMENT_EDITORS | {Role.ENTERPRISE_OFFICER}


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


def read_list(content: bytes) -> list[SheetRow]:
    """The data rows of an uploaded list by column key; raises FileProblem for the whole file. The header
    row is the first of the top rows naming at least three of the template's columns."""
    table = read_table(content, sheet=DATA_SHEET, max_unpacked_bytes=MAX_UNPACKED_BYTES)
    found = find_headers(
        table, lambda value: header_key(value, EXPORT_COLUMNS, HEADER_ALIASES), search_rows=HEADER_SEARCH_ROWS
    )
    if found is None:
        raise FileProblem(_("No row of headers (风险点名称, 类型, 行业领域, …) was found. Download the template."))
    header_at, positions = found
    missing = [COLUMN_BY_KEY[key].header for key in REQUIRED_KEYS if key not in positions]
    if missing:
        raise FileProblem(
            _("The headers row lacks: %(columns)s. Download the template.") % {"columns": "、".join(missing)}
        )
    return data_rows(
        table,
        header_at,
        positions,
        first_key="name",
        max_rows=MAX_ROWS,
        too_many=_("A file may hold at most %(max)s risk points; split it into several files.")
        % {"max": f"{MAX_ROWS:,}"},
        none=_("The workbook has no risk point rows below the headers."),
    )


# ---- converting cells ---------------------------------------------------------------------------


def factor_text(value: Any) -> str:
    """A factor cell as the text the scoring reads: 3.0 → "3", 0.5 → "0.5"; other text unchanged."""
    if is_blank(value):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return format(Decimal(repr(float(value))).normalize(), "f")
        except InvalidOperation:
            return cell_text(value)
    text = cell_text(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    return format(number.normalize(), "f") if number.is_finite() else text


def _person(value: Any) -> tuple[str, str]:
    """ "张三 13900000000" → (name, phone); a cell without a phone number is all name."""
    text = cell_text(value)
    match = PERSON.match(text)
    if match and match["name"].strip():
        return match["name"].strip(), match["phone"]
    return text, ""


def normal_text(text: str) -> str:
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
    text = "" if is_blank(value) else str(value)
    parts = text.split("\n") if "\n" in text else MEASURE_SPLIT.split(text)
    lines: list[tuple[str, tuple[str, str, str] | None]] = []
    for part in parts:
        line = part.strip()
        if not line:
            continue
        match = MEASURE_SUFFIX.search(line)
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


@dataclass
class CheckContext:
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


def check_context(actor: Any) -> CheckContext:
    return CheckContext(
        actor=actor,
        sectors=sector_lookup(),
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


def check_row(context: CheckContext, row: SheetRow) -> tuple[ListRow | None, list[RowError]]:
    """Convert and check one row without writing: every problem named by row and column."""
    check = RowCheck(row, row_error)
    cells, errors, fail, convert = row.cells, check.errors, check.fail, check.convert

    def limited(key: str, limit: int) -> str:
        value = cell_text(cells.get(key))
        if len(value) > limit:
            fail(key, _("At most %(limit)s characters.") % {"limit": limit})
        return value

    required = _("This column is required.")
    name = limited("name", 120)
    if not name:
        fail("name", required)
    kind = check.choice("kind", KIND_BY_NAME, _("Write 设施, 部位, 场所, 区域 or 作业活动, not “%(value)s”."))
    sector = check.choice("sector", context.sectors, _("Unknown sector “%(value)s”; use a name from the second sheet."))
    address = limited("address", 200)
    accident_types = limited("accident_types", 200)

    # The enterprise, or a public area.
    uscc = (convert("uscc", cell_code) or "").upper()
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
    lon, lat = convert("lon", cell_degrees), convert("lat", cell_degrees)
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
        if is_blank(cells.get(tier_key)):
            continue
        someone, phone = _person(cells.get(tier_key))
        if len(someone) > 64:
            fail(tier_key, _("At most %(limit)s characters.") % {"limit": 64})
        responsible.append({"tier": tier, "name": someone, "phone": phone})

    # The assessment.
    method_text = cell_text(cells.get("method"))
    method = METHOD_BY_NAME.get(method_text.upper(), METHOD_BY_NAME.get(method_text, ""))
    if not method_text:
        fail("method", required)
    elif not method:
        fail("method", _("Write LEC or LS, not “%(value)s”.") % {"value": method_text})
    inherent = {factor: factor_text(cells.get(factor)) for factor in ("l", "e", "c", "s")}
    residual = {factor: factor_text(cells.get(f"residual_{factor}")) for factor in ("l", "e", "c", "s")}
    if method:
        factor_errors = FieldErrors()
        scoring.clean_factors(method, inherent, factor_errors)
        if any(residual[factor] for factor in scoring.FACTORS[method]):
            scoring.clean_factors(method, residual, factor_errors, prefix="residual.")
        for problem in factor_errors.errors:
            fail(problem["field"].replace("residual.", "residual_"), problem["message"])
    criteria_code = cell_text(cells.get("criteria_item"))
    if criteria_code and criteria_code not in context.criteria:
        fail("criteria_item", _("Unknown criteria item: %(code)s") % {"code": criteria_code})
    source_text = cell_text(cells.get("major_hazard_source"))
    major_source = source_text.lower() in YES_WORDS
    if source_text and not major_source and source_text.lower() not in NO_WORDS:
        fail("major_hazard_source", _("Write 是 or 否, not “%(value)s”.") % {"value": source_text})
    reason = limited("override_reason", 200)

    # Control measures: the row's post, person and frequency unless a line names its own.
    post = limited("responsible_post", 64)
    person = limited("responsible_name", 64)
    frequency_text = cell_text(cells.get("frequency"))
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

"""API v1 schemas for the risk register (DESIGN.md "Contracts": `POST /risks/evaluate` answers at least
`score` and `level`; `GET /risk-points` lists points as `{"items", "count"}`).

Input fields the services check themselves (factors, choices, places, people) are typed loosely, so a
bad value is answered with the service's own message naming the field (400), not pydantic's (422).
Scores and factors go out as JSON numbers (126, 0.05), never as strings."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from safeloop.risks import config, permissions
from safeloop.risks.models import CheckTask, ControlMeasure, RiskAssessment, RiskBandTable, RiskPoint

Number = int | float


def number(value: Any) -> Number | None:
    """126.00 → 126, 0.05 → 0.05; None and "" stay None."""
    if value is None or value == "":
        return None
    decimal = value if isinstance(value, Decimal) else Decimal(str(value))
    return int(decimal) if decimal == decimal.to_integral_value() else float(decimal)


def numbers(factors: Any) -> dict[str, Number | None] | None:
    if not isinstance(factors, dict):
        return None
    return {name: number(value) for name, value in factors.items()}


# ---- evaluate ---------------------------------------------------------------------------------


class EvaluateIn(Schema):
    """LEC: `l`, `e`, `c` from their discrete values; L×S: `l`, `s` on 1–5. Numbers or numeric strings."""

    method: Any = Field(None, description="lec | ls")
    sector: Any = Field(None, description="Sector code; its band table if it has its own, else the method's.")
    l: Any = Field(None, description="LEC: 0.1, 0.2, 0.5, 1, 3, 6, 10. L×S: 1–5.")  # noqa: E741
    e: Any = Field(None, description="LEC only: 0.5, 1, 2, 3, 6, 10.")
    c: Any = Field(None, description="LEC only: 1, 3, 7, 15, 40, 100.")
    s: Any = Field(None, description="L×S only: 1–5.")


class EvaluateOut(Schema):
    method: str
    table: str = Field(description="Code of the band table used (GET /risk-band-tables).")
    factors: dict[str, Number]
    score: Number
    level: str = Field(description="major | significant | general | low")
    colour: str
    numeral: str


# ---- risk points ------------------------------------------------------------------------------


class LocationOut(Schema):
    lon: float
    lat: float


class ResponsibleOut(Schema):
    tier: str
    name: str
    phone: str = ""


class RiskPointOut(Schema):
    id: UUID = Field(alias="uuid")
    code: str
    name: str
    kind: str
    sector: str = Field(alias="sector_id")
    description: str
    accident_types: str
    address: str
    enterprise_id: UUID | None
    enterprise_name: str | None
    division_code: str = Field(alias="division_id")
    grid_code: str | None = Field(alias="grid_id")
    location: LocationOut
    polygon: dict[str, Any] | None
    method: str
    inherent_score: Number | None
    inherent_level: str
    residual_score: Number | None
    residual_level: str
    assessed_level: str
    current_level: str
    colour: str
    numeral: str
    raised_reason: str
    control_level: str
    override_reason: str
    last_assessed_at: datetime | None
    next_review_at: date | None
    reassess_reason: str
    responsible: list[ResponsibleOut]
    active: bool
    version: int
    can_edit: bool

    @staticmethod
    def resolve_enterprise_id(obj: RiskPoint) -> UUID | None:
        return obj.enterprise.uuid if obj.enterprise_id and obj.enterprise else None

    @staticmethod
    def resolve_enterprise_name(obj: RiskPoint) -> str | None:
        return obj.enterprise.name if obj.enterprise_id and obj.enterprise else None

    @staticmethod
    def resolve_location(obj: RiskPoint) -> dict[str, float]:
        return {"lon": obj.lon, "lat": obj.lat}

    @staticmethod
    def resolve_inherent_score(obj: RiskPoint) -> Number | None:
        return number(obj.inherent_score)

    @staticmethod
    def resolve_residual_score(obj: RiskPoint) -> Number | None:
        return number(obj.residual_score)

    @staticmethod
    def resolve_responsible(obj: RiskPoint) -> list[dict[str, Any]]:
        return [entry for entry in obj.responsible or [] if isinstance(entry, dict)]

    @staticmethod
    def resolve_can_edit(obj: RiskPoint, context: dict[str, Any]) -> bool:
        return permissions.can_edit(context["request"].user, obj)


class RiskPointQuery(Schema):
    """The filters of the register list (`RiskPointFilterSet`, shared with the HTML list and the map)."""

    q: str | None = Field(None, description="Code, name, address, possible accidents or enterprise name.")
    level: list[str] | None = Field(None, description="Current level; repeat for several.")
    sector: str | None = None
    kind: str | None = Field(None, description="facility | part | place | area | activity")
    division: str | None = Field(None, description="Division code: everything inside it.")
    grid: str | None = None
    enterprise: str | None = Field(None, description="Enterprise id (UUID).")
    public: bool | None = Field(None, description="true: public-area points only; false: enterprises' only.")
    reassess: bool | None = Field(None, description="Re-assessment needed (true) or not (false).")
    reassess_reason: str | None = None
    raised: bool | None = Field(None, description="Current level raised by an open linked hazard.")
    include_inactive: bool = Field(False, description="Also list retired points.")


class _PointFieldsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Any = Field(None, description="≤ 120 characters.")
    kind: Any = Field(None, description="facility | part | place | area | activity")
    sector: Any = Field(None, description="Sector code, e.g. gas, fire, campus.")
    description: Any = None
    accident_types: Any = Field(None, description="Possible accidents, e.g. 火灾、爆炸.")
    address: Any = None
    responsible: Any = Field(
        None, description='People by tier: [{"tier": "company", "name": "…", "phone": "…"}], one per tier.'
    )
    location: Any = Field(None, description='{"lon", "lat"} (WGS-84).')
    lon: Any = None
    lat: Any = None
    polygon: Any = Field(None, description="A GeoJSON Polygon (WGS-84) for an area; its centre places the point.")


class RiskPointCreateIn(_PointFieldsIn):
    enterprise_id: Any = Field(
        None, description="The enterprise the point belongs to; none for a public area. Its location is the default."
    )


class RiskPointPatchIn(_PointFieldsIn):
    version: Any = Field(None, description="The version read; a stale one is refused with 409.")
    active: bool | None = Field(None, description="false retires the point (its history stays); true restores it.")


# ---- assessments ------------------------------------------------------------------------------


class AssessIn(Schema):
    """Factors inside `inherent` (errors then name `inherent.l`, …) or flat (`l`, `e`, `c` / `l`, `s`)."""

    model_config = ConfigDict(extra="forbid")

    method: Any = Field(None, description="lec | ls")
    inherent: Any = Field(None, description='Factors before controls: {"l", "e", "c"} or {"l", "s"}.')
    l: Any = None  # noqa: E741
    e: Any = None
    c: Any = None
    s: Any = None
    residual: Any = Field(None, description="Factors with the controls in place (optional).")
    criteria_item: Any = Field(None, description="Code of a matched 重大事故隐患判定标准 item: the level is major.")
    major_hazard_source: Any = Field(None, description="true when a 重大危险源 is involved: the level is major.")
    override_reason: Any = Field(None, description="Why it is judged major directly (default: the ground).")
    note: Any = None
    version: Any = Field(None, description="The point's version read; a stale one is refused with 409.")


class AssessmentOut(Schema):
    assessed_at: datetime
    assessed_by: str = Field(alias="assessed_by_name")
    method: str
    table: str
    inherent_factors: dict[str, Number | None]
    inherent_score: Number
    inherent_level: str
    residual_factors: dict[str, Number | None] | None
    residual_score: Number | None
    residual_level: str
    criteria_item: str | None
    major_hazard_source: bool
    override_reason: str
    level: str
    colour: str
    note: str

    @staticmethod
    def resolve_table(obj: RiskAssessment) -> str:
        return obj.table.code

    @staticmethod
    def resolve_inherent_factors(obj: RiskAssessment) -> dict[str, Number | None]:
        return numbers(obj.inherent_factors) or {}

    @staticmethod
    def resolve_inherent_score(obj: RiskAssessment) -> Number | None:
        return number(obj.inherent_score)

    @staticmethod
    def resolve_residual_factors(obj: RiskAssessment) -> dict[str, Number | None] | None:
        return numbers(obj.residual_factors)

    @staticmethod
    def resolve_residual_score(obj: RiskAssessment) -> Number | None:
        return number(obj.residual_score)

    @staticmethod
    def resolve_criteria_item(obj: RiskAssessment) -> str | None:
        return obj.criteria_item.code if obj.criteria_item_id and obj.criteria_item else None

    @staticmethod
    def resolve_colour(obj: RiskAssessment) -> str:
        return config.colour(obj.level)


class AssessmentCreatedOut(AssessmentOut):
    point: RiskPointOut


# ---- control measures and checks ---------------------------------------------------------------


class MeasureIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Any = Field(None, description="engineering | management | training | protective | emergency")
    description: Any = None
    responsible_post: Any = Field(None, description="The post that checks it, e.g. 巡检工.")
    responsible_name: Any = None
    frequency: Any = Field(None, description="daily | weekly | monthly | quarterly | yearly")


class MeasurePatchIn(MeasureIn):
    active: Any = Field(None, description="false stops its checks; true schedules them again.")


class MeasureOut(Schema):
    id: UUID = Field(alias="uuid")
    point_id: UUID
    kind: str
    kind_label: str
    description: str
    responsible_post: str
    responsible_name: str
    frequency: str
    active: bool

    @staticmethod
    def resolve_point_id(obj: ControlMeasure) -> UUID:
        return obj.point.uuid

    @staticmethod
    def resolve_kind_label(obj: ControlMeasure) -> str:
        return str(obj.get_kind_display())


class CheckQuery(Schema):
    status: str | None = Field(None, description="open | passed | failed | missed")
    open: bool | None = Field(None, description="true: still to be checked; false: recorded or missed.")
    due_before: date | None = Field(None, description="Due on or before this day.")
    point: UUID | None = Field(None, description="Checks of one risk point.")


class CheckOut(Schema):
    id: UUID = Field(alias="uuid")
    status: str
    due_on: date
    point_id: UUID
    point_code: str
    point_name: str
    measure_id: UUID
    measure_kind: str
    measure: str
    responsible_post: str
    checked_by: str | None
    checked_at: datetime | None
    note: str
    hazard_id: UUID | None
    hazard_code: str | None
    can_record: bool

    @staticmethod
    def resolve_point_id(obj: CheckTask) -> UUID:
        return obj.point.uuid

    @staticmethod
    def resolve_point_code(obj: CheckTask) -> str:
        return obj.point.code

    @staticmethod
    def resolve_point_name(obj: CheckTask) -> str:
        return obj.point.name

    @staticmethod
    def resolve_measure_id(obj: CheckTask) -> UUID:
        return obj.measure.uuid

    @staticmethod
    def resolve_measure_kind(obj: CheckTask) -> str:
        return obj.measure.kind

    @staticmethod
    def resolve_measure(obj: CheckTask) -> str:
        return obj.measure.description

    @staticmethod
    def resolve_responsible_post(obj: CheckTask) -> str:
        return obj.measure.responsible_post

    @staticmethod
    def resolve_checked_by(obj: CheckTask) -> str | None:
        return obj.checked_by.get_username() if obj.checked_by_id and obj.checked_by else None

    @staticmethod
    def resolve_hazard_id(obj: CheckTask) -> UUID | None:
        return obj.hazard.uuid if obj.hazard_id and obj.hazard else None

    @staticmethod
    def resolve_hazard_code(obj: CheckTask) -> str | None:
        return obj.hazard.code if obj.hazard_id and obj.hazard else None

    @staticmethod
    def resolve_can_record(obj: CheckTask, context: dict[str, Any]) -> bool:
        return obj.status == "open" and permissions.can_check(context["request"].user, obj)


class CheckRecordIn(Schema):
    """`result` passed | failed. A failed check needs a note and reports a hazard linked to the point;
    the hazard fields (`title`, `level`, `criteria_item`, `level_reason`, `category`, `due_at`) are optional."""

    model_config = ConfigDict(extra="forbid")

    result: Any = Field(None, description="passed | failed")
    note: Any = None
    title: Any = None
    level: Any = None
    criteria_item: Any = None
    level_reason: Any = None
    category: Any = None
    due_at: Any = None


# ---- re-assessment, linked hazards, band tables ------------------------------------------------


class ReassessIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Any = Field(None, description="accident | change")
    note: Any = Field(None, description="What happened or changed (≤ 200 characters).")


class HazardLinkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    hazard_id: Any = Field(None, description="The hazard's id (UUID) or code.")


class LinkedHazardOut(Schema):
    id: UUID
    code: str
    title: str
    status: str
    level: str
    linked_at: datetime
    check_id: UUID | None


class BandUseOut(Schema):
    method: str
    sector: str | None = Field(description="null: every sector without a table of its own.")


class BandTableOut(Schema):
    code: str
    method: str
    title: str
    major_from: Number
    significant_from: Number
    general_from: Number
    confidence: str
    source: str
    used_by: list[BandUseOut]

    @staticmethod
    def resolve_major_from(obj: RiskBandTable) -> Number | None:
        return number(obj.major_from)

    @staticmethod
    def resolve_significant_from(obj: RiskBandTable) -> Number | None:
        return number(obj.significant_from)

    @staticmethod
    def resolve_general_from(obj: RiskBandTable) -> Number | None:
        return number(obj.general_from)

    @staticmethod
    def resolve_used_by(obj: RiskBandTable) -> list[dict[str, Any]]:
        uses = sorted(obj.settings.all(), key=lambda s: (s.sector_id is not None, s.sector_id or ""))
        return [{"method": use.method, "sector": use.sector_id} for use in uses]

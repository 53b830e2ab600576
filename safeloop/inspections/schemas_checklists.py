"""API shapes of checklists and inspections (DESIGN.md "Contracts": `GET /api/v1/checklists?sector=`)."""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema


class ChecklistItemOut(Schema):
    id: int
    position: int
    text: str
    basis: str
    answer_type: str
    required: bool
    min_value: float | None
    max_value: float | None
    finding_needs_photo: bool
    finding_creates_hazard: bool
    hazard_level: str
    hazard_category: str
    criteria_item: str | None = Field(None, alias="criteria_item_code")


class ChecklistOut(Schema):
    id: UUID = Field(..., alias="uuid")
    code: str
    version: int
    is_current: bool
    sector: str = Field(..., alias="sector_id")
    title: str
    description: str
    items: list[ChecklistItemOut]


class ChecklistQuery(Schema):
    sector: str | None = None
    code: str | None = None
    all_versions: bool = False


class ChecklistPage(Schema):
    items: list[ChecklistOut]
    count: int


class InspectionQuery(Schema):
    kind: str | None = None
    status: str | None = None
    sector: str | None = None
    division: str | None = None
    campaign: UUID | None = None
    enterprise: UUID | None = None
    date_from: str | None = None
    date_to: str | None = None


class AnswerOut(Schema):
    item: int = Field(..., alias="item_position")
    text: str = Field(..., alias="item_text")
    choice: str
    number: float | None
    answer_text: str = Field(..., alias="text")
    note: str
    is_finding: bool
    has_photo: bool
    hazard: str | None = Field(None, alias="hazard_code")


class InspectionOut(Schema):
    id: UUID = Field(..., alias="uuid")
    kind: str
    unannounced: bool
    status: str
    template: str = Field(..., alias="template_code")
    template_version: int
    sector: str = Field(..., alias="sector_id")
    division: str = Field(..., alias="division_id")
    grid: str | None = Field(None, alias="grid_id")
    enterprise: UUID | None = Field(None, alias="enterprise_uuid")
    enterprise_name: str | None = None
    campaign: UUID | None = Field(None, alias="campaign_uuid")
    lon: float
    lat: float
    address: str
    started_at: datetime
    submitted_at: datetime | None
    findings: int
    signed_by: str
    refused_to_sign: bool


class InspectionDetailOut(InspectionOut):
    answers: list[AnswerOut]


class InspectionPage(Schema):
    items: list[InspectionOut]
    count: int

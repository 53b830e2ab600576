"""API v1 schemas for hazards (DESIGN.md "Contracts": a hazard has at least id, code, title, status,
level, sector, source, division_code, grid_code, territorial_unit, industry_department,
enterprise_id, due_at, overdue, allowed_actions)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from safeloop.hazards.choices import HazardLevel, HazardSource, HazardStatus
from safeloop.hazards.models import Hazard, HazardPhoto
from safeloop.hazards.permissions import allowed_actions


class LocationIn(Schema):
    lon: float
    lat: float


class HazardCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="What is wrong, in a line (≤ 120 characters).")
    sector: str = Field(description="Sector code, e.g. gas, fire, campus.")
    description: str = ""
    category: str | None = Field(None, description="thing | act | management | environment (16号令 Art. 3).")
    level: HazardLevel | None = Field(None, description="general | major; a direct criteria item makes it major.")
    level_reason: str = ""
    criteria_item: str | None = Field(None, description="Code of the matched 重大事故隐患判定标准 item.")
    source: HazardSource | None = Field(None, description="Defaults from the reporter's role.")
    lon: float | None = None
    lat: float | None = None
    location: LocationIn | None = None
    address: str = ""
    enterprise_id: UUID | None = None
    responsible_person: str = ""
    responsible_phone: str = ""
    measures: str = ""
    reported_at: datetime | None = Field(None, description="When it was found (default: now).")
    due_at: datetime | None = Field(None, description="Rectification deadline (default: the deadline table).")


class ActionIn(Schema):
    """Body of POST /hazards/{id}/actions/{action}; which fields matter depends on the action."""

    model_config = ConfigDict(extra="allow")

    note: str = ""
    photo_ids: list[str] = []


class NearbyOut(Schema):
    id: UUID = Field(alias="uuid")
    code: str
    title: str
    status: str


class HazardOut(Schema):
    id: UUID = Field(alias="uuid")
    code: str
    title: str
    description: str
    status: HazardStatus
    status_label: str
    level: HazardLevel
    sector: str = Field(alias="sector_id")
    category: str
    source: HazardSource
    criteria_item: str | None
    location: dict[str, float]
    address: str
    division_code: str = Field(alias="division_id")
    grid_code: str | None = Field(alias="grid_id")
    territorial_unit: str
    industry_department: str | None
    industry_department_id: UUID | None
    enterprise_id: UUID | None
    enterprise_name: str | None
    rectifier_name: str
    responsible_person: str
    measures: str
    reported_at: datetime
    due_at: datetime | None
    overdue: bool
    escalation_tier: int
    closed_at: datetime | None
    suspended: bool
    listing_level: str
    supervising_unit: str
    listing_deadline: date | None
    acceptance_due_at: datetime | None
    duplicate_of: str | None
    allowed_actions: list[str]

    @staticmethod
    def resolve_status_label(obj: Hazard) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_criteria_item(obj: Hazard) -> str | None:
        return obj.criteria_item.code if obj.criteria_item_id and obj.criteria_item else None

    @staticmethod
    def resolve_location(obj: Hazard) -> dict[str, float]:
        return {"lon": obj.lon, "lat": obj.lat}

    @staticmethod
    def resolve_industry_department(obj: Hazard) -> str | None:
        return obj.industry_department.name if obj.industry_department else None

    @staticmethod
    def resolve_industry_department_id(obj: Hazard) -> UUID | None:
        return obj.industry_department.uuid if obj.industry_department else None

    @staticmethod
    def resolve_enterprise_id(obj: Hazard) -> UUID | None:
        return obj.enterprise.uuid if obj.enterprise else None

    @staticmethod
    def resolve_enterprise_name(obj: Hazard) -> str | None:
        return obj.enterprise.name if obj.enterprise else None

    @staticmethod
    def resolve_duplicate_of(obj: Hazard) -> str | None:
        return obj.duplicate_of.code if obj.duplicate_of_id and obj.duplicate_of else None

    @staticmethod
    def resolve_allowed_actions(obj: Hazard, context: dict[str, Any]) -> list[str]:
        return allowed_actions(context["request"].user, obj)


class HazardCreatedOut(HazardOut):
    possible_duplicates: list[NearbyOut] = []


class EventOut(Schema):
    at: datetime
    action: str
    actor: str = Field(alias="actor_name")
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]


class PhotoOut(Schema):
    id: UUID = Field(alias="uuid")
    kind: str
    content_type: str
    width: int
    height: int
    location: dict[str, float] | None
    url: str

    @staticmethod
    def resolve_location(obj: HazardPhoto) -> dict[str, float] | None:
        return {"lon": obj.lon, "lat": obj.lat} if obj.lon is not None and obj.lat is not None else None

    @staticmethod
    def resolve_url(obj: HazardPhoto) -> str:
        from django.urls import reverse

        return reverse("hazards:photo", args=[obj.uuid])


class HazardQuery(Schema):
    status: list[HazardStatus] | None = None
    level: HazardLevel | None = None
    sector: str | None = None
    division: str | None = None
    source: HazardSource | None = None
    overdue: bool | None = None
    open: bool | None = None
    q: str | None = None
    enterprise: UUID | None = None
    grid: str | None = None
    reported_from: date | None = None
    reported_to: date | None = None


class CriteriaItemOut(Schema):
    code: str
    document: str
    sector: str
    article: str
    judgement: str
    text: str
    confidence: str


class PenaltyIn(Schema):
    decided_on: date
    decision_no: str
    authority: str
    amount: float | None = None
    description: str = ""

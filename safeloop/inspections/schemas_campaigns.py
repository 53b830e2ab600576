"""API shapes of the 大排查大整治 campaigns (DESIGN.md "Contracts": `GET /api/v1/campaigns`, each with
`progress: {"targeted", "inspected", "hazards"}`)."""

from datetime import date
from typing import Any
from uuid import UUID

from ninja import Schema


class ProgressOut(Schema):
    targeted: int
    inspected: int
    hazards: int
    rectified: int
    overdue: int


class ProgressRowOut(ProgressOut):
    code: str
    name: str


class CampaignOut(Schema):
    id: UUID
    code: str
    name: str
    status: str
    starts_on: date
    ends_on: date
    division_code: str
    sectors: list[str]
    progress: ProgressOut


class TaskOut(Schema):
    id: UUID
    title: str
    division_code: str | None
    department: str | None
    assignee: str | None
    due_on: date
    status: str
    overdue: bool


class CampaignDetailOut(CampaignOut):
    description: str
    templates: list[str]
    target_filter: dict[str, Any]
    by_division: list[ProgressRowOut]
    by_sector: list[ProgressRowOut]
    tasks: list[TaskOut]


class CampaignIn(Schema):
    name: str = ""
    description: str = ""
    starts_on: str = ""
    ends_on: str = ""
    division: str = ""
    sectors: list[str] = []
    templates: list[str] = []
    target_filter: dict[str, Any] = {}

"""API v1 schemas for grid patrols: check-ins in and out, and the coverage rows.

Input fields the service checks itself (numbers, times, ids) are typed loosely, so a bad value is
answered with the service's own message naming the field (400), not pydantic's (422)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class CheckInIn(Schema):
    id: Any = Field(None, description="A UUID made by the client (offline queue); a replay answers the same check-in.")
    lon: Any = Field(None, description="WGS-84 longitude.")
    lat: Any = Field(None, description="WGS-84 latitude.")
    accuracy_m: Any = Field(None, description="GPS accuracy in metres.")
    at: Any = Field(None, description="When (client time, ISO 8601); default now. At most 7 days old.")
    grid: Any = Field(None, description="Grid code; default the caller's own grid.")
    enterprise_id: Any = Field(None, description="The site visited (an enterprise id in that grid).")
    note: Any = Field(None, description="At most 300 characters.")


class LocationOut(Schema):
    lon: float
    lat: float


class CheckInOut(Schema):
    id: UUID
    grid_code: str
    grid_name: str
    user: str
    location: LocationOut
    accuracy_m: float | None
    distance_m: float = Field(description="Metres from the grid's boundary when checked in (0 inside).")
    at: datetime
    enterprise_id: UUID | None
    enterprise_name: str | None
    note: str


class CheckInQuery(Schema):
    grid: str | None = Field(None, description="Grid code.")
    user: str | None = Field(None, description="Username.")
    date_from: str | None = Field(None, description="From this day (YYYY-MM-DD, inclusive).")
    date_to: str | None = Field(None, description="To this day (YYYY-MM-DD, inclusive).")
    enterprise: UUID | None = Field(None, description="Check-ins at this site.")


class CoverageQuery(Schema):
    depth: str | None = Field(None, description="6 (district), 9 (township), 12 (village) or grid.")
    division: str | None = Field(None, description="Division (or grid) code to look inside; default the whole scope.")
    days: str | None = Field(None, description="Window in days; default the configured coverage_days.")


class CoverageRowOut(Schema):
    code: str
    name: str
    visited: int
    total: int
    percent: float | None = Field(description="visited / total × 100, one decimal; null without sites.")
    last_at: datetime | None = Field(description="The latest check-in anywhere in the unit.")
    plan_met: bool | None = Field(description="Every planned grid of the unit patrolled within its frequency.")
    grids: int
    grids_met: int
    every_days: int | None = Field(description="Grid rows: the plan's frequency in days.")


class CoverageOut(Schema):
    depth: str
    division: str
    days: int
    items: list[CoverageRowOut]
    count: int
    total: CoverageRowOut

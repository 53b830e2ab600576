"""API v1 schemas for organisation data: one input and one output schema per shape. Output schemas read
model objects directly; field names are the API's (`id` is the public uuid, `division_code` the
stored code)."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from safeloop.accounts.models import mask_phone
from safeloop.orgs.choices import DivisionLevel, EnterpriseFlag, EnterpriseScale
from safeloop.orgs.models import Department, Division, Enterprise, FunctionalZone, Grid, ZoneMembership
from safeloop.orgs.selectors import ResponsibilityRow
from safeloop.orgs.services import can_edit_enterprise

# ---- divisions ----------------------------------------------------------------------------------


class DivisionQuery(Schema):
    parent: str | None = Field(None, description="Only the direct children of this division code.")
    level: DivisionLevel | None = Field(None, description="Code length: 2, 4, 6, 9 or 12.")
    q: str | None = Field(None, description="Part of the name, or the start of the code.")


class DivisionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None = Field(None, alias="parent_id")
    synthetic: bool


class DivisionCreateIn(Schema):
    code: str = Field(description="9-digit township or 12-digit village code extending `parent_code`.")
    name: str
    parent_code: str


# ---- functional zones ----------------------------------------------------------------------------


class ZoneMemberOut(Schema):
    division_code: str = Field(alias="division_id")
    division_name: str
    relation: str
    verified: bool

    @staticmethod
    def resolve_division_name(obj: ZoneMembership) -> str:
        return obj.division.name


class ZoneOut(Schema):
    code: str
    name: str
    kind: str
    managing_body: str
    parent_division_code: str = Field(alias="parent_division_id")
    members: list[ZoneMemberOut]

    @staticmethod
    def resolve_members(obj: FunctionalZone) -> list[ZoneMembership]:
        return list(obj.memberships.all())


class ZoneMemberIn(Schema):
    division_code: str
    relation: Literal["entrusted", "acting", "planned"]
    verified: bool = False


class ZoneMemberPatchIn(Schema):
    relation: Literal["entrusted", "acting", "planned"]
    verified: bool


# ---- grids --------------------------------------------------------------------------------------


class GridSaveIn(Schema):
    name: str
    geometry: dict[str, Any] = Field(description="A GeoJSON Polygon or MultiPolygon in WGS-84 lon/lat.")
    grid_type: Literal["basic", "dedicated"] = "basic"


class GridQuery(Schema):
    format: Literal["json", "geojson"] = Field("json", description="`geojson` answers a FeatureCollection.")
    division: str | None = Field(None, description="Only the grids inside this division (code).")


class GridWorkerOut(Schema):
    name: str
    phone: str


class GridOut(Schema):
    code: str
    name: str
    village_code: str = Field(alias="village_id")
    grid_type: str
    workers: list[GridWorkerOut]
    geometry: dict[str, Any]

    @staticmethod
    def resolve_workers(obj: Grid) -> list[dict[str, str]]:
        return _workers(obj)


class GridPropertiesOut(Schema):
    code: str
    name: str
    village_code: str
    grid_type: str
    workers: list[GridWorkerOut]


class GridFeatureOut(Schema):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: GridPropertiesOut

    @staticmethod
    def resolve_id(obj: Grid) -> str:
        return obj.code

    @staticmethod
    def resolve_properties(obj: Grid) -> dict[str, Any]:
        return {
            "code": obj.code,
            "name": obj.name,
            "village_code": obj.village_id,
            "grid_type": obj.grid_type,
            "workers": _workers(obj),
        }


class GridFeatureCollectionOut(Schema):
    """A GeoJSON FeatureCollection of one page; `count` (a foreign member) is the total."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[GridFeatureOut]
    count: int


def _workers(grid: Grid) -> list[dict[str, str]]:
    """From `selectors.grid_list_with_workers` (prefetched as `workers`); phones masked as in every list."""
    return [{"name": str(m.user), "phone": mask_phone(m.user.phone)} for m in getattr(grid, "workers", [])]


# ---- departments, sectors and the responsibility map ---------------------------------------------


class SectorOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str


class DepartmentOut(Schema):
    id: UUID = Field(alias="uuid")
    name: str
    function: str
    level: str
    division_code: str = Field(alias="division_id")
    sectors: list[str]

    @staticmethod
    def resolve_sectors(obj: Department) -> list[str]:
        return [s.code for s in obj.sectors.all()]


class ResponsibilityRuleOut(Schema):
    """One row of the 三管三必须 map (a `selectors.ResponsibilityRow`), functions named as departments."""

    sector: str
    sector_name: str
    level: str
    lead_function: str
    lead_department: str
    co_functions: list[str]
    co_departments: list[str]
    legal_basis: str
    confidence: str

    @staticmethod
    def resolve_sector(obj: ResponsibilityRow) -> str:
        return obj.rule.sector.code

    @staticmethod
    def resolve_sector_name(obj: ResponsibilityRow) -> str:
        return obj.rule.sector.name

    @staticmethod
    def resolve_level(obj: ResponsibilityRow) -> str:
        return str(obj.rule.level)

    @staticmethod
    def resolve_lead_function(obj: ResponsibilityRow) -> str:
        return obj.lead[0]

    @staticmethod
    def resolve_lead_department(obj: ResponsibilityRow) -> str:
        return obj.lead[1]

    @staticmethod
    def resolve_co_functions(obj: ResponsibilityRow) -> list[str]:
        return [function for function, _name in obj.co]

    @staticmethod
    def resolve_co_departments(obj: ResponsibilityRow) -> list[str]:
        return [name for _function, name in obj.co]

    @staticmethod
    def resolve_legal_basis(obj: ResponsibilityRow) -> str:
        return obj.rule.legal_basis

    @staticmethod
    def resolve_confidence(obj: ResponsibilityRow) -> str:
        return str(obj.rule.confidence)


class ResolveQuery(Schema):
    sector: str = Field(description="Sector code, e.g. `gas`.")
    division: str = Field(description="Division code of the place, e.g. a 12-digit village code.")


class DepartmentRefOut(Schema):
    id: UUID = Field(alias="uuid")
    name: str
    function: str
    division_code: str = Field(alias="division_id")


class LevelDepartmentsOut(Schema):
    lead: DepartmentRefOut | None
    co: list[DepartmentRefOut]


class TerritorialUnitOut(Schema):
    kind: Literal["division", "zone"]
    code: str | None
    name: str
    managing_body: str | None

    @staticmethod
    def resolve_kind(obj: Division | FunctionalZone) -> str:
        return "zone" if isinstance(obj, FunctionalZone) else "division"

    @staticmethod
    def resolve_code(obj: Division | FunctionalZone) -> str | None:
        return obj.code if isinstance(obj, Division) else None

    @staticmethod
    def resolve_managing_body(obj: Division | FunctionalZone) -> str | None:
        return obj.managing_body if isinstance(obj, FunctionalZone) else None


class ResolveOut(Schema):
    sector: str
    division: str
    territorial_unit: TerritorialUnitOut | None
    city: LevelDepartmentsOut | None
    county: LevelDepartmentsOut | None


# ---- enterprises --------------------------------------------------------------------------------


class EnterpriseQuery(Schema):
    """The filters of `safeloop.orgs.filters.EnterpriseFilterSet` (the HTML list uses the same)."""

    q: str | None = Field(None, description="Part of the name or address, or the whole USCC.")
    division: str | None = Field(None, description="Division code; everything inside it.")
    grid: str | None = Field(None, description="Grid code.")
    sector: str | None = Field(None, description="Sector code.")
    scale: EnterpriseScale | None = None
    flag: EnterpriseFlag | None = None
    active: bool | None = None


class LocationIn(Schema):
    lon: float = Field(description="WGS-84 longitude in decimal degrees.")
    lat: float = Field(description="WGS-84 latitude in decimal degrees.")


class LocationOut(Schema):
    lon: float
    lat: float


class _EnterpriseFieldsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    location: LocationIn | None = Field(
        None, description="Required on create. The division and grid are derived from it unless given."
    )
    address: str | None = Field(None, max_length=200)
    division_code: str | None = Field(None, description="Needed only where the location lies outside every grid.")
    grid_code: str | None = Field(None, description="Only to override the grid the location lies in.")
    grid_override_reason: str | None = Field(None, max_length=200, description="Required with `grid_code`.")
    principal_name: str | None = Field(None, max_length=64)
    principal_phone: str | None = Field(None, max_length=20)
    safety_officer_name: str | None = Field(None, max_length=64)
    safety_officer_phone: str | None = Field(None, max_length=20)
    scale: EnterpriseScale | None = None
    employees: int | None = Field(None, ge=0)
    flags: list[EnterpriseFlag] | None = None


class EnterpriseCreateIn(_EnterpriseFieldsIn):
    name: str = Field(max_length=128)
    uscc: str = Field(max_length=18, description="Unified social credit code (GB 32100, 18 characters).")
    sectors: list[str] = Field(description="Sector codes, at least one.")


class EnterprisePatchIn(_EnterpriseFieldsIn):
    """Only the fields sent are changed. An enterprise officer may change contacts, address and staff numbers."""

    name: str | None = Field(None, max_length=128)
    uscc: str | None = Field(None, max_length=18)
    sectors: list[str] | None = None
    active: bool | None = None


# Service data keys → API field names, for the errors a service names by its own keys.
API_FIELD = {
    "lon": "location.lon",
    "lat": "location.lat",
    "division": "division_code",
    "division_id": "division_code",
    "grid": "grid_code",
    "grid_id": "grid_code",
}


def enterprise_data(payload: _EnterpriseFieldsIn) -> dict[str, Any]:
    """The service's `data` from an input schema: only the fields sent, the location as lon/lat."""
    data = payload.model_dump(mode="json", exclude_unset=True)
    if "location" in data:
        location = data.pop("location") or {}
        data["lon"], data["lat"] = location.get("lon"), location.get("lat")
    return data


class EnterpriseOut(Schema):
    """Phone numbers are masked unless the caller may edit the enterprise."""

    id: UUID = Field(alias="uuid")
    name: str
    uscc: str
    division_code: str = Field(alias="division_id")
    division_name: str
    grid_code: str | None = Field(alias="grid_id")
    grid_override_reason: str
    sectors: list[str]
    location: LocationOut
    address: str
    scale: EnterpriseScale
    employees: int | None
    flags: list[str]
    principal_name: str
    principal_phone: str
    safety_officer_name: str
    safety_officer_phone: str
    active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_division_name(obj: Enterprise) -> str:
        return obj.division.name

    @staticmethod
    def resolve_sectors(obj: Enterprise) -> list[str]:
        return [s.code for s in obj.sectors.all()]

    @staticmethod
    def resolve_location(obj: Enterprise) -> dict[str, float]:
        return {"lon": obj.lon, "lat": obj.lat}

    @staticmethod
    def resolve_principal_phone(obj: Enterprise, context: dict[str, Any]) -> str:
        return _phone(obj, obj.principal_phone, context)

    @staticmethod
    def resolve_safety_officer_phone(obj: Enterprise, context: dict[str, Any]) -> str:
        return _phone(obj, obj.safety_officer_phone, context)


def _phone(enterprise: Enterprise, phone: str, context: dict[str, Any] | None) -> str:
    request = (context or {}).get("request")
    actor = getattr(request, "user", None)
    return phone if phone and may_edit(actor, enterprise) else mask_phone(phone)


def may_edit(actor: Any, enterprise: Enterprise) -> bool:
    """Whoever may edit an enterprise (its territory's editors, its own officers) sees its contacts whole."""
    return actor is not None and can_edit_enterprise(actor, enterprise)

"""API v1 for organisation data: divisions, grids, departments, sectors, the responsibility map and
enterprises. Every endpoint parses its input, calls one selector or service with `actor=`, and renders;
scope decides what exists (outside it → 404, an empty list), the service decides what is allowed."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from safeloop.api.lists import paged
from safeloop.api.schemas import Page, PageIn, errors
from safeloop.core.errors import FieldErrors
from safeloop.core.filtering import filter_or_raise
from safeloop.orgs import selectors, services
from safeloop.orgs.filters import EnterpriseFilterSet
from safeloop.orgs.schemas import (
    API_FIELD,
    DepartmentOut,
    DivisionCreateIn,
    DivisionOut,
    DivisionQuery,
    EnterpriseCreateIn,
    EnterpriseOut,
    EnterprisePatchIn,
    EnterpriseQuery,
    GridFeatureCollectionOut,
    GridFeatureOut,
    GridOut,
    GridQuery,
    GridSaveIn,
    ResolveOut,
    ResolveQuery,
    ResponsibilityRuleOut,
    SectorOut,
    ZoneMemberIn,
    ZoneMemberPatchIn,
    ZoneOut,
    enterprise_data,
)

router = Router(tags=["organisation"])

# ---- divisions and grids ------------------------------------------------------------------------


@router.get("/divisions", response={200: Page[DivisionOut], **errors(401, 422)}, tags=["divisions and grids"])
def division_list(request: HttpRequest, page: Query[PageIn], filters: Query[DivisionQuery]) -> Any:
    """Divisions inside the caller's territories and the ancestors that lead to them (GB/T 2260 codes)."""
    return paged(selectors.division_search(actor=request.user, **filters.model_dump()), page)


@router.get("/divisions/{code}", response={200: DivisionOut, **errors(401, 404)}, tags=["divisions and grids"])
def division_detail(request: HttpRequest, code: str) -> Any:
    return selectors.division_get(actor=request.user, code=code)


@router.post("/divisions", response={201: DivisionOut, **errors(400, 401, 403, 422)}, tags=["divisions and grids"])
def division_create(request: HttpRequest, payload: DivisionCreateIn) -> Any:
    """Add a township or village below a division in the tree (editors of that territory)."""
    division = services.division_create(actor=request.user, **payload.model_dump())
    return Status(201, division)


@router.get(
    "/grids",
    response={200: Page[GridOut] | GridFeatureCollectionOut, **errors(401, 422)},
    tags=["divisions and grids"],
)
def grid_list(request: HttpRequest, page: Query[PageIn], query: Query[GridQuery]) -> Any:
    """The caller's grids, paged; `format=geojson` answers a GeoJSON FeatureCollection of the page."""
    result = paged(selectors.grid_search(actor=request.user, division=query.division), page)
    if query.format == "geojson":
        return {"type": "FeatureCollection", "features": result["items"], "count": result["count"]}
    return result


@router.get("/grids/{code}", response={200: GridFeatureOut, **errors(401, 404)}, tags=["divisions and grids"])
def grid_detail(request: HttpRequest, code: str) -> Any:
    """One grid as a GeoJSON Feature (properties: code, name, village_code, grid_type, workers)."""
    return selectors.grid_get(actor=request.user, code=code)


@router.put("/grids/{code}", response={200: GridFeatureOut, **errors(400, 401, 403, 422)}, tags=["divisions and grids"])
def grid_save(request: HttpRequest, code: str, payload: GridSaveIn) -> Any:
    """Create or replace a grid: a valid polygon that overlaps no neighbour, under a village in the tree."""
    services.grid_save(actor=request.user, code=code, **payload.model_dump())
    return selectors.grid_get(actor=request.user, code=code)


# ---- functional zones ----------------------------------------------------------------------------


@router.get("/zones", response={200: Page[ZoneOut], **errors(401, 422)}, tags=["divisions and grids"])
def zone_list(request: HttpRequest, page: Query[PageIn]) -> Any:
    """高新区、风景区、新区 with their member townships; unverified memberships need review (DOMAIN.md §9.1)."""
    return paged(selectors.zone_list(actor=request.user).order_by("name"), page)


@router.post(
    "/zones/{code}/members", response={201: ZoneOut, **errors(400, 401, 403, 404, 422)}, tags=["divisions and grids"]
)
def zone_member_add(request: HttpRequest, code: str, payload: ZoneMemberIn) -> Any:
    zone = selectors.zone_get(actor=request.user, code=code)
    services.zone_membership_add(actor=request.user, zone=zone, **payload.model_dump())
    return Status(201, selectors.zone_get(actor=request.user, code=code))


@router.patch(
    "/zones/{code}/members/{division_code}",
    response={200: ZoneOut, **errors(400, 401, 403, 404, 422)},
    tags=["divisions and grids"],
)
def zone_member_update(request: HttpRequest, code: str, division_code: str, payload: ZoneMemberPatchIn) -> Any:
    zone = selectors.zone_get(actor=request.user, code=code)
    membership = zone.memberships.get(division_id=division_code)
    services.zone_membership_set(actor=request.user, membership=membership, **payload.model_dump())
    return selectors.zone_get(actor=request.user, code=code)


@router.delete(
    "/zones/{code}/members/{division_code}", response={204: None, **errors(401, 403, 404)}, tags=["divisions and grids"]
)
def zone_member_remove(request: HttpRequest, code: str, division_code: str) -> Any:
    zone = selectors.zone_get(actor=request.user, code=code)
    services.zone_membership_remove(actor=request.user, membership=zone.memberships.get(division_id=division_code))
    return Status(204, None)


# ---- departments, sectors, the responsibility map -----------------------------------------------


@router.get("/departments", response={200: Page[DepartmentOut], **errors(401, 422)}, tags=["responsibility"])
def department_list(request: HttpRequest, page: Query[PageIn]) -> Any:
    return paged(selectors.department_list(actor=request.user).order_by("division_id", "name"), page)


@router.get("/sectors", response={200: Page[SectorOut], **errors(401, 422)}, tags=["responsibility"])
def sector_list(request: HttpRequest, page: Query[PageIn]) -> Any:
    return paged(selectors.sector_list(actor=request.user), page)


@router.get(
    "/responsibility-map", response={200: Page[ResponsibilityRuleOut], **errors(401, 422)}, tags=["responsibility"]
)
def responsibility_map(request: HttpRequest, page: Query[PageIn]) -> Any:
    """三管三必须: for each sector and level, the lead department and the co-departments."""
    return paged(selectors.responsibility_rows(actor=request.user), page)


@router.get(
    "/responsibility-map/resolve", response={200: ResolveOut, **errors(400, 401, 404, 422)}, tags=["responsibility"]
)
def responsibility_resolve(request: HttpRequest, query: Query[ResolveQuery]) -> Any:
    """Who answers for a sector at a place: the territorial unit and the city's and county's departments."""
    return selectors.responsibility_resolve(actor=request.user, sector_code=query.sector, division_code=query.division)


# ---- enterprises --------------------------------------------------------------------------------


@router.get("/enterprises", response={200: Page[EnterpriseOut], **errors(400, 401, 422)}, tags=["enterprises"])
def enterprise_list(request: HttpRequest, page: Query[PageIn], filters: Query[EnterpriseQuery]) -> Any:
    enterprises = (
        selectors.enterprise_list(actor=request.user)
        .select_related("division")
        .prefetch_related("sectors")
        .order_by("name", "pk")
    )
    return paged(filter_or_raise(EnterpriseFilterSet, filters.model_dump(), enterprises), page)


@router.get("/enterprises/{uuid:id}", response={200: EnterpriseOut, **errors(401, 404)}, tags=["enterprises"])
def enterprise_detail(request: HttpRequest, id: UUID) -> Any:
    return selectors.enterprise_get(actor=request.user, uuid=id)


@router.post("/enterprises", response={201: EnterpriseOut, **errors(400, 401, 403, 422)}, tags=["enterprises"])
def enterprise_create(request: HttpRequest, payload: EnterpriseCreateIn) -> Any:
    """Division and grid follow from the location unless given; a district officer adds only in its district."""
    with _api_field_names():
        return Status(201, services.enterprise_create(actor=request.user, data=enterprise_data(payload)))


@router.patch(
    "/enterprises/{uuid:id}", response={200: EnterpriseOut, **errors(400, 401, 403, 404, 422)}, tags=["enterprises"]
)
def enterprise_update(request: HttpRequest, id: UUID, payload: EnterprisePatchIn) -> Any:
    enterprise = selectors.enterprise_get(actor=request.user, uuid=id)
    with _api_field_names():
        return services.enterprise_update(actor=request.user, enterprise=enterprise, data=enterprise_data(payload))


@router.delete("/enterprises/{uuid:id}", response={204: None, **errors(401, 403, 404)}, tags=["enterprises"])
def enterprise_deactivate(request: HttpRequest, id: UUID) -> Any:
    """Deactivates the enterprise (it stays on record, `active: false`); nothing is deleted."""
    enterprise = selectors.enterprise_get(actor=request.user, uuid=id)
    services.enterprise_deactivate(actor=request.user, enterprise=enterprise)
    return Status(204, None)


@contextmanager
def _api_field_names() -> Iterator[None]:
    """Errors a service names by its own data keys (`lon`, `division`) are renamed to the API's fields."""
    try:
        yield
    except FieldErrors as exc:
        for error in exc.errors:
            error["field"] = API_FIELD.get(error["field"], error["field"])
        raise

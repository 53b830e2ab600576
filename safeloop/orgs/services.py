"""Writes for organisation data. Each checks the actor's right inside its scope, validates every
field (naming it), writes, and records its audit row in the same transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safeloop.accounts.choices import ORG_EDITORS, Role
from safeloop.core import audit
from safeloop.core.errors import FieldErrors
from safeloop.core.geo import GeometryError, point_in_range, polygon_from_geojson
from safeloop.core.scoping import scope_for
from safeloop.orgs import validators
from safeloop.orgs.choices import DivisionLevel, EnterpriseFlag, EnterpriseScale, ZoneRelation
from safeloop.orgs.models import (
    Department,
    Division,
    Enterprise,
    FunctionalZone,
    Grid,
    ResponsibilityRule,
    Sector,
    ZoneMembership,
)
from safeloop.orgs.selectors import grid_for_point

ENTERPRISE_FIELDS = (
    "name",
    "uscc",
    "address",
    "lon",
    "lat",
    "division",
    "grid",
    "grid_override_reason",
    "principal_name",
    "principal_phone",
    "safety_officer_name",
    "safety_officer_phone",
    "scale",
    "employees",
    "flags",
    "active",
)
ENTERPRISE_EDITABLE = frozenset(ENTERPRISE_FIELDS) - {"division", "grid"} | {"sectors", "division_code", "grid_code"}
OWN_ENTERPRISE_EDITABLE = frozenset(
    {"address", "principal_name", "principal_phone", "safety_officer_name", "safety_officer_phone", "employees"}
)


class NotAllowed(PermissionError):
    """The actor may see the object but not do this to it (→ 403 with the reason)."""


def can_edit_territory(actor: Any, division_code: str) -> bool:
    scope = scope_for(actor)
    if scope.has_role(Role.SYS_ADMIN):
        return True
    return any(
        grant.role in ORG_EDITORS and grant.division_prefix and division_code.startswith(grant.division_prefix)
        for grant in scope.grants
    )


def can_edit_reference_data(actor: Any) -> bool:
    """The responsibility map and functional zones are the city's: its office or a system admin edits them."""
    return scope_for(actor).has_role(Role.SYS_ADMIN, Role.CITY_OFFICE)


def is_own_enterprise(actor: Any, enterprise: Enterprise) -> bool:
    return any(grant.enterprise_id == enterprise.pk for grant in scope_for(actor).grants)


def enterprise_editable_fields(actor: Any, enterprise: Enterprise | None) -> frozenset[str]:
    """The input fields this actor may change on this enterprise (or on a new one when None):
    everything for its territory's editors, contacts only for its own officers, nothing otherwise."""
    if enterprise is None:
        return ENTERPRISE_EDITABLE if scope_for(actor).has_role(*ORG_EDITORS) else frozenset()
    if can_edit_territory(actor, enterprise.division_id):
        return ENTERPRISE_EDITABLE
    return OWN_ENTERPRISE_EDITABLE if is_own_enterprise(actor, enterprise) else frozenset()


def can_edit_enterprise(actor: Any, enterprise: Enterprise) -> bool:
    return bool(enterprise_editable_fields(actor, enterprise))


def _enterprise_snapshot(enterprise: Enterprise) -> dict[str, Any]:
    data = audit.snapshot(enterprise, ENTERPRISE_FIELDS)
    data["sectors"] = sorted(enterprise.sectors.values_list("code", flat=True)) if enterprise.pk else []
    return data


def _clean_enterprise(data: dict[str, Any], errors: FieldErrors, current: Enterprise | None) -> dict[str, Any]:
    """Validate enterprise input and derive division and grid from the location."""
    clean: dict[str, Any] = {}
    if "name" in data or current is None:
        name = (data.get("name") or "").strip()
        if not name:
            errors.add("name", _("This field is required."))
        clean["name"] = name
    if "uscc" in data or current is None:
        uscc = (data.get("uscc") or "").strip().upper()
        try:
            validators.validate_uscc(uscc)
        except ValidationError as exc:
            errors.add("uscc", exc.messages[0])
        else:
            others = Enterprise.objects.filter(uscc=uscc)
            taken = (others.exclude(pk=current.pk) if current else others).exists()
            if taken:
                errors.add("uscc", _("An enterprise with this unified social credit code exists already."))
        clean["uscc"] = uscc
    if "sectors" in data or current is None:
        codes = list(dict.fromkeys(data.get("sectors") or []))
        known = dict(Sector.objects.filter(code__in=codes).values_list("code", "pk"))
        if not codes:
            errors.add("sectors", _("Choose at least one sector."))
        for code in codes:
            if code not in known:
                errors.add("sectors", _("Unknown sector code: %(code)s") % {"code": code})
        clean["sectors"] = [known[c] for c in codes if c in known]
    if "scale" in data and data["scale"] not in EnterpriseScale.values:
        errors.add("scale", _("Unknown scale."))
    if "flags" in data:
        flags = list(data.get("flags") or [])
        for flag in flags:
            if flag not in EnterpriseFlag.values:
                errors.add("flags", _("Unknown flag: %(flag)s") % {"flag": flag})
        clean["flags"] = flags
    for name in (
        "address",
        "principal_name",
        "principal_phone",
        "safety_officer_name",
        "safety_officer_phone",
        "scale",
        "employees",
        "active",
        "grid_override_reason",
    ):
        if name in data:
            clean[name] = (
                data[name] if data[name] is not None else ("" if name not in {"employees", "active"} else None)
            )
    if clean.get("employees") is not None and (not isinstance(clean["employees"], int) or clean["employees"] < 0):
        errors.add("employees", _("Must be a whole number of people."))
    _clean_place(data, errors, current, clean)
    return clean


def _clean_place(data: dict[str, Any], errors: FieldErrors, current: Enterprise | None, clean: dict[str, Any]) -> None:
    touches_place = current is None or any(k in data for k in ("lon", "lat", "division_code", "grid_code"))
    if not touches_place:
        return
    lon = data.get("lon", getattr(current, "lon", None))
    lat = data.get("lat", getattr(current, "lat", None))
    if not isinstance(lon, int | float) or isinstance(lon, bool):
        errors.add("location.lon", _("A longitude (WGS-84 decimal degrees) is required."))
        return
    if not isinstance(lat, int | float) or isinstance(lat, bool):
        errors.add("location.lat", _("A latitude (WGS-84 decimal degrees) is required."))
        return
    if not point_in_range(lon, lat):
        errors.add("location", _("The location lies outside China (longitude 73–136, latitude 3–54)."))
        return
    clean["lon"], clean["lat"] = float(lon), float(lat)
    derived = grid_for_point(lon, lat)
    grid = derived
    grid_code = data.get("grid_code")
    if grid_code and (derived is None or grid_code != derived.code):
        grid = Grid.objects.select_related("village").filter(code=grid_code).first()
        if grid is None:
            errors.add("grid_code", _("No grid has this code."))
            return
        reason = (data.get("grid_override_reason") or "").strip()
        if not reason:
            errors.add(
                "grid_override_reason", _("Give a reason when the grid differs from the one the location lies in.")
            )
    elif derived is not None:
        clean["grid_override_reason"] = ""
    division_code = data.get("division_code")
    if division_code:
        division = Division.objects.filter(code=division_code).first()
        if division is None:
            errors.add("division_code", _("This division code is not in the division tree."))
            return
        if grid is not None and not grid.code.startswith(division.prefix):
            errors.add("division_code", _("The grid at this location is not inside this division."))
            return
        if grid is None and division.level < DivisionLevel.TOWNSHIP:
            errors.add("division_code", _("Outside every grid, name the township or village the site belongs to."))
            return
    elif grid is None:
        errors.add("location", _("The location lies outside every grid; give its division_code."))
        return
    clean["grid"] = grid
    clean["division_id"] = grid.village_id if grid is not None else division_code


@transaction.atomic
def enterprise_create(*, actor: Any, data: dict[str, Any]) -> Enterprise:
    errors = FieldErrors()
    clean = _clean_enterprise(data, errors, None)
    errors.raise_if_any()
    if not can_edit_territory(actor, clean["division_id"]):
        raise NotAllowed(_("You may not add enterprises in this division."))
    sectors = clean.pop("sectors")
    enterprise = Enterprise.objects.create(**clean)
    enterprise.sectors.set(sectors)
    audit.record(actor=actor, verb="create", obj=enterprise, after=_enterprise_snapshot(enterprise))
    return enterprise


def enterprise_validate(*, actor: Any, data: dict[str, Any]) -> FieldErrors:
    """Dry run of `enterprise_create`: the errors it would give for `data`, writing nothing. A division
    the actor may not add to is reported on `division_code` (the import reports it on the row)."""
    errors = FieldErrors()
    clean = _clean_enterprise(data, errors, None)
    if not errors and not can_edit_territory(actor, clean["division_id"]):
        errors.add("division_code", _("You may not add enterprises in this division."))
    return errors


@transaction.atomic
def enterprise_update(*, actor: Any, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    unknown = set(data) - ENTERPRISE_EDITABLE
    if unknown:
        raise FieldErrors.single(sorted(unknown)[0], _("This field cannot be changed."))
    allowed = enterprise_editable_fields(actor, enterprise)
    if not allowed:
        raise NotAllowed(_("You may not change this enterprise."))
    if set(data) - allowed:
        raise NotAllowed(_("An enterprise officer may change only contacts, address and staff numbers."))
    errors = FieldErrors()
    clean = _clean_enterprise(data, errors, enterprise)
    errors.raise_if_any()
    if "division_id" in clean and not can_edit_territory(actor, clean["division_id"]):
        raise NotAllowed(_("You may not move an enterprise into this division."))
    before = _enterprise_snapshot(enterprise)
    sectors = clean.pop("sectors", None)
    for name, value in clean.items():
        setattr(enterprise, name, value)
    enterprise.save()
    if sectors is not None:
        enterprise.sectors.set(sectors)
    audit.record(actor=actor, verb="update", obj=enterprise, before=before, after=_enterprise_snapshot(enterprise))
    return enterprise


@transaction.atomic
def enterprise_deactivate(*, actor: Any, enterprise: Enterprise) -> Enterprise:
    return enterprise_update(actor=actor, enterprise=enterprise, data={"active": False})


# ---- divisions, grids, zones ---------------------------------------------------------------------

LEVEL_BY_LENGTH: dict[int, int] = {9: DivisionLevel.TOWNSHIP, 12: DivisionLevel.VILLAGE}
CHILD_LEVEL: dict[int, int] = {
    DivisionLevel.COUNTY: DivisionLevel.TOWNSHIP,
    DivisionLevel.TOWNSHIP: DivisionLevel.VILLAGE,
}


@transaction.atomic
def division_create(*, actor: Any, code: str, name: str, parent_code: str, synthetic: bool = False) -> Division:
    """Add a township or village below an existing division (GB/T 2260 codes nest by prefix)."""
    errors = FieldErrors()
    try:
        validators.validate_division_code(code)
    except ValidationError as exc:
        errors.add("code", exc.messages[0])
    parent = Division.objects.filter(code=parent_code).first()
    if parent is None:
        errors.add("parent_code", _("This division code is not in the division tree."))
    if not name.strip():
        errors.add("name", _("This field is required."))
    errors.raise_if_any()
    assert parent is not None
    level = LEVEL_BY_LENGTH.get(len(code))
    expected = CHILD_LEVEL.get(parent.level)
    if level is None or level != expected or not code.startswith(parent.prefix):
        raise FieldErrors.single("code", _("The code must extend its parent's code by one level."))
    if Division.objects.filter(code=code).exists():
        raise FieldErrors.single("code", _("This division code exists already."))
    if not can_edit_territory(actor, code):
        raise NotAllowed(_("You may not change this division."))
    division = Division.objects.create(code=code, name=name.strip(), level=level, parent=parent, synthetic=synthetic)
    audit.record(
        actor=actor, verb="create", obj=division, after=audit.snapshot(division, ["code", "name", "level", "parent"])
    )
    return division


def _bounds(geometry: Any) -> dict[str, float]:
    minx, miny, maxx, maxy = geometry.bounds
    return {"min_lon": minx, "min_lat": miny, "max_lon": maxx, "max_lat": maxy}


GRID_FIELDS = ("code", "name", "village", "grid_type", "geometry")


@transaction.atomic
def grid_save(*, actor: Any, code: str, name: str, geometry: Any, grid_type: str = "basic") -> Grid:
    """Create or replace a grid. Its code is the 12-digit village code + a 3-digit sequence (§7.2);
    its polygon must be valid and must not overlap a neighbour."""
    errors = FieldErrors()
    try:
        validators.validate_grid_code(code)
    except ValidationError as exc:
        errors.add("code", exc.messages[0])
    village = Division.objects.filter(code=code[:12], level=DivisionLevel.VILLAGE).first() if len(code) == 15 else None
    if village is None and not errors:
        errors.add("code", _("The first 12 digits must be the code of a village or community in the tree."))
    if not (name or "").strip():
        errors.add("name", _("This field is required."))
    try:
        polygon = polygon_from_geojson(geometry)
    except GeometryError as exc:
        errors.add("geometry", _("The boundary %(problem)s.") % {"problem": exc})
        polygon = None
    errors.raise_if_any()
    assert village is not None and polygon is not None
    if not can_edit_territory(actor, code):
        raise NotAllowed(_("You may not change grids in this division."))
    from safeloop.orgs.selectors import forget_grid_index, grid_index

    index = grid_index()
    for i in index.tree.query(polygon, predicate="intersects"):
        other_code, other = index.keys[i], index.geometries[i]
        if other_code != code and polygon.intersection(other).area > 1e-12:
            raise FieldErrors.single("geometry", _("The boundary overlaps grid %(code)s.") % {"code": other_code})
    existing = Grid.objects.filter(code=code).first()
    before = audit.snapshot(existing, GRID_FIELDS) if existing else None
    grid, _created = Grid.objects.update_or_create(
        code=code,
        defaults={
            "name": name.strip(),
            "village": village,
            "grid_type": grid_type,
            "geometry": geometry,
            **_bounds(polygon),
        },
    )
    audit.record(
        actor=actor,
        verb="update" if before else "create",
        obj=grid,
        before=before,
        after=audit.snapshot(grid, GRID_FIELDS),
    )
    forget_grid_index()
    return grid


ZONE_MEMBER_FIELDS = ["zone", "division", "relation", "verified"]


def _zone_editor(actor: Any) -> None:
    if not can_edit_reference_data(actor):
        raise NotAllowed(_("Only the city office or a system administrator may change functional zones."))


def _zone_relation(relation: str, errors: FieldErrors) -> None:
    if relation not in ZoneRelation.values:
        errors.add("relation", _("Unknown relation."))


@transaction.atomic
def zone_membership_add(
    *, actor: Any, zone: FunctionalZone, division_code: str, relation: str, verified: bool = False
) -> ZoneMembership:
    """Put a township into a functional zone; an entrusted (托管) or acting (代管) member's territorial
    responsibility moves to the zone's managing body (DOMAIN.md §9.1)."""
    _zone_editor(actor)
    errors = FieldErrors()
    _zone_relation(relation, errors)
    township = Division.objects.filter(code=division_code, level=DivisionLevel.TOWNSHIP).first()
    if township is None:
        errors.add("division_code", _("Name a township or street in the division tree."))
    elif not township.code.startswith(zone.parent_division.prefix):
        errors.add("division_code", _("This township lies outside the zone's district."))
    elif zone.memberships.filter(division=township).exists():
        errors.add("division_code", _("This township is in the zone already."))
    errors.raise_if_any()
    assert township is not None
    membership = ZoneMembership.objects.create(zone=zone, division=township, relation=relation, verified=verified)
    audit.record(actor=actor, verb="create", obj=membership, after=audit.snapshot(membership, ZONE_MEMBER_FIELDS))
    return membership


@transaction.atomic
def zone_membership_set(*, actor: Any, membership: ZoneMembership, relation: str, verified: bool) -> ZoneMembership:
    """Change how a township belongs to a zone, or mark the membership checked against the official text."""
    _zone_editor(actor)
    errors = FieldErrors()
    _zone_relation(relation, errors)
    errors.raise_if_any()
    before = audit.snapshot(membership, ZONE_MEMBER_FIELDS)
    membership.relation, membership.verified = relation, verified
    membership.save(update_fields=["relation", "verified"])
    audit.record(
        actor=actor, verb="update", obj=membership, before=before, after=audit.snapshot(membership, ZONE_MEMBER_FIELDS)
    )
    return membership


@transaction.atomic
def zone_membership_remove(*, actor: Any, membership: ZoneMembership) -> None:
    _zone_editor(actor)
    before = audit.snapshot(membership, ZONE_MEMBER_FIELDS)
    audit.record(actor=actor, verb="delete", obj=membership, before=before)
    membership.delete()


RULE_FIELDS = ("lead_function", "co_functions", "legal_basis", "confidence")


@transaction.atomic
def responsibility_rule_update(
    *, actor: Any, rule: ResponsibilityRule, lead_function: str, co_functions: list[str], legal_basis: str = ""
) -> ResponsibilityRule:
    """Edit the 三管三必须 map. An edit by the city office marks the rule as locally confirmed."""
    if not can_edit_reference_data(actor):
        raise NotAllowed(_("Only the city office or a system administrator may edit the responsibility map."))
    known = set(Department.objects.values_list("function", flat=True))
    errors = FieldErrors()
    if lead_function not in known:
        errors.add("lead_function", _("No department has this function."))
    for function in co_functions:
        if function not in known:
            errors.add("co_functions", _("No department has the function %(f)s.") % {"f": function})
    errors.raise_if_any()
    before = audit.snapshot(rule, RULE_FIELDS)
    rule.lead_function, rule.co_functions, rule.legal_basis = lead_function, co_functions, legal_basis
    rule.confidence = "V"
    rule.save(update_fields=list(RULE_FIELDS))
    audit.record(actor=actor, verb="update", obj=rule, before=before, after=audit.snapshot(rule, RULE_FIELDS))
    return rule

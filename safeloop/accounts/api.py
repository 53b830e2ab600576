"""API v1 for the caller's own account: who they are, what they act as, and what they may see."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from safeloop.accounts.models import Membership
from safeloop.api.schemas import errors
from safeloop.core.scoping import scope_for

router = Router(tags=["accounts"])


class UnitOut(Schema):
    kind: str
    code: str | None
    name: str


class MembershipOut(Schema):
    role: str
    role_name: str
    unit: UnitOut | None


class ScopeOut(Schema):
    system_wide: bool
    division_prefixes: list[str]
    sectors: list[str] | None
    enterprises: list[str]
    grids: list[str]


class MeOut(Schema):
    username: str
    real_name: str
    phone: str
    memberships: list[MembershipOut]
    scope: ScopeOut


@router.get("/me", response={200: MeOut, **errors(401)})
def me(request: HttpRequest) -> Any:
    """The caller: name, masked phone, memberships (role through an org unit) and a summary of the scope.
    `scope.sectors` lists the sectors a department officer's territory is limited to; null means no
    such limit."""
    user: Any = request.user
    memberships = list(user.memberships.select_related("division", "department", "enterprise", "grid").order_by("pk"))
    scope = scope_for(user)
    sector_sets = [g.sectors for g in scope.grants if g.division_prefix is not None]
    limited = not scope.system_wide and bool(sector_sets) and all(s is not None for s in sector_sets)
    return {
        "username": user.username,
        "real_name": user.real_name,
        "phone": user.masked_phone,
        "memberships": [{"role": m.role, "role_name": m.get_role_display(), "unit": _unit(m)} for m in memberships],
        "scope": {
            "system_wide": scope.system_wide,
            "division_prefixes": sorted(set(scope.division_prefixes)),
            "sectors": sorted(set().union(*(s for s in sector_sets if s is not None))) if limited else None,
            "enterprises": [str(m.enterprise.uuid) for m in memberships if m.enterprise is not None],
            "grids": sorted({g.grid_code for g in scope.grants if g.grid_code}),
        },
    }


def _unit(membership: Membership) -> dict[str, Any] | None:
    if membership.division is not None:
        return {"kind": "division", "code": membership.division.code, "name": membership.division.name}
    if membership.department is not None:
        return {"kind": "department", "code": str(membership.department.uuid), "name": membership.department.name}
    if membership.enterprise is not None:
        return {"kind": "enterprise", "code": str(membership.enterprise.uuid), "name": membership.enterprise.name}
    if membership.grid is not None:
        return {"kind": "grid", "code": membership.grid.code, "name": membership.grid.name}
    return None

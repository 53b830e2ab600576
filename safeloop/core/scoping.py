"""Scope: what a user may see, derived from memberships (DESIGN.md "Scope").

`scope_for(user)` turns memberships into grants; `Scope.q(...)` turns grants into one `Q` for any
model, given how that model names its division, sector, enterprise and grid. The same rule serves
HTML, API, exports and dashboards. Objects outside scope are answered with 404 by callers.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from safeloop.accounts.choices import ROLE_ANCHOR, Role


@dataclass(frozen=True)
class Grant:
    role: str
    division_prefix: str | None = None
    sectors: frozenset[str] | None = None
    enterprise_id: int | None = None
    grid_code: str | None = None
    division_code: str | None = None
    department_id: int | None = None
    # The org unit the membership acts through ("division:360602", "department:7", "enterprise:12",
    # "grid:…"): what "the same unit" means when a rule forbids checking one's own work.
    unit: str = ""


@dataclass(frozen=True)
class ScopeFields:
    """How a model is reached from a grant. A missing path means grants of that kind see nothing."""

    division: str | None = "division__code"
    sector_q: Callable[[frozenset[str]], Q] | None = None
    enterprise: str | None = None
    grid: str | None = None
    # Where a row names the department it was routed to: a department grant also reaches the rows
    # routed to its department inside its territory, whatever their sector.
    department: str | None = None


NOTHING = Q(pk__in=[])

# Roles that see all business data system-wide (operations staff; not the audit admin).
SYSTEM_WIDE = frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN})


@dataclass(frozen=True)
class Scope:
    grants: tuple[Grant, ...] = ()
    system_wide: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not self.system_wide and not self.grants

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def q(self, fields: ScopeFields) -> Q:
        """One Q selecting exactly the rows of a model that these grants reach."""
        if self.system_wide:
            return Q()
        combined = NOTHING
        rest = self.grants
        if fields.enterprise:
            # An officer of many enterprises (a 托管 safety service) gets one IN, not an OR per enterprise.
            enterprises = [g.enterprise_id for g in self.grants if g.enterprise_id is not None]
            if len(enterprises) > 1:
                combined = Q(**{f"{fields.enterprise}__in": enterprises})
                rest = tuple(g for g in self.grants if g.enterprise_id is None)
        for grant in rest:
            combined |= _grant_q(grant, fields)
        return combined

    def filter(self, queryset: Any, fields: ScopeFields) -> Any:
        return queryset.filter(self.q(fields))

    @property
    def division_prefixes(self) -> tuple[str, ...]:
        return tuple(g.division_prefix for g in self.grants if g.division_prefix)


def _grant_q(grant: Grant, fields: ScopeFields) -> Q:
    if grant.division_prefix is not None:
        if not fields.division:
            return NOTHING
        q = Q(**{f"{fields.division}__startswith": grant.division_prefix})
        if grant.sectors is not None:
            reached = fields.sector_q(grant.sectors) if fields.sector_q else NOTHING
            if fields.department and grant.department_id is not None:
                reached |= Q(**{fields.department: grant.department_id})
            q &= reached
        return q
    if grant.enterprise_id is not None:
        if fields.enterprise:
            return Q(**{fields.enterprise: grant.enterprise_id})
        if fields.division and grant.division_code:
            return Q(**{fields.division: grant.division_code})
        return NOTHING
    if grant.grid_code is not None:
        if fields.grid:
            return Q(**{fields.grid: grant.grid_code})
        if fields.division and grant.division_code:
            return Q(**{fields.division: grant.division_code})
        return NOTHING
    return NOTHING


def _membership_grant(membership: Any) -> Grant | None:
    anchor = ROLE_ANCHOR.get(membership.role)
    if anchor == "division" and membership.division is not None:
        return Grant(
            role=membership.role,
            division_prefix=membership.division.prefix,
            division_code=membership.division_id,
            unit=f"division:{membership.division_id}",
        )
    if anchor == "department" and membership.department is not None:
        department = membership.department
        return Grant(
            role=membership.role,
            division_prefix=department.division.prefix,
            sectors=frozenset(s.code for s in department.sectors.all()),
            division_code=department.division_id,
            department_id=department.pk,
            unit=f"department:{department.pk}",
        )
    if anchor == "enterprise" and membership.enterprise is not None:
        return Grant(
            role=membership.role,
            enterprise_id=membership.enterprise_id,
            division_code=membership.enterprise.division_id,
            unit=f"enterprise:{membership.enterprise_id}",
        )
    if anchor == "grid" and membership.grid is not None:
        return Grant(
            role=membership.role,
            grid_code=membership.grid_id,
            division_code=membership.grid.village_id,
            unit=f"grid:{membership.grid_id}",
        )
    return None


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per user object (a request or a task keeps its own)."""
    if getattr(user, "is_system", False):
        return Scope(system_wide=True, roles=frozenset({Role.SYS_ADMIN}))
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_safeloop_scope", None)
    if cached is not None:
        return cached
    memberships = list(
        user.memberships.select_related("division", "department__division", "enterprise", "grid").prefetch_related(
            "department__sectors"
        )
    )
    roles = frozenset(m.role for m in memberships)
    grants = tuple(g for g in (_membership_grant(m) for m in memberships) if g is not None)
    scope = Scope(grants=grants, system_wide=bool(roles & SYSTEM_WIDE), roles=roles)
    user._safeloop_scope = scope
    return scope


def forget_scope(user: Any) -> None:
    if hasattr(user, "_safeloop_scope"):
        del user._safeloop_scope

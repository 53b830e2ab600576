"""Who may change the register and who may record checks (on top of scope, which decides what is
visible at all). Enterprises keep their own points; government officers keep public-area points and
may correct an enterprise's points inside their territory; grid workers and enterprise officers record
the checks of what they look after."""

from typing import Any

from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.core.scoping import scope_for
from safeloop.orgs.models import Enterprise
from safeloop.orgs.services import NotAllowed
from safeloop.risks.models import CheckTask, RiskPoint
from safeloop.risks.selectors import RISK_SCOPE

GOVERNMENT_EDITORS = frozenset({Role.SYS_ADMIN, Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER})
CHECKERS = GOVERNMENT_EDITORS | {Role.ENTERPRISE_OFFICER, Role.GRID_WORKER}


def _reaches(
    actor: Any, roles: frozenset[str], *, enterprise_id: int | None, division: str, sector: str, grid: str | None
) -> bool:
    scope = scope_for(actor)
    if scope.system_wide:
        return Role.SYS_ADMIN in roles or Role.SEC_ADMIN in roles
    for grant in scope.grants:
        if grant.role not in roles:
            continue
        if grant.enterprise_id is not None:
            if enterprise_id == grant.enterprise_id:
                return True
        elif grant.grid_code is not None:
            if grid == grant.grid_code and enterprise_id is None:
                return True
        elif (
            grant.division_prefix is not None
            and division.startswith(grant.division_prefix)
            and (grant.sectors is None or sector in grant.sectors)
        ):
            return True
    return False


def can_edit(actor: Any, point: RiskPoint) -> bool:
    return _reaches(
        actor,
        GOVERNMENT_EDITORS | {Role.ENTERPRISE_OFFICER},
        enterprise_id=point.enterprise_id,
        division=point.division_id,
        sector=point.sector_id,
        grid=point.grid_id,
    )


def require_edit(actor: Any, point: RiskPoint) -> None:
    if not can_edit(actor, point):
        raise NotAllowed(_("You may not change this risk point."))


def can_edit_enterprise(actor: Any, enterprise: Enterprise) -> bool:
    """Who may keep an enterprise's points (and its site plan): its own officers, and government
    editors whose territory (and, for a department, one of the enterprise's sectors) reaches it."""
    sectors = [sector.code for sector in enterprise.sectors.all()] or [""]
    return any(
        _reaches(
            actor,
            GOVERNMENT_EDITORS | {Role.ENTERPRISE_OFFICER},
            enterprise_id=enterprise.pk,
            division=enterprise.division_id,
            sector=sector,
            grid=enterprise.grid_id,
        )
        for sector in sectors
    )


def may_create(actor: Any, *, enterprise: Enterprise | None, division: str, sector: str, grid: str | None) -> bool:
    roles = GOVERNMENT_EDITORS | ({Role.ENTERPRISE_OFFICER} if enterprise is not None else set())
    return _reaches(
        actor,
        frozenset(roles),
        enterprise_id=enterprise.pk if enterprise else None,
        division=division,
        sector=sector,
        grid=grid,
    )


def can_check(actor: Any, task: CheckTask) -> bool:
    point = task.point
    return _reaches(
        actor,
        CHECKERS,
        enterprise_id=point.enterprise_id,
        division=point.division_id,
        sector=point.sector_id,
        grid=point.grid_id,
    )


def require_check(actor: Any, task: CheckTask) -> None:
    if not can_check(actor, task):
        raise NotAllowed(_("You may not record this check."))


__all__ = ["RISK_SCOPE", "can_check", "can_edit", "can_edit_enterprise", "may_create", "require_check", "require_edit"]

"""Who may act on a hazard: the actor's grants resolved to the workflow's parties (workflow.py), and
the caller's allowed actions. Pure functions of the actor's scope and the hazard row."""

from typing import Any

from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.core.scoping import Grant, scope_for
from safeloop.hazards import workflow
from safeloop.hazards.models import Hazard
from safeloop.orgs.services import NotAllowed

OFFICERS = frozenset({Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER})
VERIFYING = OFFICERS | {Role.VERIFIER}


class TransitionRefused(NotAllowed):
    """The actor may see the hazard but not take this action (→ 403 with the reason)."""


def grant_reaches(grant: Grant, hazard: Hazard) -> bool:
    if grant.division_prefix is not None:
        if not hazard.division_id.startswith(grant.division_prefix):
            return False
        if grant.sectors is None:
            return True
        return hazard.sector_id in grant.sectors or (
            grant.department_id is not None and grant.department_id == hazard.industry_department_id
        )
    if grant.enterprise_id is not None:
        return hazard.enterprise_id == grant.enterprise_id
    if grant.grid_code is not None:
        return hazard.grid_id == grant.grid_code
    return False


def _is_rectifier(grant: Grant, hazard: Hazard) -> bool:
    if hazard.enterprise_id is not None:
        return grant.role == Role.ENTERPRISE_OFFICER and grant.enterprise_id == hazard.enterprise_id
    if hazard.rectifying_unit:
        return grant.unit == hazard.rectifying_unit
    return grant.role in (Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER) and grant_reaches(grant, hazard)


def _is_superior(grant: Grant, hazard: Hazard) -> bool:
    if grant.role == Role.CITY_OFFICE:
        return grant_reaches(grant, hazard)
    # A district/county officer stands above the township that owns the hazard.
    return grant.role == Role.DIVISION_OFFICER and len(grant.division_code or "") <= 6 and grant_reaches(grant, hazard)


def parties(actor: Any, hazard: Hazard) -> set[str]:
    """The workflow parties the actor acts as for this hazard (before the independence check)."""
    found: set[str] = set()
    for grant in scope_for(actor).grants:
        reaches = grant_reaches(grant, hazard)
        if grant.role in OFFICERS and reaches:
            found |= {workflow.TRIAGE, workflow.REGULATOR}
        if grant.role in VERIFYING and reaches:
            found.add(workflow.VERIFIER)
        if _is_rectifier(grant, hazard):
            found.add(workflow.RECTIFIER)
        if _is_superior(grant, hazard):
            found.add(workflow.SUPERIOR)
    return found


def acting_unit(actor: Any, hazard: Hazard, party: str) -> str:
    """The unit through which the actor acts as `party` (recorded as the rectifying unit)."""
    for grant in scope_for(actor).grants:
        if party == workflow.RECTIFIER and _is_rectifier(grant, hazard):
            return grant.unit
    return ""


def actor_units(actor: Any) -> set[str]:
    return {grant.unit for grant in scope_for(actor).grants}


def refusal(actor: Any, hazard: Hazard, rule: workflow.Rule, found: set[str] | None = None) -> str | None:
    """Why the actor may not take `rule` on the hazard, or None when it may."""
    found = parties(actor, hazard) if found is None else found
    if rule.independent and hazard.rectifying_unit and hazard.rectifying_unit in actor_units(actor):
        return _("The rectifying unit cannot verify or accept its own work.")
    if rule.party not in found:
        return _("Your role does not allow this action on this hazard.")
    return None


def allowed_actions(actor: Any, hazard: Hazard, *, pending_extension: bool | None = None) -> list[str]:
    """The actions the caller may take now, in workflow order (the API's `allowed_actions`)."""
    found = parties(actor, hazard)
    if not found:
        return []
    if pending_extension is None:
        pending_extension = getattr(hazard, "has_pending_extension", None)
        if pending_extension is None:
            pending_extension = hazard.extensions.filter(status="pending").exists()
    actions: list[str] = []
    for rule in workflow.rules_from(hazard.status, hazard.level):
        if rule.action == "extend" and pending_extension:
            continue
        if rule.action == "approve_extension" and not pending_extension:
            continue
        if refusal(actor, hazard, rule, found) is None and rule.action not in actions:
            actions.append(rule.action)
    return actions


def require(actor: Any, hazard: Hazard, rule: workflow.Rule) -> None:
    reason = refusal(actor, hazard, rule)
    if reason:
        raise TransitionRefused(reason)

"""Reads of inspections, campaigns and patrols, always through the caller's scope (DESIGN.md "Scope")."""

from typing import Any

from django.db.models import Q, QuerySet

from safeloop.core.scoping import ScopeFields, scope_for
from safeloop.inspections.models import Campaign, Inspection, PatrolCheckIn

INSPECTION_SCOPE = ScopeFields(
    division="division__code",
    sector_q=lambda codes: Q(sector_id__in=codes),
    enterprise="enterprise_id",
    grid="grid_id",
)
CHECKIN_SCOPE = ScopeFields(division="grid__village__code", enterprise="enterprise_id", grid="grid_id")


def inspection_list(*, actor: Any) -> QuerySet[Inspection]:
    q = scope_for(actor).q(INSPECTION_SCOPE)
    if getattr(actor, "is_authenticated", False):
        q |= Q(inspector=actor)
    return Inspection.objects.filter(q).select_related("template", "enterprise", "division", "sector", "campaign")


def campaign_list(*, actor: Any) -> QuerySet[Campaign]:
    """Campaigns whose territory overlaps the caller's: launched for a division inside the caller's
    territory, or for one that contains it (a city campaign is seen by every district)."""
    scope = scope_for(actor)
    if scope.system_wide:
        return Campaign.objects.all()
    q = Q(pk__in=[])
    for grant in scope.grants:
        code = grant.division_prefix or (grant.division_code or "")
        if not code:
            continue
        q |= Q(division__code__startswith=code)
        for length in (2, 4, 6, 9):  # the divisions above the caller's, as stored codes
            if len(code) > length:
                q |= Q(division__code=code[:length].ljust(6, "0") if length < 6 else code[:length])
    return Campaign.objects.filter(q).distinct()


def checkin_list(*, actor: Any) -> QuerySet[PatrolCheckIn]:
    q = scope_for(actor).q(CHECKIN_SCOPE)
    if getattr(actor, "is_authenticated", False):
        q |= Q(user=actor)
    return PatrolCheckIn.objects.filter(q).select_related("grid", "enterprise", "user")

"""Reads for the shell pages: the home page's summary and the audit log (三员分立: only the audit
administrator reads the trail, DOMAIN.md §10.2)."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from safeloop.accounts.choices import Role
from safeloop.accounts.models import Membership
from safeloop.accounts.selectors import user_memberships
from safeloop.core.filters import AuditEventFilterSet
from safeloop.core.models import AuditEvent
from safeloop.core.scoping import scope_for
from safeloop.orgs import selectors as org_selectors
from safeloop.orgs.models import Division


@dataclass(frozen=True)
class HomeSummary:
    memberships: list[Membership]
    system_wide: bool = False
    audit_only: bool = False
    enterprises: int = 0
    grids: int = 0
    divisions: int = 0
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def outsider(self) -> bool:
        return not self.memberships and not self.system_wide


def home_summary(*, actor: Any) -> HomeSummary:
    """What the home page tells a user: the memberships they act through and what is in their scope."""
    scope = scope_for(actor)
    memberships = list(user_memberships(user=actor))
    if scope.roles == {Role.AUDIT_ADMIN}:
        return HomeSummary(memberships=memberships, audit_only=True, roles=scope.roles)
    if scope.is_empty:
        return HomeSummary(memberships=memberships, roles=scope.roles)
    # Divisions inside the territories (not the ancestors that merely lead there).
    divisions = scope.filter(Division.objects.all(), org_selectors.DIVISION_SCOPE)
    return HomeSummary(
        memberships=memberships,
        system_wide=scope.system_wide,
        enterprises=org_selectors.enterprise_list(actor=actor).count(),
        grids=org_selectors.grid_list(actor=actor).count(),
        divisions=divisions.count(),
        roles=scope.roles,
    )


def audit_log_visible(actor: Any) -> bool:
    return scope_for(actor).has_role(Role.AUDIT_ADMIN)


def audit_events(*, actor: Any, params: Any) -> AuditEventFilterSet:
    """The audit trail filtered by `params` (a QueryDict); empty for anyone but the audit admin."""
    events: QuerySet[AuditEvent] = AuditEvent.objects.none()
    verbs: list[str] = []
    object_types: list[str] = []
    if audit_log_visible(actor):
        events = AuditEvent.objects.order_by("-id")
        verbs = list(AuditEvent.objects.order_by("verb").values_list("verb", flat=True).distinct())
        object_types = list(AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct())
    return AuditEventFilterSet(params, queryset=events, verbs=verbs, object_types=object_types)

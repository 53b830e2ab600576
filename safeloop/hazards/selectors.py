"""Reads of hazards, always through the caller's scope (DESIGN.md "Scope"): territory by division
code prefix, sectors for department officers (plus what the map routed to their department), the
enterprise for its officers, the grid for its workers, and what the caller reported themselves."""

from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet

from safeloop.core.scoping import ScopeFields, scope_for
from safeloop.hazards.choices import ExtensionStatus
from safeloop.hazards.models import CriteriaItem, DeadlineExtension, Hazard, HazardEvent, HazardPhoto

HAZARD_SCOPE = ScopeFields(
    division="division__code",
    sector_q=lambda codes: Q(sector_id__in=codes),
    enterprise="enterprise_id",
    grid="grid_id",
    department="industry_department_id",
)


def hazard_scope_q(actor: Any, *, with_own_reports: bool = True) -> Q:
    scope = scope_for(actor)
    q = scope.q(HAZARD_SCOPE)
    if scope.system_wide:
        return q
    if with_own_reports and getattr(actor, "is_authenticated", False):
        q |= Q(reported_by=actor)
    return q


def hazard_list(*, actor: Any) -> QuerySet[Hazard]:
    pending = DeadlineExtension.objects.filter(hazard_id=OuterRef("pk"), status=ExtensionStatus.PENDING)
    return (
        Hazard.objects.filter(hazard_scope_q(actor))
        .select_related("sector", "enterprise", "industry_department", "division")
        .annotate(has_pending_extension=Exists(pending))
    )


def hazard_get(*, actor: Any, uuid: Any) -> Hazard:
    return hazard_list(actor=actor).select_related("criteria_item", "duplicate_of").get(uuid=uuid)


def hazard_events(*, hazard: Hazard) -> QuerySet[HazardEvent]:
    """The timeline of a hazard the caller already holds through `hazard_get` (which applied the scope)."""
    return hazard.events.select_related("actor").order_by("at", "id")


def hazard_photos(*, hazard: Hazard) -> QuerySet[HazardPhoto]:
    return hazard.photos.all()


def photo_get(*, actor: Any, uuid: Any) -> HazardPhoto:
    """A photo is served only to users whose scope includes its hazard."""
    return HazardPhoto.objects.select_related("hazard").get(
        uuid=uuid, hazard__in=Hazard.objects.filter(hazard_scope_q(actor))
    )


def criteria_items(*, sector_code: str | None = None) -> QuerySet[CriteriaItem]:
    qs = CriteriaItem.objects.select_related("document")
    return qs.filter(document__sector_id=sector_code) if sector_code else qs


def by_code_or_uuid(*, actor: Any, reference: str) -> Hazard | None:
    qs = Hazard.objects.filter(hazard_scope_q(actor))
    reference = str(reference).strip()
    hazard = qs.filter(code=reference).first()
    if hazard is None:
        try:
            hazard = qs.filter(uuid=UUID(reference)).first()
        except ValueError:
            return None
    return hazard

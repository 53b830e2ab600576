"""The configurable deadline table (issue 3: "Default deadlines per level and sector in a configurable
table"), edited by the city office like the responsibility map."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from safeloop.core import audit
from safeloop.core.errors import FieldErrors
from safeloop.hazards import routing
from safeloop.hazards.choices import HazardLevel
from safeloop.hazards.models import DeadlinePolicy
from safeloop.orgs.choices import Confidence
from safeloop.orgs.models import Sector
from safeloop.orgs.services import NotAllowed, can_edit_reference_data

MAX_DAYS = 730


def deadline_policy_save(*, actor: Any, level: str, sector: str = "", days: Any, basis: str = "") -> DeadlinePolicy:
    """Create or change the default deadline for (level, sector); no sector = the level's default."""
    if not can_edit_reference_data(actor):
        raise NotAllowed(_("Only the city office or a system administrator may change default deadlines."))
    errors = FieldErrors()
    if level not in HazardLevel.values:
        errors.add("level", _("Choose one of: %(values)s.") % {"values": ", ".join(HazardLevel.values)})
    sector = (sector or "").strip()
    if sector and not Sector.objects.filter(code=sector).exists():
        errors.add("sector", _("Unknown sector code: %(code)s") % {"code": sector})
    try:
        days = int(days)
        if not 1 <= days <= MAX_DAYS:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("days", _("Enter a whole number of days from 1 to %(max)d.") % {"max": MAX_DAYS})
    errors.raise_if_any()
    with transaction.atomic():
        same = DeadlinePolicy.objects.select_for_update().filter(level=level)
        policy = (same.filter(sector_id=sector) if sector else same.filter(sector__isnull=True)).first()
        before = audit.snapshot(policy, ("level", "sector", "days", "basis", "confidence")) if policy else None
        if policy is None:
            policy = DeadlinePolicy(level=level, sector_id=sector or None)
        policy.days = days
        policy.basis = basis.strip()[:200]
        policy.confidence = Confidence.VERIFIED  # set by the city office: the local rule, confirmed
        policy.save()
        audit.record(
            actor=actor,
            verb="hazard.deadline_policy_save",
            obj=policy,
            object_id=f"{level}:{sector or '*'}",
            before=before,
            after=audit.snapshot(policy, ("level", "sector", "days", "basis", "confidence")),
        )
    routing.clear_cache()
    return policy


def deadline_policy_delete(*, actor: Any, policy: DeadlinePolicy) -> None:
    if not can_edit_reference_data(actor):
        raise NotAllowed(_("Only the city office or a system administrator may change default deadlines."))
    if policy.sector_id is None:
        raise FieldErrors.single("sector", _("The level's default cannot be removed; change its days instead."))
    with transaction.atomic():
        before = audit.snapshot(policy, ("level", "sector", "days", "basis", "confidence"))
        object_id = f"{policy.level}:{policy.sector_id}"
        policy.delete()
        audit.record(
            actor=actor,
            verb="hazard.deadline_policy_delete",
            object_type="hazards.deadlinepolicy",
            object_id=object_id,
            before=before,
        )
    routing.clear_cache()

"""What an inspection tells its campaign (called by the inspection service inside its transaction)."""

from django.db.models import Q

from safeloop.hazards.models import Hazard
from safeloop.inspections.models import CampaignHazard, CampaignTarget, Inspection


def inspection_submitted(inspection: Inspection, hazards: list[Hazard]) -> None:
    """Mark the campaign's target (the inspected site) as inspected the first time, and count the
    hazards the inspection found toward the campaign."""
    campaign = inspection.campaign
    if campaign is None:
        return
    if inspection.enterprise_id:
        CampaignTarget.objects.filter(
            Q(first_inspected_at__isnull=True) | Q(first_inspected_at__gt=inspection.submitted_at),
            campaign=campaign,
            enterprise_id=inspection.enterprise_id,
        ).update(first_inspected_at=inspection.submitted_at)
    for hazard in hazards:
        CampaignHazard.objects.get_or_create(
            hazard=hazard,
            defaults={"campaign": campaign, "division_id": hazard.division_id, "sector_id": hazard.sector_id},
        )

"""Helpers the campaign tests share: a campaign launched through the service, an inspection row made
directly (not through the other part's service) and reported through campaign_hooks, hazards through
the hazard service."""

from datetime import date, timedelta

from django.utils import timezone

from safeloop.hazards.services import hazard_create
from safeloop.inspections import campaign_hooks
from safeloop.inspections.models import ChecklistTemplate, Inspection
from safeloop.inspections.services_campaigns import campaign_create


def launch(actor, **extra):
    data = {
        "name": "城市燃气安全大排查",
        "starts_on": date.today() - timedelta(days=5),
        "ends_on": date.today() + timedelta(days=30),
        "division": "360600",
        "sectors": ["gas", "campus", "hazchem", "fireworks"],
        **extra,
    }
    return campaign_create(actor=actor, data=data)


def template(sector="gas"):
    return ChecklistTemplate.objects.get_or_create(
        code=f"t-{sector}", version=1, defaults={"sector_id": sector, "title": f"{sector} 检查表"}
    )[0]


def inspect(campaign, enterprise, people, *, hazards=0, reporter="city"):
    """An inspection of `enterprise` for `campaign`, submitted now, with `hazards` hazards found."""
    now = timezone.now()
    sector = enterprise.sectors.order_by("position").first()
    inspection = Inspection.objects.create(
        kind="department",
        template=template(sector.code),
        enterprise=enterprise,
        lon=enterprise.lon,
        lat=enterprise.lat,
        division_id=enterprise.division_id,
        grid_id=enterprise.grid_id,
        sector=sector,
        campaign=campaign,
        status="submitted",
        submitted_at=now,
    )
    found = [
        hazard_create(
            actor=people[reporter],
            data={
                "title": f"{enterprise.name}隐患{n}",
                "sector": sector.code,
                "enterprise_id": str(enterprise.uuid),
                "source": "campaign",
            },
        ).hazard
        for n in range(hazards)
    ]
    campaign_hooks.inspection_submitted(inspection, found)
    return inspection, found

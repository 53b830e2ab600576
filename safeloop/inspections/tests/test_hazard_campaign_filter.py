"""The hazard list filters by campaign (the links from a campaign's summary page use it)."""

from safeloop.hazards.filters import HazardFilterSet
from safeloop.hazards.models import Hazard
from safeloop.hazards.services import hazard_create
from safeloop.inspections.tests.campaign_factories import inspect, launch


def test_the_hazard_list_keeps_to_the_campaign_s_hazards(city, people):
    campaign = launch(people["city"])
    inspect(campaign, city.enterprises["yuehu_gas"], people, hazards=2)
    hazard_create(
        actor=people["city"],
        data={"title": "活动外发现的隐患", "sector": "gas", "enterprise_id": str(city.enterprises["yuehu_gas"].uuid)},
    )
    found = HazardFilterSet({"campaign": str(campaign.uuid)}, Hazard.objects.all()).qs
    assert Hazard.objects.count() == 3
    assert sorted(h.title for h in found) == ["鹰潭月湖燃气有限公司隐患0", "鹰潭月湖燃气有限公司隐患1"]

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.orgs import selectors, services
from safeloop.orgs.models import FunctionalZone, ZoneMembership


@pytest.fixture
def gaoxin(db):
    return FunctionalZone.objects.get(code="gaoxin")


def test_unverified_memberships_ship_flagged_for_review(gaoxin):
    assert set(gaoxin.memberships.values_list("division_id", "verified")) == {
        ("360602100", False),
        ("360602006", False),
        ("360602007", False),
    }


def test_the_city_office_adds_a_township_and_routing_follows(people, gaoxin):
    assert selectors.territorial_owner(division_code="360602005001").name == "四青街道"
    services.zone_membership_add(actor=people["city"], zone=gaoxin, division_code="360602005", relation="entrusted")
    assert selectors.territorial_owner(division_code="360602005001") == gaoxin
    event = AuditEvent.objects.get(verb="create", object_type="orgs.zonemembership")
    assert event.actor == people["city"] and event.after["division"] == "360602005"


def test_a_planning_area_member_keeps_its_township_as_territorial_owner(people, gaoxin):
    membership = gaoxin.memberships.get(division_id="360602100")
    services.zone_membership_set(actor=people["city"], membership=membership, relation="planned", verified=True)
    assert selectors.territorial_owner(division_code="360602100001").name == "童家镇"


@pytest.mark.parametrize(
    ("code", "message_part"), [("360681001", "outside"), ("360602", "township"), ("360602100", "already")]
)
def test_bad_members_are_refused_naming_the_division(people, gaoxin, code, message_part):
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        services.zone_membership_add(actor=people["city"], zone=gaoxin, division_code=code, relation="entrusted")
    assert caught.value.errors[0]["field"] == "division_code"
    assert message_part in caught.value.errors[0]["message"]
    assert ZoneMembership.objects.filter(zone=gaoxin).count() == 3


def test_a_district_officer_may_not_change_zones(people, gaoxin):
    with pytest.raises(services.NotAllowed):
        services.zone_membership_remove(actor=people["yuehu"], membership=gaoxin.memberships.first())


def test_zones_over_the_api(api_as):
    city = api_as("city")
    listed = city.get("/api/v1/zones").json()
    assert {z["code"] for z in listed["items"]} == {"gaoxin", "longhushan", "xinjiang"}
    response = city.patch("/api/v1/zones/gaoxin/members/360602100", {"relation": "acting", "verified": True})
    assert response.status_code == 200
    member = next(m for m in response.json()["members"] if m["division_code"] == "360602100")
    assert member == {"division_code": "360602100", "division_name": "童家镇", "relation": "acting", "verified": True}
    assert api_as("yuehu").delete("/api/v1/zones/gaoxin/members/360602100").status_code == 403
    assert city.delete("/api/v1/zones/gaoxin/members/360602100").status_code == 204
    assert api_as("outsider").get("/api/v1/zones").json()["count"] == 0


def test_the_zone_page_edits_for_the_city_office_and_reads_for_others(client, people, gaoxin):
    url = reverse("orgs:zone_detail", args=["gaoxin"])
    client.force_login(people["yuehu"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url).content.decode()
    assert "童家镇" in page and "needs review" in page and 'name="action"' not in page
    assert (
        client.post(url, {"action": "remove", "division_code": "360602100", "relation": "entrusted"}).status_code == 404
    )
    client.force_login(people["city"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(url, {"action": "add", "division_code": "360681001", "relation": "entrusted"})
    assert response.status_code == 400 and "outside the zone" in response.content.decode()
    response = client.post(
        url, {"action": "update", "division_code": "360602100", "relation": "entrusted", "verified": "on"}
    )
    assert response.status_code == 302
    assert gaoxin.memberships.get(division_id="360602100").verified
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404

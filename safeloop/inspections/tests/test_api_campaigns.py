from datetime import date, timedelta

from safeloop.inspections import progress
from safeloop.inspections.models import Campaign
from safeloop.inspections.tests.campaign_factories import inspect, launch


def test_the_list_follows_the_contract_and_scope(city, people, api_as):
    city_campaign = launch(people["city"], name="全市")
    inspect(city_campaign, city.enterprises["yuehu_gas"], people, hazards=2)
    launch(people["guixi"], name="贵溪", division="360681")
    response = api_as("yuehu").get("/api/v1/campaigns")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and [c["name"] for c in body["items"]] == ["全市"]
    item = body["items"][0]
    assert {"id", "code", "name", "status", "starts_on", "ends_on", "division_code", "sectors", "progress"} <= set(item)
    assert item["division_code"] == "360600" and set(item["sectors"]) == {"gas", "campus", "hazchem", "fireworks"}
    # The district reads the city campaign's numbers inside its own territory.
    assert item["progress"] == progress.campaign_progress(city_campaign, actor=people["yuehu"])
    assert item["progress"]["targeted"] == 3 and item["progress"]["inspected"] == 1
    assert item["progress"]["hazards"] == 2
    names = [c["name"] for c in api_as("guixi").get("/api/v1/campaigns").json()["items"]]
    assert sorted(names) == ["全市", "贵溪"]


def test_the_list_reads_progress_in_a_fixed_number_of_queries(city, people, api_as, django_assert_max_num_queries):
    client = api_as("city")
    launch(people["city"], name="一")
    client.get("/api/v1/campaigns")  # warm up the token and scope lookups
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/campaigns")
    for n in range(4):
        launch(people["city"], name=f"批次{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/api/v1/campaigns").json()
    assert body["count"] == 5


def test_detail_has_progress_by_division_and_sector_and_404_outside_scope(city, people, api_as):
    campaign = launch(people["guixi"], division="360681")
    inspect(campaign, city.enterprises["guixi_fireworks"], people, hazards=1)
    body = api_as("guixi").get(f"/api/v1/campaigns/{campaign.uuid}").json()
    assert body["progress"]["inspected"] == 1
    assert [(r["code"], r["targeted"], r["hazards"]) for r in body["by_division"]] == [("360681001", 1, 1)]
    assert [(r["code"], r["inspected"]) for r in body["by_sector"]] == [("fireworks", 1)]
    assert api_as("yuehu").get(f"/api/v1/campaigns/{campaign.uuid}").status_code == 404


def test_create_through_the_api(city, people, api_as):
    client = api_as("yuehu")
    data = {
        "name": "月湖区校园安全排查",
        "starts_on": str(date.today()),
        "ends_on": str(date.today() + timedelta(days=20)),
        "division": "360602",
        "sectors": ["campus"],
    }
    response = client.post("/api/v1/campaigns", data)
    assert response.status_code == 201, response.content
    assert response.json()["progress"]["targeted"] == 1
    bad = client.post("/api/v1/campaigns", data | {"division": "360681", "ends_on": "2000-01-01"})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"division", "ends_on"}
    assert Campaign.objects.count() == 1
    assert api_as("ent1").post("/api/v1/campaigns", data).status_code == 403

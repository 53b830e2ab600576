"""API v1 for grid patrols: POST/GET /patrols/check-ins and GET /patrols/coverage."""

import uuid

from django.utils import translation

from safeloop.inspections.models import PatrolCheckIn

URL = "/api/v1/patrols/check-ins"
GRID = "360602001001001"
INSIDE = {"lon": 117.035, "lat": 28.235}


def test_check_in_created_then_replayed(api_as):
    grid1 = api_as("grid1")
    key = str(uuid.uuid4())
    first = grid1.post(URL, dict(INSIDE, id=key, accuracy_m=12, note="早班巡查"))
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["id"] == key and body["grid_code"] == GRID and body["distance_m"] == 0
    assert body["location"] == INSIDE and body["user"] == "grid1"
    again = grid1.post(URL, dict(INSIDE, id=key, accuracy_m=12, note="早班巡查"))
    assert again.status_code == 200
    assert again.json()["id"] == key
    assert PatrolCheckIn.objects.count() == 1


def test_same_id_by_another_user_is_409(api_as):
    key = str(uuid.uuid4())
    assert api_as("grid1").post(URL, dict(INSIDE, id=key)).status_code == 201
    conflict = api_as("yuehu").post(URL, dict(INSIDE, id=key, grid=GRID))
    assert conflict.status_code == 409
    assert set(conflict.json()) == {"detail", "errors"}
    assert PatrolCheckIn.objects.count() == 1


def test_5_km_outside_is_400_with_the_distance(api_as):
    with translation.override("en"):
        response = api_as("grid1").post(URL, {"lon": 117.091, "lat": 28.235}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "5.0" in errors["location"]
    assert not PatrolCheckIn.objects.exists()


def test_200_m_outside_is_accepted(api_as):
    response = api_as("grid1").post(URL, {"lon": 117.04204, "lat": 28.235})
    assert response.status_code == 201
    assert 190 < response.json()["distance_m"] < 210


def test_other_grid_and_other_roles_are_403(api_as):
    response = api_as("grid1").post(URL, {"lon": 117.045, "lat": 28.235, "grid": "360602001002001"})
    assert response.status_code == 403
    assert api_as("ent1").post(URL, dict(INSIDE, grid=GRID)).status_code == 403
    assert api_as(None).post(URL, INSIDE).status_code == 401
    assert not PatrolCheckIn.objects.exists()


def test_list_is_scoped_and_filtered(api_as):
    api_as("grid1").post(URL, INSIDE)
    api_as("guixi").post(URL, {"lon": 117.215, "lat": 28.295, "grid": "360681001001001"})
    mine = api_as("yuehu").get(URL).json()
    assert mine["count"] == 1 and mine["items"][0]["grid_code"] == GRID
    assert api_as("city").get(URL).json()["count"] == 2
    assert api_as("city").get(URL, {"grid": GRID}).json()["count"] == 1
    assert api_as("city").get(URL, {"user": "guixi"}).json()["count"] == 1
    assert api_as("grid1").get(URL).json()["count"] == 1
    assert api_as("outsider").get(URL).json()["count"] == 0
    bad = api_as("city").get(URL, {"date_from": "yesterday"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "date_from"


def test_coverage_endpoint(city, api_as):
    gas = city.enterprises["yuehu_gas"]
    api_as("grid1").post(URL, dict(INSIDE, enterprise_id=str(gas.uuid)))
    body = api_as("yuehu").get("/api/v1/patrols/coverage", {"depth": "6"}).json()
    assert [row["code"] for row in body["items"]] == ["360602"]
    assert (body["items"][0]["visited"], body["items"][0]["total"]) == (1, 3)
    assert body["count"] == 1 and body["days"] == 30
    grids = api_as("grid1").get("/api/v1/patrols/coverage", {"depth": "grid", "days": "7"}).json()
    assert [row["code"] for row in grids["items"]] == [GRID]
    assert grids["items"][0]["percent"] == 100.0 and grids["items"][0]["plan_met"] is True
    township = api_as("city").get("/api/v1/patrols/coverage", {"division": "360602"}).json()
    assert township["depth"] == "9"
    bad = api_as("city").get("/api/v1/patrols/coverage", {"depth": "7"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "depth"

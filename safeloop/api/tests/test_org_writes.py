from safeloop.core.models import AuditEvent
from safeloop.core.testing import square
from safeloop.orgs.models import Division, Grid

BOW_TIE = {
    "type": "Polygon",
    "coordinates": [[[117.1, 28.1], [117.11, 28.11], [117.11, 28.1], [117.1, 28.11], [117.1, 28.1]]],
}


def test_a_district_officer_adds_a_village_and_its_grid(api_as):
    api = api_as("yuehu")
    response = api.post("/api/v1/divisions", {"code": "360602002001", "name": "交通社区", "parent_code": "360602002"})
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "360602002001"
    assert "交通社区".encode() in response.content  # Chinese as UTF-8 text, not \u escapes
    response = api.client.put(
        "/api/v1/grids/360602002001001",
        {"name": "交通社区第1网格", "geometry": square(117.06, 28.23)},
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["properties"]["village_code"] == "360602002001"
    assert AuditEvent.objects.filter(object_type="orgs.grid", object_id="360602002001001", verb="create").exists()


def test_a_self_intersecting_grid_is_a_400_naming_geometry_and_writes_nothing(api_as):
    api = api_as("yuehu")
    response = api.client.put(
        "/api/v1/grids/360602001001002",
        {"name": "蝴蝶网格", "geometry": BOW_TIE},
        content_type="application/json",
        headers=api.headers | {"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["geometry"]
    assert not Grid.objects.filter(code="360602001001002").exists()


def test_a_division_outside_the_tree_is_a_400_naming_the_parent(api_as):
    response = api_as("admin").post(
        "/api/v1/divisions", {"code": "360699001", "name": "不存在", "parent_code": "360699"}
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["parent_code"]
    assert not Division.objects.filter(code="360699001").exists()


def test_grids_elsewhere_are_refused_with_a_reason(api_as):
    response = api_as("guixi").client.put(
        "/api/v1/grids/360602001001002",
        {"name": "越界网格", "geometry": square(117.2, 28.4)},
        content_type="application/json",
        headers=api_as("guixi").headers,
    )
    assert response.status_code == 403
    assert response.json()["detail"]

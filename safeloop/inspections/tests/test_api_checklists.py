"""API contract: `GET /api/v1/checklists?sector=`, `GET /api/v1/inspections` (scoped, paged) and
`GET /api/v1/inspections/{id}` with answers."""

from safeloop.inspections.models import ChecklistTemplate
from safeloop.inspections.services_checklists import checklist_save
from safeloop.inspections.services_inspections import inspection_answer, inspection_start


def test_checklists_contract(api_as, people):
    client = api_as("grid1")
    body = client.get("/api/v1/checklists", {"sector": "gas"}).json()
    assert body["count"] == 1 == len(body["items"])
    template = body["items"][0]
    assert {"id", "code", "version", "sector", "title", "items"} <= set(template)
    assert template["sector"] == "gas" and template["code"] == "gas-operation" and template["version"] == 1
    item = template["items"][0]
    assert {"id", "position", "text", "basis", "answer_type", "required"} <= set(item)
    assert item["position"] == 1 and item["answer_type"] == "yes_no" and item["criteria_item"] == "gas-2023-4-1"
    every = client.get("/api/v1/checklists").json()
    assert every["count"] >= 7
    assert {t["sector"] for t in every["items"]} >= {"fire", "campus", "flood", "fireworks", "road", "gas", "tourism"}


def test_checklists_all_versions(api_as, city, people):
    inspection_start(
        actor=people["ent1"],
        data={"kind": "self_check", "template": "gas-operation", "enterprise": str(city.enterprises["yuehu_gas"].uuid)},
    )
    checklist_save(
        actor=people["city"], template=ChecklistTemplate.objects.get(code="gas-operation"), data={"title": "新"}
    )
    client = api_as("city")
    current = client.get("/api/v1/checklists", {"sector": "gas"}).json()
    assert [t["version"] for t in current["items"]] == [2]
    both = client.get("/api/v1/checklists", {"sector": "gas", "all_versions": "true"}).json()
    assert sorted(t["version"] for t in both["items"]) == [1, 2]
    assert api_as(None).get("/api/v1/checklists").status_code == 401


def test_inspections_scoped_and_paged(api_as, city, people):
    gas = city.enterprises["yuehu_gas"]
    mine = inspection_start(
        actor=people["ent1"], data={"kind": "self_check", "template": "gas-operation", "enterprise": str(gas.uuid)}
    )
    inspection_answer(
        actor=people["ent1"], inspection=mine, item=mine.template.items.get(position=1), data={"choice": "yes"}
    )
    inspection_start(
        actor=people["yuehu"],
        data={
            "kind": "department",
            "template": "campus-safety",
            "enterprise": str(city.enterprises["yuehu_school"].uuid),
        },
    )
    other = inspection_start(
        actor=people["guixi"],
        data={
            "kind": "department",
            "template": "fireworks-business",
            "enterprise": str(city.enterprises["guixi_fireworks"].uuid),
        },
    )
    yuehu = api_as("yuehu")
    body = yuehu.get("/api/v1/inspections").json()
    assert body["count"] == 2 and all(row["division"].startswith("360602") for row in body["items"])
    assert yuehu.get("/api/v1/inspections", {"limit": 1}).json()["count"] == 2
    assert len(yuehu.get("/api/v1/inspections", {"limit": 1}).json()["items"]) == 1
    assert yuehu.get("/api/v1/inspections", {"kind": "self_check"}).json()["count"] == 1
    assert yuehu.get("/api/v1/inspections", {"kind": "bogus"}).status_code == 400
    assert yuehu.get(f"/api/v1/inspections/{other.uuid}").status_code == 404
    ent1 = api_as("ent1").get("/api/v1/inspections").json()
    assert [row["id"] for row in ent1["items"]] == [str(mine.uuid)]
    detail = api_as("ent1").get(f"/api/v1/inspections/{mine.uuid}").json()
    assert detail["template"] == "gas-operation" and detail["template_version"] == 1
    assert detail["answers"][0]["item"] == 1 and detail["answers"][0]["choice"] == "yes"
    assert detail["answers"][0]["text"].startswith("持有有效的燃气经营许可证")

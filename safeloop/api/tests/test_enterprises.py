"""Enterprises through API v1, phrased against the demo personas: who sees which enterprises, who may
add or change them, and what bad input looks like. The test city's grids are 0.01° squares
(safeloop/core/testing.py)."""

import pytest

from safeloop.core.actors import DEMO
from safeloop.core.models import AuditEvent
from safeloop.core.testing import make_uscc
from safeloop.orgs import services as org_services
from safeloop.orgs.models import Enterprise

EN = {"Accept-Language": "en"}


def _codes(response):
    assert response.status_code == 200, response.content
    return sorted(item["division_code"] for item in response.json()["items"])


def _names(response):
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


def _add(name, sectors, lon, lat, serial):
    return org_services.enterprise_create(
        actor=DEMO, data={"name": name, "uscc": make_uscc(serial), "sectors": sectors, "lon": lon, "lat": lat}
    )


def _valid(**overrides):
    data = {
        "name": "月湖新建五金厂",
        "uscc": make_uscc(101),
        "sectors": ["industry"],
        "location": {"lon": 117.043, "lat": 28.233},
    }
    data.update(overrides)
    return data


# ---- who sees what -----------------------------------------------------------------------------


def test_a_district_officer_lists_only_its_district(api_as):
    yuehu = api_as("yuehu").get("/api/v1/enterprises")
    assert yuehu.json()["count"] == 3
    assert all(code.startswith("360602") for code in _codes(yuehu))
    guixi = api_as("guixi").get("/api/v1/enterprises")
    assert guixi.json()["count"] == 1
    assert all(code.startswith("360681") for code in _codes(guixi))


def test_an_outsider_gets_an_empty_list_not_a_refusal(api_as):
    response = api_as("outsider").get("/api/v1/enterprises")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_an_enterprise_outside_the_callers_district_does_not_exist_for_it(api_as, city):
    gas = city.enterprises["yuehu_gas"]
    assert api_as("guixi").get(f"/api/v1/enterprises/{gas.uuid}").status_code == 404
    response = api_as("yuehu").get(f"/api/v1/enterprises/{gas.uuid}")
    assert response.status_code == 200
    assert response.json()["id"] == str(gas.uuid)


def test_an_id_that_is_not_a_uuid_is_not_found(api_as):
    assert api_as("yuehu").get("/api/v1/enterprises/123").status_code == 404


def test_an_enterprise_officer_sees_only_its_own_enterprise(api_as, city):
    ent1 = api_as("ent1")
    assert _names(ent1.get("/api/v1/enterprises")) == ["鹰潭月湖燃气有限公司"]
    school = city.enterprises["yuehu_school"]
    assert ent1.get(f"/api/v1/enterprises/{school.uuid}").status_code == 404


def test_the_education_bureau_sees_campuses_across_the_city(api_as):
    _add("贵溪市第二中学", ["campus"], 117.212, 28.292, 201)
    assert _names(api_as("jiaoyu").get("/api/v1/enterprises")) == ["月湖区第一小学", "贵溪市第二中学"]


def test_the_emergency_bureau_sees_its_sectors_across_the_city_and_no_others(api_as):
    _add("贵溪龙虎山景区游客中心", ["tourism"], 117.213, 28.293, 202)
    names = _names(api_as("yingji").get("/api/v1/enterprises"))
    assert "贵溪市花园烟花爆竹批发部" in names  # fireworks, in 贵溪
    assert "鹰潭东湖化工有限公司" in names  # hazchem, in 月湖
    assert "贵溪龙虎山景区游客中心" not in names  # tourism is not the emergency bureau's sector


def test_phones_are_masked_for_readers_who_may_not_edit(api_as, city):
    school = city.enterprises["yuehu_school"]
    as_jiaoyu = api_as("jiaoyu").get(f"/api/v1/enterprises/{school.uuid}").json()
    assert as_jiaoyu["principal_phone"] == "139****5678"
    as_yuehu = api_as("yuehu").get(f"/api/v1/enterprises/{school.uuid}").json()
    assert as_yuehu["principal_phone"] == "13912345678"


def test_an_enterprise_has_the_contract_fields(api_as, city):
    gas = city.enterprises["yuehu_gas"]
    item = api_as("yuehu").get(f"/api/v1/enterprises/{gas.uuid}").json()
    assert item["uscc"] == gas.uscc
    assert item["division_code"] == "360602001001"
    assert item["grid_code"] == "360602001001001"
    assert item["sectors"] == ["gas"]
    assert item["location"] == {"lon": 117.035, "lat": 28.235}


def test_filters_narrow_the_list(api_as):
    yuehu = api_as("yuehu")
    assert _names(yuehu.get("/api/v1/enterprises", {"sector": "hazchem"})) == ["鹰潭东湖化工有限公司"]
    assert _names(yuehu.get("/api/v1/enterprises", {"division": "360602003"})) == ["鹰潭东湖化工有限公司"]
    assert _names(yuehu.get("/api/v1/enterprises", {"grid": "360602001001001"})) == ["鹰潭月湖燃气有限公司"]
    assert _names(yuehu.get("/api/v1/enterprises", {"q": "小学"})) == ["月湖区第一小学"]
    # A filter cannot widen the scope: 贵溪 stays invisible to 月湖区.
    assert yuehu.get("/api/v1/enterprises", {"division": "360681"}).json()["count"] == 0


def test_an_unknown_filter_value_is_named(api_as):
    response = api_as("yuehu").get("/api/v1/enterprises", {"scale": "huge"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["scale"]


def test_pages_are_limit_and_offset_with_the_total(api_as):
    yuehu = api_as("yuehu")
    first = yuehu.get("/api/v1/enterprises", {"limit": 2}).json()
    rest = yuehu.get("/api/v1/enterprises", {"limit": 2, "offset": 2}).json()
    assert (len(first["items"]), len(rest["items"]), first["count"], rest["count"]) == (2, 1, 3, 3)
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in rest["items"])
    too_many = yuehu.get("/api/v1/enterprises", {"limit": 501})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "limit"


def test_the_list_costs_the_same_queries_however_many_enterprises(api_as, django_assert_max_num_queries):
    for serial in range(30):
        _add(f"月湖测试企业{serial:02d}", ["gas", "fire"], 117.031 + serial * 0.0002, 28.231, 300 + serial)
    client = api_as("yuehu")
    with django_assert_max_num_queries(6):  # token, its last use, memberships, count, page, sectors
        response = client.get("/api/v1/enterprises", {"limit": 500})
    assert response.json()["count"] == 33


# ---- create ------------------------------------------------------------------------------------


def test_a_district_officer_adds_an_enterprise_placed_by_its_location(api_as, people):
    audit_before = AuditEvent.objects.filter(verb="create", object_type="orgs.enterprise").count()
    response = api_as("yuehu").post("/api/v1/enterprises", _valid())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["division_code"] == "360602001002"
    assert body["grid_code"] == "360602001002001"
    assert body["sectors"] == ["industry"]
    assert body["active"] is True
    event = AuditEvent.objects.get(verb="create", object_type="orgs.enterprise", object_id=body["id"])
    assert event.actor == people["yuehu"]
    assert AuditEvent.objects.filter(verb="create", object_type="orgs.enterprise").count() == audit_before + 1


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"uscc": "91360602MA35XXXXX0"}, 400, "uscc"),
        ({"division_code": "360602999999"}, 400, "division_code"),
        ({"location": None}, 400, "location.lon"),
        ({"location": {"lon": 117.043}}, 422, "location.lat"),
        ({"sectors": ["weather"]}, 400, "sectors"),
        ({"color": "red"}, 422, "color"),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(api_as, change, status, field):
    client = api_as("yuehu")  # logging in writes audit rows of its own
    enterprises, events = Enterprise.objects.count(), AuditEvent.objects.count()
    response = client.post("/api/v1/enterprises", _valid(**change), headers=EN)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"]
    assert field in [e["field"] for e in body["errors"]]
    assert all(e["message"] for e in body["errors"])
    assert (Enterprise.objects.count(), AuditEvent.objects.count()) == (enterprises, events)


def test_a_missing_location_is_named_as_the_longitude(api_as):
    data = _valid()
    del data["location"]
    response = api_as("yuehu").post("/api/v1/enterprises", data)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["location.lon"]


def test_a_body_that_is_not_json_is_refused_in_the_error_shape(api_as):
    client = api_as("yuehu")
    response = client.client.post(
        "/api/v1/enterprises", "{not json", content_type="application/json", headers=client.headers
    )
    assert response.status_code == 400
    assert response.json()["errors"] == []
    assert response.json()["detail"]


def test_a_district_officer_may_not_add_in_another_district(api_as):
    enterprises = Enterprise.objects.count()
    data = _valid(location={"lon": 117.215, "lat": 28.292})
    response = api_as("yuehu").post("/api/v1/enterprises", data, headers=EN)
    assert response.status_code == 403
    assert "may not add enterprises" in response.json()["detail"]
    assert Enterprise.objects.count() == enterprises


# ---- change and deactivate -----------------------------------------------------------------------


def test_an_enterprise_officer_changes_its_contacts_but_not_its_name(api_as, city):
    gas = city.enterprises["yuehu_gas"]
    ent1 = api_as("ent1")
    response = ent1.patch(f"/api/v1/enterprises/{gas.uuid}", {"safety_officer_phone": "13912340000"})
    assert response.status_code == 200, response.content
    assert response.json()["safety_officer_phone"] == "13912340000"
    gas.refresh_from_db()
    assert gas.safety_officer_phone == "13912340000"

    refused = ent1.patch(f"/api/v1/enterprises/{gas.uuid}", {"name": "改名燃气公司"}, headers=EN)
    assert refused.status_code == 403
    assert "only contacts" in refused.json()["detail"]
    gas.refresh_from_db()
    assert gas.name == "鹰潭月湖燃气有限公司"


def test_moving_an_enterprise_re_derives_its_grid(api_as, city):
    gas = city.enterprises["yuehu_gas"]
    response = api_as("yuehu").patch(f"/api/v1/enterprises/{gas.uuid}", {"location": {"lon": 117.055, "lat": 28.231}})
    assert response.status_code == 200, response.content
    assert (response.json()["grid_code"], response.json()["division_code"]) == ("360602003001001", "360602003001")


def test_an_enterprise_outside_scope_cannot_be_changed_or_deactivated(api_as, city):
    gas = city.enterprises["yuehu_gas"]
    guixi = api_as("guixi")
    assert guixi.patch(f"/api/v1/enterprises/{gas.uuid}", {"address": "x"}).status_code == 404
    assert guixi.delete(f"/api/v1/enterprises/{gas.uuid}").status_code == 404
    gas.refresh_from_db()
    assert gas.active and gas.address != "x"


def test_delete_deactivates(api_as, city):
    chem = city.enterprises["yuehu_chem"]
    yuehu = api_as("yuehu")
    response = yuehu.delete(f"/api/v1/enterprises/{chem.uuid}")
    assert response.status_code == 204
    assert yuehu.get(f"/api/v1/enterprises/{chem.uuid}").json()["active"] is False
    assert _names(yuehu.get("/api/v1/enterprises", {"active": "false"})) == ["鹰潭东湖化工有限公司"]
    assert AuditEvent.objects.filter(verb="update", object_id=str(chem.uuid)).exists()


def test_an_enterprise_officer_may_not_deactivate_its_enterprise(api_as, city):
    gas = city.enterprises["yuehu_gas"]
    assert api_as("ent1").delete(f"/api/v1/enterprises/{gas.uuid}").status_code == 403
    gas.refresh_from_db()
    assert gas.active

"""Divisions, grids, departments, sectors and the responsibility map through API v1, and /me."""


def _items(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


# ---- /me ----------------------------------------------------------------------------------------


def test_me_names_the_caller_its_roles_and_its_territory(api_as):
    me = api_as("yuehu").get("/api/v1/me").json()
    assert (me["username"], me["real_name"], me["phone"]) == ("yuehu", "陈月湖", "138****0001")
    assert [(m["role"], m["unit"]["code"]) for m in me["memberships"]] == [("division_officer", "360602")]
    assert me["scope"]["division_prefixes"] == ["360602"]
    assert me["scope"]["sectors"] is None


def test_me_shows_a_department_officers_sectors(api_as):
    me = api_as("jiaoyu").get("/api/v1/me").json()
    assert me["memberships"][0]["unit"]["kind"] == "department"
    assert me["scope"]["sectors"] == ["campus"]


def test_me_for_an_enterprise_officer_names_its_enterprise(api_as, city):
    me = api_as("ent1").get("/api/v1/me").json()
    assert me["scope"]["enterprises"] == [str(city.enterprises["yuehu_gas"].uuid)]
    assert me["scope"]["division_prefixes"] == []


def test_me_for_an_outsider_is_empty(api_as):
    me = api_as("outsider").get("/api/v1/me").json()
    assert me["memberships"] == []
    assert me["scope"] == {
        "system_wide": False,
        "division_prefixes": [],
        "sectors": None,
        "enterprises": [],
        "grids": [],
    }


# ---- divisions ----------------------------------------------------------------------------------


def test_divisions_are_those_of_the_callers_territory(api_as):
    yuehu = api_as("yuehu")
    codes = [d["code"] for d in _items(yuehu.get("/api/v1/divisions", {"limit": 500}))]
    assert "360602001001" in codes and "360600" in codes  # its villages and the way up to the city
    assert not any(code.startswith("360681") for code in codes)
    assert yuehu.get("/api/v1/divisions/360681").status_code == 404
    assert api_as("guixi").get("/api/v1/divisions/360681").json()["name"] == "贵溪市"


def test_divisions_filter_by_parent_level_and_text(api_as):
    yuehu = api_as("yuehu")
    children = _items(yuehu.get("/api/v1/divisions", {"parent": "360602001"}))
    assert [d["code"] for d in children] == ["360602001001", "360602001002"]
    villages = _items(yuehu.get("/api/v1/divisions", {"level": 12}))
    assert {d["code"] for d in villages} == {"360602001001", "360602001002", "360602003001"}
    assert [d["code"] for d in _items(yuehu.get("/api/v1/divisions", {"q": "滨江"}))] == ["360602001001"]
    assert yuehu.get("/api/v1/divisions", {"level": 5}).status_code == 422


# ---- grids --------------------------------------------------------------------------------------


def test_grids_as_geojson(api_as):
    response = api_as("yuehu").get("/api/v1/grids", {"format": "geojson"})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["count"] == 3
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["code"] == "360602001001001"
    assert feature["properties"]["village_code"] == "360602001001"


def test_grids_as_json_filtered_by_division(api_as):
    items = _items(api_as("yuehu").get("/api/v1/grids", {"division": "360602003"}))
    assert [g["code"] for g in items] == ["360602003001001"]
    assert _items(api_as("guixi").get("/api/v1/grids", {"division": "360602"})) == []


def test_a_grid_is_a_feature_naming_its_workers(api_as):
    response = api_as("yuehu").get("/api/v1/grids/360602001001001")
    assert response.status_code == 200
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["workers"] == [{"name": "吴网格", "phone": "139****0006"}]
    assert api_as("guixi").get("/api/v1/grids/360602001001001").status_code == 404


def test_a_grid_worker_sees_only_its_grid(api_as):
    assert [g["code"] for g in _items(api_as("grid1").get("/api/v1/grids"))] == ["360602001001001"]


# ---- departments, sectors, the responsibility map ------------------------------------------------


def test_the_directory_is_visible_to_members_and_not_to_outsiders(api_as):
    yuehu, outsider = api_as("yuehu"), api_as("outsider")
    sectors = {s["code"] for s in _items(yuehu.get("/api/v1/sectors"))}
    assert {"gas", "campus", "fire", "hazchem"} <= sectors
    departments = _items(yuehu.get("/api/v1/departments", {"limit": 500}))
    education = next(d for d in departments if d["division_code"] == "360600" and d["function"] == "education")
    assert education["sectors"] == ["campus"]
    for path in ("/api/v1/sectors", "/api/v1/departments", "/api/v1/responsibility-map"):
        assert outsider.get(path).json() == {"items": [], "count": 0}


def test_the_responsibility_map_names_lead_and_co_departments(api_as):
    rows = _items(api_as("city").get("/api/v1/responsibility-map", {"limit": 500}))
    gas = next(r for r in rows if r["sector"] == "gas" and r["level"] == "city")
    assert gas["lead_function"] == "housing"
    assert gas["lead_department"] == "市住房和城乡建设局"
    assert "emergency" in gas["co_functions"]
    assert "市应急管理局" in gas["co_departments"]
    assert gas["legal_basis"]
    assert gas["confidence"] in {"V", "S", "U"}


def test_resolve_names_who_answers_for_a_sector_at_a_place(api_as):
    response = api_as("yuehu").get("/api/v1/responsibility-map/resolve", {"sector": "gas", "division": "360602001001"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["territorial_unit"]["code"] == "360602001"
    assert body["city"]["lead"]["name"] == "市住房和城乡建设局"
    assert body["county"]["lead"]["name"] == "月湖区住房和城乡建设局"
    assert body["county"]["lead"]["division_code"] == "360602"
    assert "emergency" in {d["function"] for d in body["county"]["co"]}


def test_resolve_names_a_bad_sector_or_place(api_as):
    yuehu = api_as("yuehu")
    bad = yuehu.get("/api/v1/responsibility-map/resolve", {"sector": "weather", "division": "360602999999"})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"sector", "division"}
    missing = yuehu.get("/api/v1/responsibility-map/resolve", {"sector": "gas"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "division"
    outsider = api_as("outsider").get(
        "/api/v1/responsibility-map/resolve", {"sector": "gas", "division": "360602001001"}
    )
    assert outsider.status_code == 404

"""API v1 of the risk register, through the real token endpoint: the evaluate contract, the register
scoped per demo login, every write with its refusals (field named and nothing written, 404 outside
scope, 403 for a role that may only read, 409 for a stale version), and the loop: a failed check
reports a hazard and the register shows the raised level."""

import pytest
from django.utils import translation

from safeloop.core.models import AuditEvent
from safeloop.hazards.models import Hazard
from safeloop.hazards.tests.helpers import create as report_hazard
from safeloop.risks import services
from safeloop.risks.models import CheckTask, ControlMeasure, RiskAssessment, RiskPoint

pytestmark = pytest.mark.django_db

# Inside 月湖区 站前社区's grid (360602001002001), away from any enterprise: a public area.
YUEHU_PUBLIC = {"lon": 117.045, "lat": 28.238}

ITEM_KEYS = {
    "id",
    "code",
    "name",
    "kind",
    "sector",
    "enterprise_id",
    "division_code",
    "grid_code",
    "location",
    "polygon",
    "method",
    "inherent_score",
    "inherent_level",
    "residual_score",
    "residual_level",
    "assessed_level",
    "current_level",
    "colour",
    "raised_reason",
    "control_level",
    "override_reason",
    "last_assessed_at",
    "next_review_at",
    "reassess_reason",
    "responsible",
    "active",
    "version",
    "can_edit",
}


@pytest.fixture
def points(city, people):
    """Three assessed points: ent1's gas station, a public crossing in 月湖区, a fireworks shop in 贵溪市."""
    gas = services.risk_point_create(
        actor=people["ent1"],
        data={
            "name": "调压站",
            "kind": "facility",
            "sector": "gas",
            "enterprise_id": str(city.enterprises["yuehu_gas"].uuid),
        },
    )
    services.risk_assess(actor=people["ent1"], point=gas, data={"method": "lec", "l": 3, "e": 6, "c": 7})
    crossing = services.risk_point_create(
        actor=people["yuehu"],
        data={"name": "学校门口路口", "kind": "place", "sector": "road", **YUEHU_PUBLIC},
    )
    services.risk_assess(actor=people["yuehu"], point=crossing, data={"method": "ls", "l": 4, "s": 4})
    shop = services.risk_point_create(
        actor=people["guixi"],
        data={
            "name": "烟花爆竹仓库",
            "kind": "place",
            "sector": "fireworks",
            "enterprise_id": str(city.enterprises["guixi_fireworks"].uuid),
        },
    )
    services.risk_assess(actor=people["guixi"], point=shop, data={"method": "lec", "l": 3, "e": 6, "c": 40})
    for point in (gas, crossing, shop):
        point.refresh_from_db()
    return {"gas": gas, "crossing": crossing, "shop": shop}


def codes(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item["code"] for item in body["items"]}


def fields(response, status=400):
    assert response.status_code == status, response.content
    return [error["field"] for error in response.json()["errors"]]


def written():
    """What a refused write must leave untouched."""
    return (
        RiskPoint.objects.count(),
        RiskAssessment.objects.count(),
        ControlMeasure.objects.count(),
        CheckTask.objects.count(),
        Hazard.objects.count(),
        AuditEvent.objects.exclude(verb__in=["login", "token_issue"]).count(),  # each api_as() logs in
    )


# ---- evaluate ---------------------------------------------------------------------------------


def test_evaluate_answers_score_and_level_as_the_contract_says(api_as):
    api = api_as("yuehu")
    response = api.post("/api/v1/risks/evaluate", {"method": "lec", "sector": "gas", "l": 3, "e": 6, "c": 7})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "method": "lec",
        "table": "lec-default",
        "factors": {"l": 3, "e": 6, "c": 7},
        "score": 126,
        "level": "general",
        "colour": "#FFF100",
        "numeral": "Ⅲ",
    }
    small = api.post("/api/v1/risks/evaluate", {"method": "lec", "l": "0.1", "e": "0.5", "c": "1"}).json()
    assert (small["score"], small["level"], small["factors"]["l"]) == (0.05, "low", 0.1)
    matrix = api.post("/api/v1/risks/evaluate", {"method": "ls", "l": 4, "s": 5}).json()
    assert (matrix["score"], matrix["level"], matrix["table"], matrix["colour"]) == (20, "major", "ls-b", "#E60012")


def test_evaluate_names_each_bad_factor_with_the_allowed_values(api_as):
    response = api_as("ent1").post("/api/v1/risks/evaluate", {"method": "lec", "l": 2, "e": "4", "c": "x"})
    assert fields(response) == ["l", "e", "c"]
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "0.1、0.2、0.5、1、3、6、10" in messages["l"] and "0.5、1、2、3、6、10" in messages["e"]
    assert response.json()["detail"]
    assert fields(api_as("ent1").post("/api/v1/risks/evaluate", {"method": "ls", "l": 6, "s": 2.5})) == ["l", "s"]
    assert fields(api_as("ent1").post("/api/v1/risks/evaluate", {"l": 3, "e": 6, "c": 7})) == ["method"]
    assert fields(api_as("ent1").post("/api/v1/risks/evaluate", {"method": "lec"})) == ["l", "e", "c"]


def test_evaluate_refuses_an_unknown_sector(api_as):
    response = api_as("ent1").post(
        "/api/v1/risks/evaluate", {"method": "lec", "sector": "nope", "l": 3, "e": 6, "c": 7}
    )
    assert fields(response) == ["sector"]
    assert "nope" in response.json()["errors"][0]["message"]


def test_evaluate_uses_the_sectors_band_table(api_as, city):
    from safeloop.risks.models import RiskBandTable, RiskMethodSetting

    RiskMethodSetting.objects.create(method="ls", sector_id="gas", table=RiskBandTable.objects.get(code="ls-a"))
    api = api_as("city")
    gas = api.post("/api/v1/risks/evaluate", {"method": "ls", "sector": "gas", "l": 3, "s": 3}).json()
    fire = api.post("/api/v1/risks/evaluate", {"method": "ls", "sector": "fire", "l": 3, "s": 3}).json()
    assert (gas["level"], gas["table"]) == ("general", "ls-a")
    assert (fire["level"], fire["table"]) == ("significant", "ls-b")


def test_evaluate_needs_a_token(city):
    from django.test import Client

    response = Client().post(
        "/api/v1/risks/evaluate", {"method": "ls", "l": 1, "s": 1}, content_type="application/json"
    )
    assert response.status_code == 401


def test_band_tables_list_thresholds_and_their_use(api_as):
    body = api_as("ent1").get("/api/v1/risk-band-tables").json()
    tables = {t["code"]: t for t in body["items"]}
    assert body["count"] == 3 and set(tables) == {"lec-default", "ls-a", "ls-b"}
    lec = tables["lec-default"]
    assert (lec["major_from"], lec["significant_from"], lec["general_from"]) == (320, 160, 70)
    assert lec["used_by"] == [{"method": "lec", "sector": None}]
    assert tables["ls-b"]["used_by"] == [{"method": "ls", "sector": None}] and tables["ls-a"]["used_by"] == []


# ---- the register, scoped ---------------------------------------------------------------------


def test_each_login_lists_only_the_points_in_its_scope(api_as, points):
    gas, crossing, shop = points["gas"].code, points["crossing"].code, points["shop"].code
    assert codes(api_as("yuehu").get("/api/v1/risk-points")) == {gas, crossing}
    assert codes(api_as("ent1").get("/api/v1/risk-points")) == {gas}
    assert codes(api_as("guixi").get("/api/v1/risk-points")) == {shop}
    assert codes(api_as("city").get("/api/v1/risk-points")) == {gas, crossing, shop}
    assert codes(api_as("grid1").get("/api/v1/risk-points")) == {gas}  # the gas company's grid
    assert api_as("outsider").get("/api/v1/risk-points").json() == {"items": [], "count": 0}
    for item in api_as("yuehu").get("/api/v1/risk-points").json()["items"]:
        assert item["division_code"].startswith("360602")


def test_a_point_has_the_contract_fields(api_as, points, city):
    item = api_as("ent1").get("/api/v1/risk-points").json()["items"][0]
    assert set(item) >= ITEM_KEYS
    assert item["id"] == str(points["gas"].uuid)
    assert item["enterprise_id"] == str(city.enterprises["yuehu_gas"].uuid)
    assert item["division_code"] == "360602001001" and item["grid_code"] == "360602001001001"
    assert item["location"] == {"lon": 117.035, "lat": 28.235}
    assert (item["method"], item["inherent_score"], item["inherent_level"]) == ("lec", 126, "general")
    assert (item["current_level"], item["colour"], item["control_level"]) == ("general", "#FFF100", "team")
    assert item["can_edit"] is True and item["version"] == 1
    public = api_as("yuehu").get(f"/api/v1/risk-points/{points['crossing'].uuid}").json()
    assert public["enterprise_id"] is None and public["inherent_score"] == 16
    assert (public["current_level"], public["control_level"]) == ("significant", "township")
    assert api_as("leader").get(f"/api/v1/risk-points/{points['crossing'].uuid}").json()["can_edit"] is False


def test_the_list_filters_like_the_register_page(api_as, points):
    city = api_as("city")
    assert codes(city.get("/api/v1/risk-points", {"level": "major"})) == {points["shop"].code}
    assert codes(city.get("/api/v1/risk-points", {"level": ["major", "significant"]})) == {
        points["shop"].code,
        points["crossing"].code,
    }
    assert codes(city.get("/api/v1/risk-points", {"public": "true"})) == {points["crossing"].code}
    assert codes(city.get("/api/v1/risk-points", {"sector": "gas"})) == {points["gas"].code}
    assert codes(city.get("/api/v1/risk-points", {"division": "360681"})) == {points["shop"].code}
    assert codes(city.get("/api/v1/risk-points", {"q": "路口"})) == {points["crossing"].code}
    assert codes(city.get("/api/v1/risk-points", {"enterprise": str(points["gas"].enterprise.uuid)})) == {
        points["gas"].code
    }
    assert codes(city.get("/api/v1/risk-points", {"raised": "true"})) == set()
    page = city.get("/api/v1/risk-points", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and len(page["items"]) == 1
    assert fields(city.get("/api/v1/risk-points", {"level": "red", "enterprise": "x"})) == ["level", "enterprise"]


def test_the_list_costs_the_same_queries_for_more_points(api_as, points, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    city = api_as("city")
    codes(city.get("/api/v1/risk-points"))  # warm the caches
    with CaptureQueriesContext(connection) as three:
        assert len(codes(city.get("/api/v1/risk-points"))) == 3
    for index in range(5):
        services.risk_point_create(
            actor=people["yuehu"],
            data={"name": f"路口{index}", "kind": "place", "sector": "road", **YUEHU_PUBLIC},
        )
    with CaptureQueriesContext(connection) as eight:
        assert len(codes(city.get("/api/v1/risk-points"))) == 8
    assert len(eight) == len(three) <= 12


def test_a_point_outside_scope_is_not_found(api_as, points):
    gas = points["gas"].uuid
    guixi = api_as("guixi")
    before = written()
    assert guixi.get(f"/api/v1/risk-points/{gas}").status_code == 404
    assert guixi.patch(f"/api/v1/risk-points/{gas}", {"name": "改名"}).status_code == 404
    assert guixi.post(f"/api/v1/risk-points/{gas}/assessments", {"method": "ls", "l": 1, "s": 1}).status_code == 404
    assert guixi.get(f"/api/v1/risk-points/{gas}/assessments").status_code == 404
    assert guixi.get(f"/api/v1/risk-points/{gas}/measures").status_code == 404
    assert guixi.post(f"/api/v1/risk-points/{gas}/reassessment", {"reason": "change", "note": "x"}).status_code == 404
    assert api_as("outsider").get(f"/api/v1/risk-points/{gas}").status_code == 404
    assert api_as("ent1").get(f"/api/v1/risk-points/{points['crossing'].uuid}").status_code == 404
    assert written() == before


# ---- create and change ------------------------------------------------------------------------


def test_an_enterprise_officer_adds_a_point_of_its_enterprise(api_as, city):
    gas = city.enterprises["yuehu_gas"]
    response = api_as("ent1").post(
        "/api/v1/risk-points",
        {
            "name": "液化气储罐区",
            "kind": "area",
            "sector": "gas",
            "enterprise_id": str(gas.uuid),
            "accident_types": "火灾、爆炸",
            "responsible": [{"tier": "company", "name": "张总", "phone": "13900000000"}],
        },
    )
    assert response.status_code == 201, response.content
    point = response.json()
    assert point["code"].startswith("YT-YH-FX-") and point["enterprise_id"] == str(gas.uuid)
    assert point["location"] == {"lon": gas.lon, "lat": gas.lat}
    assert point["grid_code"] == "360602001001001" and point["current_level"] == ""
    assert point["responsible"] == [{"tier": "company", "name": "张总", "phone": "13900000000"}]
    assert point["can_edit"] is True and point["version"] == 0
    assert AuditEvent.objects.filter(verb="risk_point.create", object_id=point["id"]).exists()
    assert api_as("yuehu").get(f"/api/v1/risk-points/{point['id']}").status_code == 200


def test_a_district_officer_adds_a_public_point_from_a_location(api_as):
    response = api_as("yuehu").post(
        "/api/v1/risk-points",
        {"name": "滨江堤段", "kind": "area", "sector": "flood", "location": YUEHU_PUBLIC},
    )
    assert response.status_code == 201, response.content
    assert response.json()["grid_code"] == "360602001002001" and response.json()["enterprise_id"] is None


def test_bad_fields_are_named_and_nothing_is_written(api_as, city):
    before = written()
    response = api_as("ent1").post(
        "/api/v1/risk-points",
        {
            "name": "",
            "kind": "tower",
            "sector": "nope",
            "enterprise_id": "not-a-uuid",
            "responsible": [{"tier": "boss", "name": "张总"}],
        },
    )
    assert fields(response) == ["name", "kind", "sector", "responsible.0.tier", "enterprise_id", "location"]
    assert written() == before
    outside = api_as("yuehu").post(
        "/api/v1/risk-points",
        {"name": "某处", "kind": "place", "sector": "road", "location": {"lon": 117.5, "lat": "x"}},
    )
    assert set(fields(outside)) == {"location.lat"}
    unknown = api_as("ent1").post("/api/v1/risk-points", {"name": "某处", "colour": "red"})
    assert fields(unknown, 422) == ["colour"]
    assert written() == before


@pytest.mark.parametrize("username", ["leader", "verifier", "outsider"])
def test_a_role_that_may_only_read_cannot_add_a_point(api_as, username):
    before = written()
    response = api_as(username).post(
        "/api/v1/risk-points", {"name": "路口", "kind": "place", "sector": "road", **YUEHU_PUBLIC}
    )
    assert response.status_code == 403, response.content
    assert response.json()["detail"]
    assert written() == before


def test_an_enterprise_officer_cannot_add_a_public_point_or_anothers(api_as, city):
    ent1 = api_as("ent1")
    public = ent1.post("/api/v1/risk-points", {"name": "路口", "kind": "place", "sector": "road", **YUEHU_PUBLIC})
    assert public.status_code == 403
    other = ent1.post(
        "/api/v1/risk-points",
        {
            "name": "仓库",
            "kind": "place",
            "sector": "fireworks",
            "enterprise_id": str(city.enterprises["yuehu_chem"].uuid),
        },
    )
    assert fields(other) == ["enterprise_id", "location"]  # not an enterprise ent1 can see, so no place either


def test_patch_changes_the_fields_sent_and_refuses_a_stale_version(api_as, points):
    url = f"/api/v1/risk-points/{points['gas'].uuid}"
    ent1 = api_as("ent1")
    changed = ent1.patch(url, {"name": "1号调压站", "accident_types": "火灾、爆炸", "version": 1})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["name"], changed.json()["version"], changed.json()["kind"]) == ("1号调压站", 2, "facility")
    before = written()
    stale = ent1.patch(url, {"name": "旧名", "version": 1})
    assert stale.status_code == 409 and stale.json()["detail"]
    assert ent1.get(url).json()["name"] == "1号调压站"
    assert fields(ent1.patch(url, {"kind": "tower", "name": "", "version": 2})) == ["name", "kind"]
    assert written() == before


def test_patch_by_a_reader_is_refused(api_as, points):
    before = written()
    response = api_as("leader").patch(f"/api/v1/risk-points/{points['gas'].uuid}", {"name": "改名"})
    assert response.status_code == 403
    assert written() == before


def test_a_retired_point_leaves_the_list_and_comes_back(api_as, points):
    yuehu = api_as("yuehu")
    url = f"/api/v1/risk-points/{points['crossing'].uuid}"
    retired = yuehu.patch(url, {"active": False, "version": 1})
    assert retired.status_code == 200, retired.content
    assert retired.json()["active"] is False
    assert points["crossing"].code not in codes(yuehu.get("/api/v1/risk-points"))
    assert points["crossing"].code in codes(yuehu.get("/api/v1/risk-points", {"include_inactive": "true"}))
    assert yuehu.patch(url, {"active": True}).json()["active"] is True


# ---- assessments ------------------------------------------------------------------------------


def test_an_assessment_with_residual_factors_sets_the_level_and_keeps_history(api_as, points):
    url = f"/api/v1/risk-points/{points['gas'].uuid}/assessments"
    ent1 = api_as("ent1")
    response = ent1.post(
        url,
        {
            "method": "lec",
            "inherent": {"l": 6, "e": 6, "c": 7},
            "residual": {"l": "1", "e": "6", "c": "7"},
            "note": "加装报警器后",
            "version": 1,
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["inherent_score"], created["inherent_level"]) == (252, "significant")
    assert (created["residual_score"], created["residual_level"], created["level"]) == (42, "low", "low")
    assert created["residual_factors"] == {"l": 1, "e": 6, "c": 7}
    assert created["point"]["assessed_level"] == "low" and created["point"]["version"] == 2
    history = ent1.get(url).json()
    assert history["count"] == 2
    latest, first = history["items"]
    assert (latest["note"], latest["assessed_by"], latest["table"]) == ("加装报警器后", "ent1", "lec-default")
    assert (first["inherent_factors"], first["inherent_score"], first["level"]) == (
        {"l": 3, "e": 6, "c": 7},
        126,
        "general",
    )
    assert api_as("yuehu").get(url).json()["count"] == 2


def test_a_bad_assessment_names_each_factor_and_writes_nothing(api_as, points):
    url = f"/api/v1/risk-points/{points['gas'].uuid}/assessments"
    ent1 = api_as("ent1")
    before = written()
    nested = ent1.post(
        url, {"method": "lec", "inherent": {"l": 2, "e": 6, "c": 7}, "residual": {"l": 3, "e": 6, "c": 8}}
    )
    assert fields(nested) == ["inherent.l", "residual.c"]
    assert fields(ent1.post(url, {"method": "ls", "l": 0, "s": 6})) == ["l", "s"]
    assert fields(ent1.post(url, {"l": 3, "s": 3})) == ["method"]
    assert fields(ent1.post(url, {"method": "ls", "l": 3, "s": 3, "criteria_item": "NO-SUCH"})) == ["criteria_item"]
    assert written() == before
    assert ent1.get(f"/api/v1/risk-points/{points['gas'].uuid}").json()["assessed_level"] == "general"


def test_a_major_hazard_installation_makes_the_point_major_with_the_reason(api_as, points):
    response = api_as("ent1").post(
        f"/api/v1/risk-points/{points['gas'].uuid}/assessments",
        {"method": "ls", "l": 1, "s": 2, "major_hazard_source": True},
    )
    assert response.status_code == 201, response.content
    assert response.json()["level"] == "major" and response.json()["override_reason"]
    assert (
        response.json()["point"]["current_level"] == "major" and response.json()["point"]["control_level"] == "company"
    )


def test_a_stale_assessment_is_refused(api_as, points):
    before = written()
    response = api_as("ent1").post(
        f"/api/v1/risk-points/{points['gas'].uuid}/assessments", {"method": "ls", "l": 1, "s": 1, "version": 0}
    )
    assert response.status_code == 409
    assert written() == before


def test_a_reader_cannot_assess(api_as, points):
    before = written()
    response = api_as("verifier").post(
        f"/api/v1/risk-points/{points['gas'].uuid}/assessments", {"method": "ls", "l": 1, "s": 1}
    )
    assert response.status_code == 403
    assert written() == before


# ---- measures and checks ----------------------------------------------------------------------

MEASURE = {
    "kind": "engineering",
    "description": "燃气泄漏报警器每日巡检",
    "responsible_post": "巡检工",
    "frequency": "daily",
}


def test_measures_are_added_listed_and_changed(api_as, points):
    ent1 = api_as("ent1")
    url = f"/api/v1/risk-points/{points['gas'].uuid}/measures"
    created = ent1.post(url, MEASURE)
    assert created.status_code == 201, created.content
    measure = created.json()
    assert (measure["point_id"], measure["frequency"], measure["active"]) == (str(points["gas"].uuid), "daily", True)
    assert ent1.get(url).json()["count"] == 1
    open_checks = ent1.get("/api/v1/risk-checks", {"point": str(points["gas"].uuid), "open": "true"}).json()
    assert open_checks["count"] == 1 and open_checks["items"][0]["measure_id"] == measure["id"]
    changed = ent1.patch(f"/api/v1/risk-measures/{measure['id']}", {"frequency": "weekly", "active": False})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["frequency"], changed.json()["active"]) == ("weekly", False)
    assert ent1.get("/api/v1/risk-checks", {"open": "true"}).json()["count"] == 0


def test_a_bad_measure_is_refused_and_a_measure_outside_scope_is_not_found(api_as, points):
    ent1 = api_as("ent1")
    before = written()
    bad = ent1.post(
        f"/api/v1/risk-points/{points['gas'].uuid}/measures", {**MEASURE, "frequency": "hourly", "responsible_post": ""}
    )
    assert fields(bad) == ["responsible_post", "frequency"]
    assert written() == before
    measure = ent1.post(f"/api/v1/risk-points/{points['gas'].uuid}/measures", MEASURE).json()
    before = written()
    assert api_as("guixi").patch(f"/api/v1/risk-measures/{measure['id']}", {"active": False}).status_code == 404
    assert api_as("leader").patch(f"/api/v1/risk-measures/{measure['id']}", {"active": False}).status_code == 403
    assert fields(ent1.patch(f"/api/v1/risk-measures/{measure['id']}", {"kind": "magic"})) == ["kind"]
    assert api_as("leader").post(f"/api/v1/risk-points/{points['gas'].uuid}/measures", MEASURE).status_code == 403
    assert written() == before


def test_checks_are_listed_in_scope_and_filtered(api_as, points, people):
    services.measure_add(actor=people["ent1"], point=points["gas"], data=MEASURE)
    services.measure_add(actor=people["guixi"], point=points["shop"], data={**MEASURE, "description": "防爆检查"})
    ent1 = api_as("ent1")
    mine = ent1.get("/api/v1/risk-checks").json()
    assert mine["count"] == 1 and mine["items"][0]["point_code"] == points["gas"].code
    assert mine["items"][0]["can_record"] is True and mine["items"][0]["status"] == "open"
    assert api_as("city").get("/api/v1/risk-checks").json()["count"] == 2
    assert api_as("outsider").get("/api/v1/risk-checks").json() == {"items": [], "count": 0}
    assert ent1.get("/api/v1/risk-checks", {"status": "passed"}).json()["count"] == 0
    assert ent1.get("/api/v1/risk-checks", {"due_before": "2000-01-01"}).json()["count"] == 0
    assert ent1.get("/api/v1/risk-checks", {"point": str(points["shop"].uuid)}).json()["count"] == 0
    assert fields(ent1.get("/api/v1/risk-checks", {"status": "late"})) == ["status"]
    assert api_as("leader").get("/api/v1/risk-checks").json()["items"][0]["can_record"] is False


def test_a_passed_check_is_recorded_once(api_as, points, people):
    services.measure_add(actor=people["ent1"], point=points["gas"], data=MEASURE)
    ent1 = api_as("ent1")
    check_id = ent1.get("/api/v1/risk-checks").json()["items"][0]["id"]
    recorded = ent1.post(f"/api/v1/risk-checks/{check_id}/record", {"result": "passed"})
    assert recorded.status_code == 200, recorded.content
    assert (recorded.json()["status"], recorded.json()["checked_by"], recorded.json()["hazard_id"]) == (
        "passed",
        "ent1",
        None,
    )
    assert ent1.post(f"/api/v1/risk-checks/{check_id}/record", {"result": "passed"}).status_code == 409


def test_a_failed_check_reports_a_hazard_and_raises_the_point(api_as, points, people):
    services.measure_add(actor=people["ent1"], point=points["gas"], data=MEASURE)
    ent1 = api_as("ent1")
    check_id = ent1.get("/api/v1/risk-checks").json()["items"][0]["id"]
    before = written()
    assert fields(ent1.post(f"/api/v1/risk-checks/{check_id}/record", {"result": "failed"})) == ["note"]
    assert fields(ent1.post(f"/api/v1/risk-checks/{check_id}/record", {"result": "broken"})) == ["result"]
    assert api_as("guixi").post(f"/api/v1/risk-checks/{check_id}/record", {"result": "passed"}).status_code == 404
    assert api_as("leader").post(f"/api/v1/risk-checks/{check_id}/record", {"result": "passed"}).status_code == 403
    assert written() == before

    failed = ent1.post(f"/api/v1/risk-checks/{check_id}/record", {"result": "failed", "note": "报警器失灵"})
    assert failed.status_code == 200, failed.content
    check = failed.json()
    assert check["status"] == "failed" and check["hazard_id"] and check["hazard_code"].startswith("YT-YH-")
    hazard = Hazard.objects.get(uuid=check["hazard_id"])
    assert hazard.code == check["hazard_code"] and hazard.enterprise_id == points["gas"].enterprise_id

    point = api_as("yuehu").get("/api/v1/risk-points", {"raised": "true"}).json()["items"]
    assert [p["code"] for p in point] == [points["gas"].code]
    assert (point[0]["assessed_level"], point[0]["current_level"]) == ("general", "significant")
    assert check["hazard_code"] in point[0]["raised_reason"] and point[0]["reassess_reason"] == "open_hazard"
    assert point[0]["colour"] == "#F39800"
    linked = ent1.get(f"/api/v1/risk-points/{points['gas'].uuid}/hazards").json()
    assert [(h["code"], h["check_id"]) for h in linked["items"]] == [(check["hazard_code"], check_id)]


def test_a_failed_check_with_a_bad_hazard_field_writes_nothing(api_as, points, people):
    services.measure_add(actor=people["ent1"], point=points["gas"], data=MEASURE)
    ent1 = api_as("ent1")
    check_id = ent1.get("/api/v1/risk-checks").json()["items"][0]["id"]
    before = written()
    response = ent1.post(
        f"/api/v1/risk-checks/{check_id}/record", {"result": "failed", "note": "失灵", "level": "catastrophic"}
    )
    assert fields(response) == ["level"]
    assert written() == before
    assert ent1.get(f"/api/v1/risk-checks?point={points['gas'].uuid}").json()["items"][0]["status"] == "open"


# ---- re-assessment and linked hazards ---------------------------------------------------------


def test_a_reassessment_is_requested_after_an_accident(api_as, points):
    url = f"/api/v1/risk-points/{points['gas'].uuid}/reassessment"
    ent1 = api_as("ent1")
    before = written()
    assert fields(ent1.post(url, {"reason": "review_cycle", "note": "x"})) == ["reason"]
    assert fields(ent1.post(url, {"reason": "accident"})) == ["note"]
    assert api_as("leader").post(url, {"reason": "accident", "note": "x"}).status_code == 403
    assert written() == before
    response = ent1.post(url, {"reason": "accident", "note": "3月5日发生泄漏"})
    assert response.status_code == 200, response.content
    assert response.json()["reassess_reason"] == "accident"
    assert codes(ent1.get("/api/v1/risk-points", {"reassess": "true"})) == {points["gas"].code}


def test_a_hazard_in_scope_is_linked_and_raises_the_point(api_as, points, people):
    hazard = report_hazard(people, "grid1")  # at ent1's gas company
    crossing = f"/api/v1/risk-points/{points['crossing'].uuid}/hazards"
    yuehu = api_as("yuehu")
    response = yuehu.post(crossing, {"hazard_id": hazard.code})
    assert response.status_code == 200, response.content
    assert (response.json()["current_level"], response.json()["assessed_level"]) == ("major", "significant")
    assert hazard.code in response.json()["raised_reason"]
    assert [h["id"] for h in yuehu.get(crossing).json()["items"]] == [str(hazard.uuid)]


def test_a_hazard_outside_the_callers_scope_cannot_be_linked(api_as, points, people):
    hazard = report_hazard(people, "guixi", lon=117.212, lat=28.292, sector="fireworks", title="仓库超量储存")
    ent1 = api_as("ent1")
    before = written()
    url = f"/api/v1/risk-points/{points['gas'].uuid}/hazards"
    assert fields(ent1.post(url, {"hazard_id": str(hazard.uuid)})) == ["hazard_id"]
    assert fields(ent1.post(url, {"hazard_id": "YT-YH-2026-999999"})) == ["hazard_id"]
    assert fields(ent1.post(url, {})) == ["hazard_id"]
    assert written() == before


def test_error_messages_follow_the_language(api_as):
    with translation.override("en"):
        response = api_as("ent1").post(
            "/api/v1/risks/evaluate",
            {"method": "ls", "l": 1, "s": 1, "sector": "nope"},
            headers={"Accept-Language": "en"},
        )
    assert response.json()["errors"] == [{"field": "sector", "message": "Unknown sector code: nope"}]

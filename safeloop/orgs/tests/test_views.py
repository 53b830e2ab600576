"""The organisation pages as the demo people see them: what is listed, what is a 404, who may edit."""

import pytest
from django.conf import settings
from django.urls import reverse

from safeloop.core.models import AuditEvent
from safeloop.core.testing import make_uscc
from safeloop.orgs.models import Enterprise, ResponsibilityRule

GOOD = {
    "name": "月湖区测试加油站",
    "uscc": make_uscc(950),
    "sectors": ["hazchem"],
    "scale": "small",
    "lon": "117.041",
    "lat": "28.231",
    "active": "on",
}


@pytest.fixture
def login(client, people):
    """The test client logged in as a demo person, reading the English source strings."""

    def as_(username):
        client.force_login(people[username])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_


def html(response):
    return response.content.decode()


# ---- enterprise list -----------------------------------------------------------------------------


def test_a_district_officer_lists_only_its_districts_enterprises(login, city):
    page = html(login("yuehu").get(reverse("orgs:enterprise_list")))
    assert "鹰潭月湖燃气有限公司" in page and "月湖区第一小学" in page and "鹰潭东湖化工有限公司" in page
    assert "贵溪市花园烟花爆竹批发部" not in page

    page = html(login("guixi").get(reverse("orgs:enterprise_list")))
    assert "贵溪市花园烟花爆竹批发部" in page
    assert "月湖" not in page.split('data-testid="enterprise-table"')[1]


def test_an_outsider_lists_no_enterprises(login, city):
    response = login("outsider").get(reverse("orgs:enterprise_list"))
    assert response.status_code == 200
    page = html(response)
    for enterprise in city.enterprises.values():
        assert enterprise.name not in page and enterprise.uscc not in page


def test_filter_choices_and_counts_do_not_leak(login, city):
    client = login("yuehu")
    page = html(client.get(reverse("orgs:enterprise_list")))
    assert "贵溪" not in page  # neither an enterprise nor a division choice
    assert 'value="360602001"' in page  # its own township is a choice
    assert "3 enterprises" in page

    # Asking for the other district's division or grid finds nothing, not their count.
    page = html(client.get(reverse("orgs:enterprise_list"), {"division": "360681"}))
    assert "0 enterprises" in page and "贵溪市花园" not in page
    page = html(client.get(reverse("orgs:enterprise_list"), {"grid": "360681001001001"}))
    assert "0 enterprises" in page

    page = html(client.get(reverse("orgs:enterprise_list"), {"sector": "gas"}))
    assert "1 enterprise" in page and "鹰潭月湖燃气有限公司" in page and "月湖区第一小学" not in page


def test_the_division_filter_selects_everything_inside_it(login, city):
    page = html(login("yuehu").get(reverse("orgs:enterprise_list"), {"division": "360602003"}))
    assert "鹰潭东湖化工有限公司" in page and "鹰潭月湖燃气有限公司" not in page


def test_the_list_links_import_and_export_only_for_editors(login, city):
    page = html(login("yuehu").get(reverse("orgs:enterprise_list"), {"sector": "gas"}))
    assert reverse("orgs:enterprise_create") in page
    page = html(login("yingji").get(reverse("orgs:enterprise_list")))
    assert reverse("orgs:enterprise_create") not in page


def test_the_enterprise_list_has_no_n_plus_1(login, city, django_assert_max_num_queries):
    client = login("yuehu")
    for serial in range(60):
        Enterprise.objects.create(
            name=f"月湖测试企业{serial:02d}",
            uscc=make_uscc(1000 + serial),
            lon=117.035,
            lat=28.235,
            division_id="360602001001",
            grid_id="360602001001001",
            flags=["confined_space"],
        ).sectors.set(city.enterprises["yuehu_school"].sectors.all())
    client.get(reverse("orgs:enterprise_list"))  # warm the session and the grid index
    with django_assert_max_num_queries(11):  # no security-policy read on a recent session
        response = client.get(reverse("orgs:enterprise_list"))
    assert html(response).count("/orgs/enterprises/") >= 50
    assert "63 enterprises" in html(response)
    filtered = client.get(reverse("orgs:enterprise_list"), {"flag": "confined_space"})
    assert "?flag=confined_space&amp;page=2" in html(filtered)  # the next page keeps the filter
    second = client.get(reverse("orgs:enterprise_list"), {"flag": "confined_space", "page": 2})
    assert "51–60 of 60" in html(second)


# ---- enterprise detail ---------------------------------------------------------------------------


def test_an_enterprise_outside_scope_is_404(login, city):
    gas = city.enterprises["yuehu_gas"]
    url = reverse("orgs:enterprise_detail", args=[gas.uuid])
    assert login("guixi").get(url).status_code == 404
    assert login("outsider").get(url).status_code == 404
    assert login("guixi").get(reverse("orgs:enterprise_edit", args=[gas.uuid])).status_code == 404


def test_phones_are_masked_for_viewers_who_cannot_edit(login, city):
    gas = city.enterprises["yuehu_gas"]
    url = reverse("orgs:enterprise_detail", args=[gas.uuid])
    page = html(login("yuehu").get(url))
    assert "13912345678" in page
    page = html(login("grid1").get(url))
    assert "139****5678" in page and "13912345678" not in page


# ---- enterprise create and edit ------------------------------------------------------------------


def test_creating_an_enterprise_through_the_form(login, city):
    response = login("yuehu").post(reverse("orgs:enterprise_create"), GOOD)
    enterprise = Enterprise.objects.get(uscc=GOOD["uscc"])
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:enterprise_detail", args=[enterprise.uuid])
    assert enterprise.grid_id == "360602001002001"  # derived from the location
    assert AuditEvent.objects.filter(verb="create", object_id=str(enterprise.uuid)).exists()


def test_an_invalid_uscc_is_shown_on_its_field_and_nothing_is_written(login, city):
    before = Enterprise.objects.count(), AuditEvent.objects.count()
    response = login("yuehu").post(reverse("orgs:enterprise_create"), {**GOOD, "uscc": make_uscc(951)[:-1] + "0"})
    assert response.status_code == 422
    assert 'data-field-error="uscc"' in html(response)
    assert "check character" in html(response)
    assert (Enterprise.objects.count(), AuditEvent.objects.count()) == before


def test_a_division_code_not_in_the_tree_is_shown_on_its_field(login, city):
    before = Enterprise.objects.count()
    response = login("yuehu").post(reverse("orgs:enterprise_create"), {**GOOD, "division_code": "360602999999"})
    assert response.status_code == 422
    assert 'data-field-error="division_code"' in html(response)
    assert Enterprise.objects.count() == before


def test_a_location_outside_every_grid_is_shown_by_the_location(login, city):
    response = login("yuehu").post(reverse("orgs:enterprise_create"), {**GOOD, "lon": "117.5", "lat": "28.0"})
    assert response.status_code == 422
    assert 'data-field-error="location"' in html(response)


def test_adding_in_another_district_is_refused_with_the_reason(login, city):
    data = {**GOOD, "lon": "117.215", "lat": "28.295"}  # inside a 贵溪 grid
    response = login("yuehu").post(reverse("orgs:enterprise_create"), data)
    assert response.status_code == 403
    assert "may not add enterprises in this division" in html(response)
    assert not Enterprise.objects.filter(uscc=GOOD["uscc"]).exists()


def test_the_enterprise_officer_edits_its_phone_but_not_its_name(login, city):
    gas = city.enterprises["yuehu_gas"]
    url = reverse("orgs:enterprise_edit", args=[gas.uuid])
    client = login("ent1")
    form = html(client.get(url))
    assert 'name="principal_phone"' in form and 'name="name"' not in form and 'name="uscc"' not in form

    response = client.post(url, {"principal_phone": "13800138000", "principal_name": "负责人", "address": gas.address})
    assert response.status_code == 302
    gas.refresh_from_db()
    assert gas.principal_phone == "13800138000"
    assert AuditEvent.objects.filter(verb="update", object_id=str(gas.uuid), actor=city.people["ent1"]).exists()

    response = client.post(url, {"name": "改名公司", "principal_phone": "13800138000"})
    assert response.status_code == 403
    assert "only contacts, address and staff numbers" in html(response)
    gas.refresh_from_db()
    assert gas.name == "鹰潭月湖燃气有限公司"


def test_a_department_officer_may_read_but_not_edit(login, city):
    school = city.enterprises["yuehu_school"]
    client = login("jiaoyu")
    assert client.get(reverse("orgs:enterprise_detail", args=[school.uuid])).status_code == 200
    assert client.get(reverse("orgs:enterprise_edit", args=[school.uuid])).status_code == 403


def test_moving_the_location_rederives_grid_and_division(login, city):
    school = city.enterprises["yuehu_school"]
    client = login("yuehu")
    url = reverse("orgs:enterprise_edit", args=[school.uuid])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update({"lon": "117.055", "lat": "28.235", "active": "on"})
    response = client.post(url, data)
    assert response.status_code == 302, html(response)
    school.refresh_from_db()
    assert school.grid_id == "360602003001001" and school.division_id == "360602003001"


# ---- responsibility map --------------------------------------------------------------------------


def rule_url(name, sector="gas", level="city"):
    return reverse(f"orgs:{name}", args=[sector, level])


def test_the_responsibility_map_names_departments(login, city):
    page = html(login("yuehu").get(reverse("orgs:responsibility_map")))
    assert "市消防救援支队" in page  # fire, city level, resolved from the function code
    assert "月湖区应急管理局" in page  # district level, in the viewer's own district
    assert "unverified" in page
    assert rule_url("responsibility_rule_edit") not in page  # no edit button for a district


def test_the_city_office_edits_a_rule_and_it_is_audited(login, city):
    client = login("city")
    assert rule_url("responsibility_rule_edit") in html(client.get(reverse("orgs:responsibility_map")))
    data = {
        "lead_function": "urban_management",
        "co_functions": ["market", "fire_rescue"],
        "legal_basis": "城镇燃气管理条例 第5条",
    }
    response = client.post(rule_url("responsibility_rule_edit"), data)
    assert response.status_code == 302
    rule = ResponsibilityRule.objects.get(sector__code="gas", level="city")
    assert rule.lead_function == "urban_management" and rule.co_functions == ["market", "fire_rescue"]
    assert rule.confidence == "V"  # confirmed locally by the city office
    event = AuditEvent.objects.filter(verb="update", actor=city.people["city"]).latest("pk")
    assert event.after["lead_function"] == "urban_management"


def test_an_inline_edit_returns_the_row(login, city):
    client = login("city")
    form = client.get(rule_url("responsibility_rule_edit"), headers={"HX-Request": "true"})
    assert "<form" in html(form) and "<html" not in html(form)
    data = {"lead_function": "housing", "co_functions": ["market"], "legal_basis": ""}
    row = client.post(rule_url("responsibility_rule_edit"), data, headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert html(row).startswith("<tr") and "市住房和城乡建设局" in html(row)


def test_a_rule_with_an_unknown_function_shows_the_error(login, city):
    # The choices come from the departments; an old form can still post a function that is gone.
    response = login("city").post(rule_url("responsibility_rule_edit"), {"lead_function": "ministry_of_magic"})
    assert response.status_code == 422
    assert 'data-field-error="lead_function"' in html(response)


def test_a_district_officer_may_not_edit_the_responsibility_map(login, city):
    client = login("yuehu")
    before = ResponsibilityRule.objects.get(sector__code="gas", level="city").lead_function
    assert client.get(rule_url("responsibility_rule_edit")).status_code == 403
    response = client.post(rule_url("responsibility_rule_edit"), {"lead_function": "housing", "co_functions": []})
    assert response.status_code == 403
    assert "Only the city office" in html(response)
    assert ResponsibilityRule.objects.get(sector__code="gas", level="city").lead_function == before


# ---- grids ---------------------------------------------------------------------------------------


def test_the_grid_geojson_holds_only_the_users_grids(login, city):
    data = login("yuehu").get(reverse("orgs:grid_geojson")).json()
    assert data["type"] == "FeatureCollection"
    codes = {f["properties"]["code"] for f in data["features"]}
    assert codes == {"360602001001001", "360602001002001", "360602003001001"}
    worked = next(f for f in data["features"] if f["properties"]["code"] == city.enterprises["yuehu_gas"].grid_id)
    assert worked["properties"]["workers"] == ["吴网格"]
    assert worked["geometry"]["type"] == "Polygon"

    assert [f["properties"]["code"] for f in login("guixi").get(reverse("orgs:grid_geojson")).json()["features"]] == [
        "360681001001001"
    ]
    assert login("outsider").get(reverse("orgs:grid_geojson")).json()["features"] == []
    grid1 = login("grid1").get(reverse("orgs:grid_geojson")).json()["features"]
    assert [f["properties"]["code"] for f in grid1] == [city.enterprises["yuehu_gas"].grid_id]


def test_the_grid_geojson_filters_by_division_without_leaking(login, city):
    client = login("yuehu")
    inside = client.get(reverse("orgs:grid_geojson"), {"division": "360602003"}).json()["features"]
    assert [f["properties"]["code"] for f in inside] == ["360602003001001"]
    assert client.get(reverse("orgs:grid_geojson"), {"division": "360681"}).json()["features"] == []


def test_the_grid_detail_lists_its_enterprises_and_workers(login, city):
    code = city.enterprises["yuehu_gas"].grid_id
    page = html(login("yuehu").get(reverse("orgs:grid_detail", args=[code])))
    assert "鹰潭月湖燃气有限公司" in page and "吴网格" in page and "月湖区第一小学" not in page
    assert login("guixi").get(reverse("orgs:grid_detail", args=[code])).status_code == 404


def test_the_grid_map_page_offers_only_visible_divisions(login, city):
    page = html(login("guixi").get(reverse("orgs:grid_map")))
    assert reverse("orgs:grid_geojson") in page and "花园街道" in page and "月湖" not in page


# ---- divisions and departments -------------------------------------------------------------------


def test_the_division_tree_counts_only_what_the_user_may_see(login, city):
    page = html(login("yuehu").get(reverse("orgs:division_tree")))
    assert "月湖区" in page and "江边街道" in page and "贵溪市" not in page and "花园街道" not in page
    assert "3 grids" in page and "3 enterprises" in page  # 月湖区 and its ancestors: nothing of 贵溪's
    assert "4 grids" not in page and "4 enterprises" not in page
    # the functional zone 高新区 manages 月湖 townships and is not verified; 龙虎山 (贵溪) is not shown
    assert "鹰潭国家高新技术产业开发区" in page and "needs review" in page and "龙虎山" not in page

    page = html(login("city").get(reverse("orgs:division_tree")))
    assert "4 grids" in page and "4 enterprises" in page and "龙虎山风景名胜区" in page


def test_a_department_officer_counts_only_its_sectors(login, city):
    page = html(login("jiaoyu").get(reverse("orgs:division_tree")))
    assert "1 enterprise<" in page and "4 grids" in page  # the school; grids are not sector-bound


def test_the_department_list_shows_function_level_territory_and_sectors(login, city):
    page = html(login("yuehu").get(reverse("orgs:department_list")))
    assert "市应急管理局" in page and "emergency" in page and "月湖区教育局" in page
    assert login("outsider").get(reverse("orgs:department_list")).content.decode().count("<tr") == 0


@pytest.mark.parametrize(
    "name", ["enterprise_list", "division_tree", "grid_map", "grid_geojson", "department_list", "responsibility_map"]
)
def test_pages_need_a_login(client, db, name):
    response = client.get(reverse(f"orgs:{name}"))
    assert response.status_code == 302 and "login" in response["Location"]

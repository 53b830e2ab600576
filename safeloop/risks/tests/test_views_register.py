"""The risk register's pages as the demo people see them: the list inside each one's scope with its
filters and buttons, the detail page (404 outside scope), the point, assessment, measure, re-assessment
and retire forms posting through the services (naming the bad field and writing nothing, or showing the
"changed meanwhile" conflict for a stale form), the live score preview, and the band tables that the
city office edits (a changed table changes the outcome, no code change) and others only read."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.orgs.services import NotAllowed
from safeloop.risks import scoring, services, services_bands
from safeloop.risks.models import CheckTask, ControlMeasure, RiskAssessment, RiskBandTable, RiskMethodSetting, RiskPoint

YUEHU_PUBLIC = (117.045, 28.235)  # inside 月湖区 grid 360602001002001
GUIXI_PUBLIC = (117.215, 28.295)  # inside 贵溪市


def html(response):
    return response.content.decode()


@pytest.fixture
def yuehu_public(people):
    lon, lat = YUEHU_PUBLIC
    return services.risk_point_create(
        actor=people["yuehu"],
        data={"name": "站前广场", "kind": "place", "sector": "fire", "lon": lon, "lat": lat},
    )


@pytest.fixture
def guixi_point(people):
    lon, lat = GUIXI_PUBLIC
    return services.risk_point_create(
        actor=people["guixi"],
        data={"name": "花园社区烟花零售点", "kind": "place", "sector": "fireworks", "lon": lon, "lat": lat},
    )


def _assess(client, point, **data):
    point.refresh_from_db()
    body = {"method": "lec", "version": point.version} | data
    return client.post(reverse("risks:assess", args=[point.uuid]), body)


# ---- list ------------------------------------------------------------------------------------------


def test_each_person_lists_only_the_points_in_scope(login, gas_point, yuehu_public, guixi_point):
    page = html(login("yuehu").get(reverse("risks:list")))
    assert gas_point.code in page and yuehu_public.code in page and guixi_point.code not in page

    page = html(login("guixi").get(reverse("risks:list")))
    assert guixi_point.code in page and gas_point.code not in page and yuehu_public.code not in page

    page = html(login("ent1").get(reverse("risks:list")))
    assert gas_point.code in page and yuehu_public.code not in page and guixi_point.code not in page

    response = login("outsider").get(reverse("risks:list"))
    assert response.status_code == 200
    assert gas_point.code not in html(response) and "No risk points match." in html(response)


def test_list_shows_level_enterprise_or_public_area_and_control_level(login, gas_point, yuehu_public):
    page = html(login("yuehu").get(reverse("risks:list")))
    row = re.search(rf'<tr data-code="{gas_point.code}">.*?</tr>', page, re.S).group(0)
    assert 'data-level="general"' in row and "鹰潭月湖燃气有限公司" in row and "Team level" in row
    row = re.search(rf'<tr data-code="{yuehu_public.code}">.*?</tr>', page, re.S).group(0)
    assert "Public area" in row and 'data-level=""' in row


def test_list_filters_and_keeps_the_filter_in_export_and_map_links(login, gas_point, yuehu_public):
    client = login("yuehu")
    page = html(client.get(reverse("risks:list"), {"public": "true"}))
    assert yuehu_public.code in page and gas_point.code not in page
    assert 'href="/risks/export.xlsx?public=true"' in page
    assert re.search(r'href="/risks/map/\?public=true" data-testid="map-link"', page)

    page = html(client.get(reverse("risks:list"), {"level": ["general", "major"]}))
    assert gas_point.code in page and yuehu_public.code not in page

    page = html(client.get(reverse("risks:list"), {"q": "调压"}))
    assert gas_point.code in page and yuehu_public.code not in page


def test_only_people_who_may_add_points_see_the_button(login, gas_point):
    assert 'data-testid="create"' in html(login("ent1").get(reverse("risks:list")))
    assert 'data-testid="create"' in html(login("yuehu").get(reverse("risks:list")))
    assert 'data-testid="create"' not in html(login("grid1").get(reverse("risks:list")))
    assert 'data-testid="create"' not in html(login("verifier").get(reverse("risks:list")))
    assert login("verifier").get(reverse("risks:create")).status_code == 403


# ---- detail ----------------------------------------------------------------------------------------


def test_detail_is_404_outside_scope(login, gas_point, guixi_point):
    url = reverse("risks:detail", args=[gas_point.uuid])
    assert login("guixi").get(url).status_code == 404
    assert login("outsider").get(url).status_code == 404
    assert login("ent1").get(reverse("risks:detail", args=[guixi_point.uuid])).status_code == 404
    assert login("yuehu").get(url).status_code == 200


def test_detail_shows_the_point_its_level_history_and_people(login, gas_point):
    page = html(login("ent1").get(reverse("risks:detail", args=[gas_point.uuid])))
    assert gas_point.code in page and "调压站" in page and "张总" in page and "13900000000" in page
    assert re.search(r'data-testid="current-level"><span[^>]*data-level="general"', page)
    assert "Team level" in page  # control level of a general risk at an enterprise
    assert page.count('data-testid="assessment-row"') == 1 and "L 3 × E 6 × C 7" in page
    assert 'data-testid="assess"' in page and 'data-testid="retire"' in page


def test_people_who_may_not_edit_see_no_buttons(login, gas_point, people):
    page = html(login("grid1").get(reverse("risks:detail", args=[gas_point.uuid])))
    assert "调压站" in page and 'data-testid="point-actions"' not in page
    assert login("grid1").get(reverse("risks:assess", args=[gas_point.uuid])).status_code == 403


def test_detail_shows_checks_and_links_a_failed_check_to_its_hazard(login, gas_point, people):
    measure = services.measure_add(
        actor=people["ent1"],
        point=gas_point,
        data={
            "kind": "engineering",
            "description": "燃气泄漏报警器巡检",
            "responsible_post": "巡检工",
            "frequency": "daily",
        },
    )
    task = CheckTask.objects.get(measure=measure)
    services.check_record(actor=people["ent1"], task=task, data={"result": "failed", "note": "报警器失灵"})
    task.refresh_from_db()
    page = html(login("ent1").get(reverse("risks:detail", args=[gas_point.uuid])))
    assert "燃气泄漏报警器巡检" in page and 'data-status="failed"' in page
    assert f'href="{reverse("hazards:detail", args=[task.hazard.uuid])}"' in page
    assert 'data-testid="raised"' in page and task.hazard.code in page  # why raised, and the linked hazard


# ---- the point form --------------------------------------------------------------------------------


def test_enterprise_officer_adds_a_point_through_the_form(login, city):
    client = login("ent1")
    page = html(client.get(reverse("risks:create")))
    assert str(city.enterprises["yuehu_gas"].uuid) in page
    assert str(city.enterprises["yuehu_school"].uuid) not in page  # only enterprises in scope are offered
    response = client.post(
        reverse("risks:create"),
        {
            "name": "液化气储罐区",
            "kind": "area",
            "sector": "gas",
            "enterprise_id": str(city.enterprises["yuehu_gas"].uuid),
            "resp_company_name": "张总",
            "resp_company_phone": "13900000000",
            "resp_post_name": "李工",
        },
    )
    point = RiskPoint.objects.get(name="液化气储罐区")
    assert response.status_code == 302 and response["Location"] == reverse("risks:assess", args=[point.uuid])
    assert point.enterprise == city.enterprises["yuehu_gas"] and point.division_id == "360602001001"
    assert point.responsible == [
        {"tier": "company", "name": "张总", "phone": "13900000000"},
        {"tier": "post", "name": "李工", "phone": ""},
    ]


def test_a_bad_point_form_names_the_fields_and_writes_nothing(login, city):
    client = login("yuehu")
    before = (RiskPoint.objects.count(), AuditEvent.objects.count())
    response = client.post(
        reverse("risks:create"),
        {"name": "河道", "kind": "area", "sector": "flood", "resp_township_phone": "0701-1234567"},
    )
    assert response.status_code == 422
    page = html(response)
    assert 'data-testid="error-lon"' in page  # no position, no area, no enterprise
    assert re.search(r'data-testid="error-resp_township_name">\s*<div>This field is required.', page)
    response = client.post(
        reverse("risks:create"),
        {"name": "河道", "kind": "area", "sector": "flood", "polygon": "{not json"},
    )
    assert response.status_code == 422 and "This is not valid GeoJSON." in html(response)
    assert (RiskPoint.objects.count(), AuditEvent.objects.count()) == before


def test_editing_a_point_through_the_form(login, yuehu_public):
    client = login("yuehu")
    url = reverse("risks:edit", args=[yuehu_public.uuid])
    assert "站前广场" in html(client.get(url))
    response = client.post(
        url,
        {
            "name": "站前广场（东）",
            "kind": "place",
            "sector": "fire",
            "lon": "117.045",
            "lat": "28.235",
            "resp_grid_name": "王网格员",
            "version": yuehu_public.version,
        },
    )
    assert response.status_code == 302
    yuehu_public.refresh_from_db()
    assert yuehu_public.name == "站前广场（东）" and yuehu_public.responsible[0]["tier"] == "grid"
    # The same stale form again: someone changed the point meanwhile.
    response = client.post(url, {"name": "又改了", "kind": "place", "sector": "fire", "version": 0})
    assert response.status_code == 409
    with translation.override("en"):
        assert str(services.CHANGED_MEANWHILE) in html(response)
    yuehu_public.refresh_from_db()
    assert yuehu_public.name == "站前广场（东）"


# ---- assessment ------------------------------------------------------------------------------------


def test_assessment_form_offers_the_lec_values_with_their_meaning(login, gas_point):
    page = html(login("ent1").get(reverse("risks:assess", args=[gas_point.uuid])))
    assert '<option value="6">6 — quite possible</option>' in page
    assert '<option value="0.5">0.5 — exposed very rarely</option>' in page
    assert '<option value="5">5 — one death</option>' in page


def test_a_bad_lec_value_shows_the_field_message_and_writes_nothing(login, gas_point):
    client = login("ent1")
    response = _assess(client, gas_point, l="4", e="6", c="7")
    assert response.status_code == 422
    assert re.search(r'data-testid="error-l">\s*<div>L must be one of 0.1、0.2、0.5、1、3、6、10.', html(response))
    assert RiskAssessment.objects.filter(point=gas_point).count() == 1
    gas_point.refresh_from_db()
    assert gas_point.assessed_level == "general"


def test_assessing_through_the_form_changes_the_badge_and_adds_history(login, gas_point):
    client = login("ent1")
    response = _assess(client, gas_point, l="6", e="6", c="15")  # 540 ≥ 320
    assert response.status_code == 302
    page = html(client.get(reverse("risks:detail", args=[gas_point.uuid])))
    assert re.search(r'data-testid="current-level"><span[^>]*data-level="major"', page)
    assert page.count('data-testid="assessment-row"') == 2 and "L 6 × E 6 × C 15" in page
    assert "Company level" in page


def test_a_residual_and_a_direct_judgement_through_the_form(login, gas_point):
    client = login("ent1")
    response = _assess(client, gas_point, l="3", e="6", c="7", res_l="1", res_e="6", res_c="7")
    assert response.status_code == 302
    gas_point.refresh_from_db()
    assert gas_point.residual_score == 42 and gas_point.assessed_level == "low"
    response = _assess(client, gas_point, method="ls", ls_l="2", ls_s="2", major_hazard_source="on")
    assert response.status_code == 302
    gas_point.refresh_from_db()
    assert gas_point.method == "ls" and gas_point.assessed_level == "major" and gas_point.override_reason


def test_residual_factors_half_given_name_the_missing_ones(login, gas_point):
    response = _assess(login("ent1"), gas_point, l="3", e="6", c="7", res_l="1")
    assert response.status_code == 422
    assert 'data-testid="error-res_e"' in html(response) and 'data-testid="error-res_c"' in html(response)


def test_posting_the_same_assessment_form_twice_is_a_conflict(login, gas_point):
    client = login("ent1")
    gas_point.refresh_from_db()
    body = {"method": "lec", "version": gas_point.version, "l": "6", "e": "6", "c": "7"}
    url = reverse("risks:assess", args=[gas_point.uuid])
    assert client.post(url, body).status_code == 302
    response = client.post(url, body)
    assert response.status_code == 409
    with translation.override("en"):
        assert str(services.CHANGED_MEANWHILE) in html(response)
    assert RiskAssessment.objects.filter(point=gas_point).count() == 2


def test_the_preview_shows_score_and_level_or_the_messages(login, gas_point):
    client = login("ent1")
    url = reverse("risks:evaluate_preview")
    page = html(client.get(url, {"method": "lec", "sector": "gas", "l": "3", "e": "3", "c": "7"}))
    assert "D = 63" in page and 'data-level="low"' in page
    page = html(client.get(url, {"method": "lec", "sector": "gas", "l": "4", "e": "3", "c": "7"}))
    assert "L must be one of" in page and 'data-testid="preview-level"' not in page
    page = html(client.get(url, {"method": "ls", "sector": "gas", "ls_l": "2", "ls_s": "2", "criteria_item": "x"}))
    assert "R = 4" in page and re.search(r'data-testid="preview-level"><span[^>]*data-level="major"', page)


# ---- measures, re-assessment, retiring -------------------------------------------------------------


def test_measures_are_added_edited_and_deactivated_through_the_forms(login, gas_point):
    client = login("ent1")
    response = client.post(
        reverse("risks:measure_add", args=[gas_point.uuid]),
        {"kind": "management", "description": "交接班检查", "responsible_post": "班长", "frequency": "weekly"},
    )
    assert response.status_code == 302
    measure = ControlMeasure.objects.get(point=gas_point)
    assert CheckTask.objects.filter(measure=measure, status="open").count() == 1

    response = client.post(reverse("risks:measure_add", args=[gas_point.uuid]), {"kind": "management"})
    assert response.status_code == 422 and 'data-testid="error-description"' in html(response)
    assert ControlMeasure.objects.filter(point=gas_point).count() == 1

    url = reverse("risks:measure_edit", args=[measure.uuid])
    response = client.post(
        url,
        {
            "kind": "management",
            "description": "交接班检查",
            "responsible_post": "值班长",
            "frequency": "daily",
            "active": "on",
        },
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.responsible_post == "值班长" and measure.frequency == "daily"

    assert client.post(url, {"toggle": "1", "active": "false"}).status_code == 302
    measure.refresh_from_db()
    assert not measure.active and not CheckTask.objects.filter(measure=measure, status="open").exists()
    assert 'data-testid="measure-inactive"' in html(client.get(reverse("risks:detail", args=[gas_point.uuid])))
    assert login("guixi").get(url).status_code == 404


def test_requesting_a_reassessment_and_retiring(login, gas_point):
    client = login("ent1")
    url = reverse("risks:reassess", args=[gas_point.uuid])
    response = client.post(url, {"reason": "accident"})
    assert response.status_code == 422 and 'data-testid="error-note"' in html(response)
    assert client.post(url, {"reason": "accident", "note": "3月5日发生闪爆"}).status_code == 302
    gas_point.refresh_from_db()
    assert gas_point.reassess_reason == "accident"
    assert "A linked accident" in html(client.get(reverse("risks:list")))

    response = client.post(reverse("risks:set_active", args=[gas_point.uuid]), {"active": "0"})
    assert response.status_code == 302
    gas_point.refresh_from_db()
    assert not gas_point.active
    assert gas_point.code not in html(client.get(reverse("risks:list")))
    assert 'data-testid="retired"' in html(client.get(reverse("risks:detail", args=[gas_point.uuid])))
    assert login("grid1").post(reverse("risks:set_active", args=[gas_point.uuid]), {"active": "1"}).status_code == 403


# ---- band tables -----------------------------------------------------------------------------------


def test_everyone_reads_the_band_tables_but_only_the_city_edits(login, city):
    page = html(login("ent1").get(reverse("risks:bands")))
    assert 'data-testid="interval-major">D ≥ 320<' in page and "160 ≤ D &lt; 320" in page
    assert 'data-testid="band-form"' not in page
    assert 'data-testid="band-form"' in html(login("city").get(reverse("risks:bands")))
    assert login("outsider").get(reverse("risks:bands")).status_code == 403

    url = reverse("risks:band_edit", args=["lec-default"])
    body = {
        "lec-default-title": "LEC（本市）",
        "lec-default-major_from": "320",
        "lec-default-significant_from": "160",
        "lec-default-general_from": "60",
        "lec-default-confidence": "V",
        "lec-default-source": "市安委办 2026",
    }
    assert login("yuehu").post(url, body).status_code == 403
    assert RiskBandTable.objects.get(code="lec-default").general_from == 70
    assert login("city").post(url, body).status_code == 302
    table = RiskBandTable.objects.get(code="lec-default")
    assert table.general_from == 60 and table.title == "LEC（本市）"
    event = AuditEvent.objects.filter(verb="risk_band_table.update").get()
    assert event.before["general_from"] == "70.00" and event.after["general_from"] == "60.00"


def test_thresholds_must_decrease(login, city):
    url = reverse("risks:band_edit", args=["lec-default"])
    response = login("city").post(
        url,
        {
            "lec-default-title": "LEC",
            "lec-default-major_from": "150",
            "lec-default-significant_from": "160",
            "lec-default-general_from": "0",
            "lec-default-confidence": "S",
        },
    )
    assert response.status_code == 422
    page = html(response)
    assert 'data-testid="error-major_from"' in page and "Must be greater than the threshold of significant" in page
    assert "The threshold of general risk must be greater than 0." in page
    assert RiskBandTable.objects.get(code="lec-default").major_from == 320


def test_a_changed_table_changes_the_outcome(city, people):
    """63 = 3 × 3 × 7 is low under the default table (general from 70) and general once the city
    moves that threshold to 60: the bands live in the database, not in code."""
    data = {"l": 3, "e": 3, "c": 7}
    assert scoring.evaluate(method="lec", sector="gas", data=data).level == "low"
    table = RiskBandTable.objects.get(code="lec-default")
    services_bands.band_table_update(actor=people["city"], table=table, data={"general_from": "60"})
    outcome = scoring.evaluate(method="lec", sector="gas", data=data)
    assert outcome.score == Decimal("63") and outcome.level == "general"


def test_band_table_update_refuses_other_roles_and_bad_input(city, people):
    table = RiskBandTable.objects.get(code="ls-b")
    with pytest.raises(NotAllowed):
        services_bands.band_table_update(actor=people["yuehu"], table=table, data={"general_from": "3"})
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        services_bands.band_table_update(
            actor=people["city"], table=table, data={"significant_from": "20", "general_from": "x"}
        )
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"major_from", "general_from"}  # 20 is not below major's 20; "x" is not a number
    assert not AuditEvent.objects.filter(verb="risk_band_table.update").exists()


def test_the_city_chooses_the_table_per_method_and_sector(login, city, people):
    client = login("city")
    response = client.post(
        reverse("risks:method_setting"),
        {"setting-method": "ls", "setting-sector": "campus", "setting-table": "ls-a"},
    )
    assert response.status_code == 302
    assert scoring.band_table("ls", "campus").code == "ls-a" and scoring.band_table("ls", "gas").code == "ls-b"
    # R = 3 × 4 = 12: general under variant A, significant under B.
    assert scoring.evaluate(method="ls", sector="campus", data={"l": 3, "s": 4}).level == "general"
    assert scoring.evaluate(method="ls", sector="gas", data={"l": 3, "s": 4}).level == "significant"
    assert AuditEvent.objects.filter(verb="risk_method_setting.set", object_id="ls:campus").exists()

    response = client.post(
        reverse("risks:method_setting"),
        {"setting-method": "ls", "setting-sector": "", "setting-table": "lec-default"},
    )
    assert response.status_code == 422 and 'data-testid="error-table"' in html(response)
    assert scoring.band_table("ls").code == "ls-b"

    assert (
        login("yuehu")
        .post(reverse("risks:method_setting"), {"setting-method": "ls", "setting-table": "ls-a"})
        .status_code
        == 403
    )
    services_bands.method_setting_set(actor=people["city"], method="ls", sector_code="campus", table_code="")
    assert not RiskMethodSetting.objects.filter(sector_id="campus").exists()
    page = html(client.get(reverse("risks:bands")))
    assert 'data-sector="campus"' not in page


# ---- on a phone ------------------------------------------------------------------------------------


@pytest.mark.browser
def test_ent1_assesses_a_point_on_a_phone_with_the_live_preview(chromium, live_city):
    from playwright.sync_api import expect

    from safeloop.accounts.demo_people import DEMO_PASSWORD
    from safeloop.core.tests.browser import TIMEOUT_MS

    people = live_city.people
    point = services.risk_point_create(
        actor=people["ent1"],
        data={
            "name": "调压站",
            "kind": "facility",
            "sector": "gas",
            "enterprise_id": str(live_city.enterprises["yuehu_gas"].uuid),
            "responsible": [{"tier": "company", "name": "张总", "phone": "13900000000"}],
        },
    )
    services.risk_assess(actor=people["ent1"], point=point, data={"method": "lec", "l": 3, "e": 6, "c": 7})
    services.measure_add(
        actor=people["ent1"],
        point=point,
        data={
            "kind": "engineering",
            "description": "燃气泄漏报警器巡检",
            "responsible_post": "巡检工",
            "frequency": "daily",
        },
    )
    context = chromium.new_context(base_url=live_city.url, viewport={"width": 375, "height": 740}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)

    def fits(what):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{what} is {width}px wide on a 375px phone"

    try:
        page = context.new_page()
        page.goto("/login/")
        page.locator('input[name="username"]').fill("ent1")
        page.locator('input[name="password"]').fill(DEMO_PASSWORD)
        page.locator('input[name="password"]').press("Enter")
        expect(page).not_to_have_url(re.compile(r"/login/"))
        for path, what in (
            ("/risks/", "the register"),
            (f"/risks/{point.uuid}/", "the point's page"),
            (f"/risks/{point.uuid}/edit/", "the point form"),
            ("/risks/new/", "the new point form"),
            (f"/risks/{point.uuid}/measures/new/", "the measure form"),
            (f"/risks/{point.uuid}/reassess/", "the re-assessment form"),
            ("/risks/bands/", "the band tables"),
        ):
            page.goto(path)
            fits(what)
        page.goto(f"/risks/{point.uuid}/")
        page.get_by_test_id("assess").click()
        expect(page).to_have_url(re.compile(rf"/risks/{point.uuid}/assess/$"))
        fits("the assessment form")
        page.locator("#id_l").select_option("6")
        page.locator("#id_e").select_option("6")
        page.locator("#id_c").select_option("15")
        expect(page.locator('[data-testid="preview-level"] [data-level="major"]')).to_be_visible()
        page.locator("#id_note").fill("现场复核")
        page.get_by_test_id("save").click()
        expect(page).to_have_url(re.compile(rf"/risks/{point.uuid}/$"))
        expect(page.locator('[data-testid="current-level"] [data-level="major"]')).to_be_visible()
        expect(page.get_by_test_id("assessment-row")).to_have_count(2)
        fits("the point's page after the assessment")
    finally:
        context.close()


def test_the_list_costs_the_same_queries_for_more_points(login, people, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("yuehu")
    lon, lat = YUEHU_PUBLIC

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("risks:list")).status_code == 200
        return len(queries)

    services.risk_point_create(
        actor=people["yuehu"], data={"name": "一", "kind": "place", "sector": "fire", "lon": lon, "lat": lat}
    )
    count()  # the first request warms the per-process caches (sectors, scope)
    few = count()
    for name in ("二", "三", "四"):
        services.risk_point_create(
            actor=people["ent1"],
            data={
                "name": name,
                "kind": "part",
                "sector": "gas",
                "enterprise_id": str(city.enterprises["yuehu_gas"].uuid),
            },
        )
    assert count() == few

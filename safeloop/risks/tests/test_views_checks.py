"""The check pages as the people who do the checks see them: 我的排查任务 with the overdue first, then
today's, then the upcoming, each in the caller's scope and only what the caller may record; the
filters and the recent results; the record form (a passing control back to the list, a failing one
reporting a hazard and landing on it, a second record refused with a message, bad input named per
field with nothing written); and the page on a phone in Chromium, without sideways scrolling."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from safeloop.core.tests.browser import chromium, live_city, reference_data  # noqa: F401
from safeloop.hazards.models import CriteriaItem, Hazard
from safeloop.risks import services
from safeloop.risks.choices import CheckStatus
from safeloop.risks.models import CheckTask
from safeloop.risks.tests.conftest import PUBLIC_AREA

GUIXI_AREA = {"name": "花园社区山塘", "kind": "area", "sector": "flood", "lon": 117.212, "lat": 28.292}


def html(response):
    return response.content.decode()


def rows(response):
    """The checks listed, in order, by the name of their measure."""
    return re.findall(r'data-testid="check-row" data-check="([0-9a-f-]+)"', html(response))


def _measure(actor, point, description, frequency="daily", **extra):
    data = {
        "kind": "engineering",
        "description": description,
        "responsible_post": "巡检工",
        "responsible_name": "李工",
        "frequency": frequency,
    }
    measure = services.measure_add(actor=actor, point=point, data={**data, **extra})
    return measure


def _open(measure):
    return CheckTask.objects.get(measure=measure, status=CheckStatus.OPEN)


@pytest.fixture
def gas_check(gas_point, people):
    return _open(_measure(people["ent1"], gas_point, "燃气泄漏报警器巡检"))


@pytest.fixture
def public_check(public_point, people):
    return _open(_measure(people["yuehu"], public_point, "堤防护坡巡查", "weekly", kind="management"))


@pytest.fixture
def guixi_check(people):
    point = services.risk_point_create(actor=people["guixi"], data=GUIXI_AREA)
    return _open(_measure(people["guixi"], point, "山塘水位巡查"))


def _record(client, task, **data):
    body = {"task": str(task.uuid), **data}
    return client.post(reverse("risks:check", args=[task.uuid]), body)


# ---- the list --------------------------------------------------------------------------------------


def test_the_list_needs_a_login(client):
    response = client.get(reverse("risks:checks"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_overdue_first_then_today_then_upcoming(login, people, gas_point):
    ent1 = people["ent1"]
    today = timezone.localdate()
    due_today = _open(_measure(ent1, gas_point, "今日检查"))
    overdue = _open(_measure(ent1, gas_point, "逾期检查"))
    CheckTask.objects.filter(pk=overdue.pk).update(due_on=today - timedelta(days=1))
    weekly = _measure(ent1, gas_point, "每周检查", "weekly", kind="management")
    services.check_record(actor=ent1, task=_open(weekly), data={"result": "passed"})
    services.generate_checks(today=today + timedelta(days=6))  # next week's, made ahead
    upcoming = _open(weekly)
    assert upcoming.due_on == today + timedelta(days=7)

    response = login("ent1").get(reverse("risks:checks"))
    page = html(response)
    assert response.status_code == 200
    assert rows(response) == [str(overdue.uuid), str(due_today.uuid), str(upcoming.uuid)]
    assert page.index('data-testid="check-group-overdue"') < page.index('data-testid="check-group-today"')
    assert page.index('data-testid="check-group-today"') < page.index('data-testid="check-group-upcoming"')
    overdue_row = page[page.index(f'data-check="{overdue.uuid}"') : page.index(f'data-check="{due_today.uuid}"')]
    assert 'data-testid="overdue"' in overdue_row and "Overdue" in overdue_row
    assert 'data-testid="overdue"' not in page[page.index(f'data-check="{due_today.uuid}"') :]
    assert "3 checks to do" in page and "1 overdue" in page and "1 due today" in page


def test_a_row_shows_the_point_its_level_the_measure_and_who_checks_when(login, gas_check, gas_point):
    page = html(login("ent1").get(reverse("risks:checks")))
    row = page[page.index(f'data-check="{gas_check.uuid}"') :]
    assert gas_point.name in row and gas_point.code in row
    assert reverse("risks:detail", args=[gas_point.uuid]) in row
    assert 'data-level="general"' in row  # the level badge in the point's colour
    assert "Engineering" in row and "燃气泄漏报警器巡检" in row
    assert "巡检工" in row and "李工" in row and "Daily" in row
    assert gas_check.due_on.isoformat() in row
    assert reverse("risks:check", args=[gas_check.uuid]) in row


def test_ent1_lists_only_its_enterprises_checks(login, gas_check, public_check, guixi_check):
    assert rows(login("ent1").get(reverse("risks:checks"))) == [str(gas_check.uuid)]


def test_grid1_lists_the_public_areas_of_its_grid_but_not_the_enterprises(login, gas_check, public_check, guixi_check):
    assert rows(login("grid1").get(reverse("risks:checks"))) == [str(public_check.uuid)]


def test_yuehu_lists_its_districts_checks(login, gas_check, public_check, guixi_check):
    assert set(rows(login("yuehu").get(reverse("risks:checks")))) == {str(gas_check.uuid), str(public_check.uuid)}
    assert rows(login("guixi").get(reverse("risks:checks"))) == [str(guixi_check.uuid)]
    response = login("outsider").get(reverse("risks:checks"))
    assert response.status_code == 200 and rows(response) == []
    assert "No checks are waiting for you." in html(response)


def test_filters_and_recent_results(login, people, gas_point, gas_check, public_check):
    ent1 = people["ent1"]
    failing = _open(_measure(ent1, gas_point, "消防器材检查", kind="emergency"))
    services.check_record(actor=ent1, task=gas_check, data={"result": "passed"})
    services.check_record(actor=ent1, task=failing, data={"result": "failed", "note": "灭火器过期"})
    client = login("yuehu")
    url = reverse("risks:checks")

    assert rows(client.get(url)) == [str(public_check.uuid)]  # open by default
    results = client.get(url, {"status": "recorded"})
    assert set(rows(results)) == {str(gas_check.uuid), str(failing.uuid)}
    hazard = Hazard.objects.get()
    assert hazard.code in html(results) and reverse("hazards:detail", args=[hazard.uuid]) in html(results)
    assert rows(client.get(url, {"status": "failed"})) == [str(failing.uuid)]
    assert rows(client.get(url, {"status": "passed"})) == [str(gas_check.uuid)]
    assert rows(client.get(url, {"status": "missed"})) == []
    assert rows(client.get(url, {"status": "nonsense"})) == [str(public_check.uuid)]  # falls back to open
    assert rows(client.get(url, {"status": "recorded", "q": "消防"})) == [str(failing.uuid)]
    assert rows(client.get(url, {"status": "recorded", "q": gas_point.code})) == rows(results)
    assert rows(client.get(url, {"sector": "flood"})) == [str(public_check.uuid)]
    assert rows(client.get(url, {"sector": "gas"})) == []
    assert rows(client.get(url, {"q": "堤防"})) == [str(public_check.uuid)]
    assert services.mark_missed(today=timezone.localdate() + timedelta(days=30)) == 1
    assert rows(client.get(url, {"status": "missed"})) == [str(public_check.uuid)]
    assert 'href="?status=recorded"' in html(client.get(url))  # the recent-results tab


def test_pages_keep_the_filter(login, people, gas_point, monkeypatch):
    import safeloop.risks.views_checks as views_checks

    for n in range(3):
        _measure(people["ent1"], gas_point, f"阀门检查 {n}")
    monkeypatch.setattr(views_checks, "PAGE_SIZE", 2)
    client = login("ent1")
    page = html(client.get(reverse("risks:checks"), {"q": "阀门"}))
    assert len(re.findall(r'data-testid="check-row"', page)) == 2
    assert 'href="?q=%E9%98%80%E9%97%A8&amp;page=2"' in page
    assert len(rows(client.get(reverse("risks:checks"), {"q": "阀门", "page": 2}))) == 1


def test_the_list_costs_the_same_number_of_queries_for_more_rows(
    login, people, gas_point, django_assert_max_num_queries
):
    client = login("ent1")
    _measure(people["ent1"], gas_point, "检查 0")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("risks:checks"))
    for n in range(1, 8):
        _measure(people["ent1"], gas_point, f"检查 {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("risks:checks"))
    assert len(rows(response)) == 8


# ---- the record page ---------------------------------------------------------------------------------


def test_the_form_offers_the_two_results_and_a_prefilled_hazard_part(login, gas_check, gas_point):
    response = login("ent1").get(reverse("risks:check", args=[gas_check.uuid]))
    page = html(response)
    assert response.status_code == 200
    assert 'data-testid="result-passed"' in page and 'data-testid="result-failed"' in page
    assert "Control effective" in page and "Control failing" in page
    assert f'name="task" value="{gas_check.uuid}"' in page
    assert "调压站: control failing (Engineering)" in page  # the hazard's title, prefilled
    items = CriteriaItem.objects.filter(document__sector_id="gas")
    assert items.exists()
    for item in items:
        assert f'value="{item.code}"' in page
    other = CriteriaItem.objects.exclude(document__sector_id="gas").first()
    assert other is not None and f'value="{other.code}"' not in page


def test_passing_goes_back_to_the_list_with_a_message(login, gas_check):
    client = login("ent1")
    response = _record(client, gas_check, result="passed", note="正常")
    assert response.status_code == 302 and response["Location"] == reverse("risks:checks")
    gas_check.refresh_from_db()
    assert gas_check.status == CheckStatus.PASSED and gas_check.note == "正常"
    page = html(client.get(response["Location"]))
    assert "Recorded: the control at 调压站 is effective." in page
    assert str(gas_check.uuid) not in rows(client.get(response["Location"]))
    assert not Hazard.objects.exists()


def test_failing_reports_a_hazard_and_lands_on_it(login, gas_check, gas_point):
    client = login("ent1")
    response = _record(client, gas_check, result="failed", note="报警器失灵", title="报警器失灵", level="general")
    gas_check.refresh_from_db()
    gas_point.refresh_from_db()
    hazard = Hazard.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hazards:detail", args=[hazard.uuid])
    assert gas_check.status == CheckStatus.FAILED and gas_check.hazard == hazard
    assert hazard.title == "报警器失灵" and hazard.source == "self_check"
    assert gas_point.current_level == "significant"
    page = html(client.get(response["Location"]))
    assert f"Hazard {hazard.code} was reported, and the current level of 调压站 was raised to Significant risk." in page
    # The check now shows its result and the hazard it reported.
    page = html(client.get(reverse("risks:check", args=[gas_check.uuid])))
    assert 'data-testid="check-form"' not in page and 'data-testid="check-recorded"' in page
    assert "报警器失灵" in page and reverse("hazards:detail", args=[hazard.uuid]) in page


def test_grid1_records_a_public_area_check_as_a_grid_patrol(login, public_check, public_point):
    response = _record(login("grid1"), public_check, result="failed", note="护坡裂缝", level="major")
    hazard = Hazard.objects.get()
    assert response["Location"] == reverse("hazards:detail", args=[hazard.uuid])
    assert hazard.source == "grid_patrol" and hazard.level == "major" and hazard.enterprise_id is None
    public_point.refresh_from_db()
    assert public_point.current_level == "major"


def test_a_second_record_is_refused_with_a_message(login, gas_check):
    client = login("ent1")
    first = _record(client, gas_check, result="failed", note="报警器失灵")
    assert first.status_code == 302
    again = _record(client, gas_check, result="failed", note="报警器失灵")
    assert again.status_code == 302 and again["Location"] == reverse("risks:check", args=[gas_check.uuid])
    page = html(client.get(again["Location"]))
    assert "This check has been recorded already." in page
    assert Hazard.objects.count() == 1


def test_the_service_guard_answers_a_race_the_same_way(login, gas_check, people, monkeypatch):
    """The page was drawn while the check was open; someone records it before this form arrives."""
    from safeloop.risks import views_checks

    client = login("ent1")
    original = views_checks.services.check_record

    def lose_the_race(*, actor, task, data):
        original(actor=people["ent1"], task=CheckTask.objects.get(pk=task.pk), data={"result": "passed"})
        return original(actor=actor, task=task, data=data)

    monkeypatch.setattr(views_checks.services, "check_record", lose_the_race)
    response = _record(client, gas_check, result="failed", note="报警器失灵")
    assert response.status_code == 302 and response["Location"] == reverse("risks:check", args=[gas_check.uuid])
    assert "This check has been recorded already." in html(client.get(response["Location"]))
    gas_check.refresh_from_db()
    assert gas_check.status == CheckStatus.PASSED and not Hazard.objects.exists()


def test_failing_without_a_note_names_the_field_and_writes_nothing(login, gas_check):
    response = _record(login("ent1"), gas_check, result="failed", note="")
    assert response.status_code == 422
    assert 'data-testid="error-note"' in html(response) and "This field is required." in html(response)
    gas_check.refresh_from_db()
    assert gas_check.status == CheckStatus.OPEN and not Hazard.objects.exists()


def test_no_result_and_a_hazard_field_error_are_named(login, gas_check):
    client = login("ent1")
    response = _record(client, gas_check, note="x")
    assert response.status_code == 422 and 'data-testid="error-result"' in html(response)
    other = CriteriaItem.objects.exclude(document__sector_id="gas").first()
    response = _record(client, gas_check, result="failed", note="失灵", criteria_item=other.code)
    assert response.status_code == 422
    response = _record(client, gas_check, result="failed", note="失灵", due_at="2000-01-01")
    assert response.status_code == 422 and 'data-testid="error-due_at"' in html(response)
    gas_check.refresh_from_db()
    assert gas_check.status == CheckStatus.OPEN and not Hazard.objects.exists()


def test_a_passing_check_ignores_the_hazard_part(login, gas_check):
    response = _record(login("ent1"), gas_check, result="passed", criteria_item="nonsense", due_at="2000-01-01")
    assert response.status_code == 422  # an unknown criteria choice is still refused by the form
    response = _record(login("ent1"), gas_check, result="passed", due_at="2000-01-01", title="")
    assert response.status_code == 302
    assert not Hazard.objects.exists()


def test_the_form_belongs_to_its_check(login, people, gas_point, gas_check):
    other = _open(_measure(people["ent1"], gas_point, "另一项检查"))
    client = login("ent1")
    response = client.post(reverse("risks:check", args=[gas_check.uuid]), {"task": str(other.uuid), "result": "passed"})
    assert response.status_code == 422
    assert CheckTask.objects.filter(status=CheckStatus.OPEN).count() == 2


def test_grid1_sees_an_enterprise_check_in_its_grid_but_may_not_record_it(login, gas_check):
    client = login("grid1")
    response = client.get(reverse("risks:check", args=[gas_check.uuid]))
    assert response.status_code == 200
    assert 'data-testid="may-not-record"' in html(response) and 'data-testid="check-form"' not in html(response)
    response = _record(client, gas_check, result="passed")
    assert response.status_code == 403
    gas_check.refresh_from_db()
    assert gas_check.status == CheckStatus.OPEN


def test_checks_outside_the_scope_are_not_found(login, gas_check, guixi_check):
    client = login("guixi")
    assert client.get(reverse("risks:check", args=[gas_check.uuid])).status_code == 404
    assert _record(client, gas_check, result="passed").status_code == 404
    assert login("ent1").get(reverse("risks:check", args=[guixi_check.uuid])).status_code == 404
    gas_check.refresh_from_db()
    assert gas_check.status == CheckStatus.OPEN


# ---- on a phone ----------------------------------------------------------------------------------------


@pytest.mark.browser
def test_grid1_records_a_failing_control_on_a_phone(chromium, live_city):  # noqa: F811
    from playwright.sync_api import expect

    from safeloop.accounts.demo_people import DEMO_PASSWORD
    from safeloop.core.tests.browser import TIMEOUT_MS

    people = live_city.people
    point = services.risk_point_create(actor=people["yuehu"], data=PUBLIC_AREA)
    task = _open(_measure(people["yuehu"], point, "堤防护坡巡查，查看是否有裂缝、渗水和管涌迹象"))
    context = chromium.new_context(base_url=live_city.url, viewport={"width": 375, "height": 740}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/login/")
        page.locator('input[name="username"]').fill("grid1")
        page.locator('input[name="password"]').fill(DEMO_PASSWORD)
        page.locator('input[name="password"]').press("Enter")
        expect(page).not_to_have_url(re.compile(r"/login/"))
        page.goto("/risks/checks/")
        expect(page.get_by_test_id("check-row")).to_have_count(1)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the checks list is {width}px wide on a 375px phone"
        page.get_by_test_id("record-check").click()
        expect(page).to_have_url(re.compile(rf"/risks/checks/{task.uuid}/$"))
        hazard_part = page.get_by_test_id("hazard-part")
        expect(hazard_part).to_be_hidden()
        page.locator('label:has([data-testid="result-failed"])').click()
        expect(hazard_part).to_be_visible()
        expect(page.locator("#id_title")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the record form is {width}px wide on a 375px phone"
        page.locator("#id_note").fill("护坡出现裂缝")
        page.get_by_test_id("check-submit").click()
        expect(page).to_have_url(re.compile(r"/hazards/[0-9a-f-]{36}/$"))
    finally:
        context.close()
    task.refresh_from_db()
    assert task.status == CheckStatus.FAILED and task.hazard is not None
    assert task.hazard.source == "grid_patrol"

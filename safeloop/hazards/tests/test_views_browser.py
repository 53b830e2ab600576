"""The closed loop's first steps in a real browser at phone size (375×740, Debian's Chromium through
Playwright): grid1 reports a hazard through the phone form and lands on its page; yuehu finds it and
confirms it from the detail page."""

import re

import pytest
from playwright.sync_api import expect

from safeloop.accounts.demo_people import DEMO_PASSWORD
from safeloop.core.tests.browser import TIMEOUT_MS, chromium, live_city, reference_data  # noqa: F401
from safeloop.hazards.models import Hazard

pytestmark = pytest.mark.browser


def _log_in(page, username):
    page.goto("/login/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_grid1_reports_on_a_phone_and_yuehu_confirms(chromium, live_city):  # noqa: F811
    def phone():
        context = chromium.new_context(base_url=live_city.url, viewport={"width": 375, "height": 740}, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        return context

    context = phone()
    try:
        page = context.new_page()
        _log_in(page, "grid1")
        page.goto("/hazards/report/")
        page.locator("#id_title").fill("调压箱阀门漏气")
        page.locator("#id_sector").select_option("gas")
        page.locator("#id_description").fill("巡查发现阀门锈蚀，有燃气味。")
        page.locator("#id_lon").fill("117.036")
        page.locator("#id_lat").fill("28.236")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the report form is {width}px wide on a 375px phone"
        page.get_by_test_id("report-submit").click()
        expect(page).to_have_url(re.compile(r"/hazards/[0-9a-f-]{36}/$"))
        expect(page.get_by_test_id("hazard-title")).to_have_text("调压箱阀门漏气")
        detail_url = page.url
    finally:
        context.close()

    hazard = Hazard.objects.get(title="调压箱阀门漏气")
    assert hazard.status == "reported" and hazard.grid_id == "360602001001001"

    context = phone()
    try:
        page = context.new_page()
        _log_in(page, "yuehu")
        page.goto("/hazards/tasks/")
        page.get_by_role("link", name="调压箱阀门漏气").click()
        expect(page).to_have_url(detail_url)
        confirm = page.get_by_test_id("action-confirm")
        confirm.locator("summary").click()
        confirm.locator("textarea[name='confirm-note']").fill("现场核实属实")
        confirm.get_by_test_id("submit-confirm").click()
        expect(page.get_by_test_id("hazard-status").locator("[data-status]")).to_have_attribute(
            "data-status", "confirmed"
        )
        expect(page.get_by_test_id("timeline")).to_contain_text("现场核实属实")
        expect(page.get_by_test_id("action-confirm")).to_have_count(0)
    finally:
        context.close()
    hazard.refresh_from_db()
    assert hazard.status == "confirmed"

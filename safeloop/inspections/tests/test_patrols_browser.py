"""Grid patrol pages in Debian's Chromium at phone size (375 px): a check-in 5 km outside the grid is
refused with the distance, one inside is recorded; the log and coverage pages do not scroll sideways."""

import re

import pytest
from playwright.sync_api import expect

from safeloop.accounts.demo_people import DEMO_PASSWORD
from safeloop.core.tests.browser import TIMEOUT_MS, chromium, live_city, reference_data  # noqa: F401
from safeloop.inspections.models import PatrolCheckIn

pytestmark = pytest.mark.browser


def _phone(chromium, live_city):  # noqa: F811
    context = chromium.new_context(base_url=live_city.url, viewport={"width": 375, "height": 740}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _log_in(page, username):
    page.goto("/login/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _fits(page, path):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} is {width}px wide on a 375px phone"


def test_check_in_on_a_phone(chromium, live_city):  # noqa: F811
    context = _phone(chromium, live_city)
    try:
        page = context.new_page()
        _log_in(page, "grid1")
        page.goto("/inspections/patrols/check-in/")
        _fits(page, "check-in")
        page.locator('input[name="lon"]').fill("117.091")
        page.locator('input[name="lat"]').fill("28.235")
        page.get_by_test_id("check-in-submit").click()
        expect(page.get_by_test_id("error-location")).to_contain_text("5.0")
        assert PatrolCheckIn.objects.count() == 0
        page.locator('input[name="lon"]').fill("117.035")
        page.get_by_test_id("check-in-submit").click()
        expect(page.get_by_test_id("recent-checkins")).to_contain_text("吴网格")
        _fits(page, "grid page")
        assert PatrolCheckIn.objects.count() == 1
        for path in ("/inspections/patrols/", "/inspections/patrols/coverage/?depth=grid"):
            page.goto(path)
            _fits(page, path)
    finally:
        context.close()


def test_coverage_drill_down_on_a_phone(chromium, live_city):  # noqa: F811
    context = _phone(chromium, live_city)
    try:
        page = context.new_page()
        _log_in(page, "yuehu")
        page.goto("/inspections/patrols/coverage/")
        expect(page.get_by_test_id("coverage")).to_have_attribute("data-depth", "6")
        _fits(page, "coverage")
        page.get_by_role("link", name="月湖区").click()
        expect(page.get_by_test_id("coverage")).to_have_attribute("data-depth", "9")
        _fits(page, "coverage by township")
    finally:
        context.close()

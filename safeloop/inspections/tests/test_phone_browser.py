"""The phone app at phone size in Debian's Chromium (Playwright): grid1 files three reports with photos
while offline, they wait on the phone, go out when the network returns, and a forced replay of the same
three items makes no fourth hazard (issue 5, "Done when" 1)."""

import re

import pytest
from playwright.sync_api import expect

from safeloop.accounts.demo_people import DEMO_PASSWORD
from safeloop.core.tests.browser import TIMEOUT_MS, chromium, live_city, reference_data  # noqa: F401
from safeloop.hazards.models import Hazard, HazardPhoto
from safeloop.hazards.tests.helpers import jpeg
from safeloop.inspections.models import PatrolCheckIn

pytestmark = pytest.mark.browser

WIDTH = 390
INSIDE_GRID1 = {"longitude": 117.035, "latitude": 28.235}


def _phone(chromium, live_city):  # noqa: F811
    context = chromium.new_context(
        base_url=live_city.url,
        viewport={"width": WIDTH, "height": 844},
        locale="zh-CN",
        has_touch=True,
        geolocation=INSIDE_GRID1,
        permissions=["geolocation"],
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _open_app(context):
    page = context.new_page()
    page.goto("/login/")
    page.locator('input[name="username"]').fill("grid1")
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto("/m/")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active !== null && r.scope)").endswith("/m/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.locator("#r-lon")).to_have_value("117.035000")  # from the phone's GPS
    return page


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the phone app is {width}px wide on a {WIDTH}px phone"


def test_offline_reports_are_sent_once_when_the_network_returns(chromium, live_city):  # noqa: F811
    context = _phone(chromium, live_city)
    statuses: list[int] = []
    try:
        page = _open_app(context)
        page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/m/api/reports") else None)
        _no_sideways_scroll(page)
        pending = page.get_by_test_id("pending-count")
        expect(pending).to_have_text("待发送 0 条")

        context.set_offline(True)
        for number in (1, 2, 3):
            page.locator("#r-title").fill(f"燃气调压箱漏气{number}")
            page.locator("#r-sector").select_option("gas")
            page.locator("#r-description").fill("巡查发现阀门锈蚀")
            page.locator("#r-photos").set_input_files(
                files=[{"name": f"p{number}.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
            )
            page.get_by_test_id("report-submit").click()
            expect(pending).to_have_text(f"待发送 {number} 条")
        expect(page.get_by_test_id("queue-list").locator("li.pending")).to_have_count(3)
        assert Hazard.objects.count() == 0

        # The shell comes from the service worker: the app opens again without a network.
        page.reload()
        expect(pending).to_have_text("待发送 3 条")
        expect(page.locator("#net-state")).to_have_text("离线")
        _no_sideways_scroll(page)
        queued = page.evaluate("SafeLoopQueue.items().then(items => { window.__queued = items; return items.length; })")
        assert queued == 3
        assert Hazard.objects.count() == 0

        context.set_offline(False)
        page.get_by_test_id("flush").click()
        expect(pending).to_have_text("待发送 0 条")
        page.wait_for_function("SafeLoopQueue.pending().then(n => n === 0)")
        expect(page.get_by_test_id("sync-status")).to_contain_text("已全部发送")
        titles = sorted(Hazard.objects.values_list("title", flat=True))
        assert titles == ["燃气调压箱漏气1", "燃气调压箱漏气2", "燃气调压箱漏气3"]
        assert all(h.photos.count() == 1 for h in Hazard.objects.all())
        assert sorted(statuses) == [201, 201, 201]

        # Force a replay: the same three items, same UUIDs and photos, back in the queue and sent again.
        page.evaluate("SafeLoopQueue.requeue(window.__queued)")
        expect(pending).to_have_text("待发送 3 条")
        assert page.evaluate("SafeLoopQueue.flush()") == "ok"
        expect(pending).to_have_text("待发送 0 条")
        assert Hazard.objects.count() == 3
        assert HazardPhoto.objects.count() == 3
        assert sorted(statuses) == [200, 200, 200, 201, 201, 201]
    finally:
        context.close()


def test_bad_report_is_kept_as_failed_with_the_server_message(chromium, live_city):  # noqa: F811
    context = _phone(chromium, live_city)
    try:
        page = _open_app(context)
        # A position outside every grid of the city passes the phone's checks but not the server's.
        page.locator("#r-title").fill("江边护栏缺失")
        page.locator("#r-sector").select_option("road")
        page.locator("#r-lon").fill("110.0")
        page.locator("#r-lat").fill("30.0")
        page.get_by_test_id("report-submit").click()
        expect(page.get_by_test_id("message")).to_have_text("有内容未被接收，请在下方修改或放弃。")
        expect(page.get_by_test_id("sync-status")).to_contain_text("有内容需要修改")
        failed = page.get_by_test_id("queue-list").locator("li.failed")
        expect(failed).to_have_count(1)
        expect(failed).to_contain_text("位置（WGS-84）：")
        expect(page.get_by_test_id("failed-count")).to_have_text("1 条发送失败")
        expect(page.get_by_test_id("pending-count")).to_have_text("待发送 0 条")
        assert Hazard.objects.count() == 0

        failed.get_by_role("button", name="修改后重新发送").click()
        expect(page.locator("#r-title")).to_have_value("江边护栏缺失")
        page.locator("#r-lon").fill("117.035")
        page.locator("#r-lat").fill("28.235")
        page.get_by_test_id("report-submit").click()
        expect(page.get_by_test_id("message")).to_have_text("已发送。")
        expect(page.get_by_test_id("sync-status")).to_contain_text("已全部发送")
        expect(page.get_by_test_id("queue-list").locator("li")).to_have_count(0)
        assert Hazard.objects.get().title == "江边护栏缺失"
    finally:
        context.close()


def test_offline_check_in_is_sent_when_the_network_returns(chromium, live_city):  # noqa: F811
    context = _phone(chromium, live_city)
    try:
        page = _open_app(context)
        page.get_by_test_id("tab-checkin").click()
        expect(page.locator("#c-lon")).to_have_value("117.035000")
        _no_sideways_scroll(page)
        context.set_offline(True)
        page.locator("#c-site").select_option(label="鹰潭月湖燃气有限公司")
        page.locator("#c-note").fill("检查调压箱")
        page.get_by_test_id("checkin-submit").click()
        expect(page.get_by_test_id("pending-count")).to_have_text("待发送 1 条")
        assert PatrolCheckIn.objects.count() == 0
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")  # as a phone does when the signal returns
        expect(page.get_by_test_id("pending-count")).to_have_text("待发送 0 条")
        check_in = PatrolCheckIn.objects.get()
        assert check_in.note == "检查调压箱" and check_in.enterprise == live_city.enterprises["yuehu_gas"]
    finally:
        context.close()

"""The organisation pages in a real browser (Debian's Chromium through Playwright), at phone width:
a district officer sees its own enterprises, gets a 404 for another district's, the grid map draws its
grids from our own GeoJSON with no tile server, and the add form takes the phone's GPS position."""

import re

import pytest
from playwright.sync_api import expect

from safeloop.accounts.demo_people import DEMO_PASSWORD
from safeloop.core.tests.browser import TIMEOUT_MS, chromium, live_city, reference_data  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_district_officer_browses_enterprises_and_grids_on_a_phone(chromium, live_city):  # noqa: F811
    context = chromium.new_context(
        base_url=live_city.url,
        viewport={"width": 390, "height": 844},
        locale="en-US",
        geolocation={"longitude": 117.0412, "latitude": 28.2315},
        permissions=["geolocation"],
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/login/")
        page.locator('input[name="username"]').fill("yuehu")
        page.locator('input[name="password"]').fill(DEMO_PASSWORD)
        page.locator('input[name="password"]').press("Enter")
        expect(page).not_to_have_url(re.compile(r"/login/"))  # logged in, sent on

        page.goto("/orgs/enterprises/")
        table = page.get_by_test_id("enterprise-table")
        expect(table).to_contain_text("鹰潭月湖燃气有限公司")
        expect(table).to_contain_text("月湖区第一小学")
        expect(table).not_to_contain_text("贵溪市花园烟花爆竹批发部")

        other = live_city.enterprises["guixi_fireworks"]
        response = page.goto(f"/orgs/enterprises/{other.uuid}/")
        assert response is not None and response.status == 404
        expect(page.locator("body")).not_to_contain_text(other.name)

        page.goto("/orgs/grids/")
        grids = page.locator("#grid-map path.leaflet-interactive")
        expect(grids).to_have_count(3)  # 月湖's three grids, not 贵溪's
        expect(page.locator("#grid-map")).to_have_attribute("data-features", "3")
        grids.first.click()
        expect(page.get_by_test_id("grid-info")).to_contain_text("360602001001001")
        expect(page.get_by_test_id("grid-info")).to_contain_text("吴网格")

        page.goto("/orgs/enterprises/new/")
        page.get_by_test_id("use-gps").click()
        expect(page.locator("#id_lon")).to_have_value("117.041200")
        expect(page.locator("#id_lat")).to_have_value("28.231500")
    finally:
        context.close()

"""The 四色图 in Debian's Chromium (through Playwright): a known set of four points, one per level, is
drawn on the offline map in the configured colours (checked pixel by pixel in a screenshot at each
marker's centre) under a Chinese legend; on an enterprise's site plan a point placed by a click shows in
its level's colour where the click was. Both pages fit a 375 px phone without sideways scrolling."""

import io
import itertools
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from safeloop.accounts.demo_people import DEMO_PASSWORD
from safeloop.core.tests.browser import TIMEOUT_MS
from safeloop.risks.models import RiskPoint
from safeloop.risks.tests.conftest import assessed_point

pytestmark = pytest.mark.browser

# Well apart inside 月湖区's grids (SW corners 117.030 and 117.040, 28.230; 0.01° squares).
KNOWN = (
    ("major", 117.031, 28.235, (0xE6, 0x00, 0x12)),
    ("significant", 117.039, 28.235, (0xF3, 0x98, 0x00)),
    ("general", 117.041, 28.235, (0xFF, 0xF1, 0x00)),
    ("low", 117.049, 28.235, (0x00, 0x68, 0xB7)),
)
TOLERANCE = 6
LOADED = "() => { const i = document.querySelector('#site-plan img'); return i.complete && i.naturalWidth > 0; }"


def _context(chromium, live_city, width=1280, height=900):
    context = chromium.new_context(base_url=live_city.url, viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _log_in(page, username):
    page.goto("/login/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(DEMO_PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _pixel(png_bytes, x, y):
    image = Image.open(io.BytesIO(png_bytes)).convert("RGB")
    return image.getpixel((round(x), round(y)))


def _close(actual, expected):
    return all(abs(a - e) <= TOLERANCE for a, e in zip(actual, expected, strict=True))


def test_the_four_colour_map_draws_each_level_in_its_colour(chromium, live_city):
    yuehu = live_city.people["yuehu"]
    for level, lon, lat, _ in KNOWN:
        assessed_point(yuehu, level, name=f"{level}测试点", lon=lon, lat=lat)
    assert sorted(RiskPoint.objects.values_list("current_level", flat=True)) == sorted(k[0] for k in KNOWN)

    context = _context(chromium, live_city)
    try:
        page = context.new_page()
        _log_in(page, "yuehu")
        page.goto("/risks/map/")
        expect(page.get_by_test_id("risk-map")).to_have_attribute("data-features", "4")
        legend = page.get_by_test_id("risk-legend")
        expect(legend).to_contain_text("重大风险")
        expect(legend).to_contain_text("Ⅰ")
        positions = page.evaluate(
            """(points) => {
                const el = document.getElementById("risk-map");
                return points.map(([lon, lat]) => {
                    const p = el.safeloopMap.latLngToContainerPoint(el.safeloopToLatLng(lon, lat));
                    return [p.x, p.y];
                });
            }""",
            [[lon, lat] for _, lon, lat, _ in KNOWN],
        )
        shot = page.get_by_test_id("risk-map").screenshot()
    finally:
        context.close()

    width = Image.open(io.BytesIO(shot)).width
    for (level, _, _, colour), (x, y) in zip(KNOWN, positions, strict=True):
        assert 0 <= x < width, f"{level} is off the map at x={x}"
        actual = _pixel(shot, x, y)
        assert _close(actual, colour), f"{level} at ({x:.0f}, {y:.0f}) is {actual}, expected {colour}"
    xs = [x for x, _ in positions]
    assert xs == sorted(xs) and min(b - a for a, b in itertools.pairwise(xs)) > 20, positions


def _plan_png():
    """A light plan with a few dark walls: nothing on it is near a level's colour."""
    image = Image.new("RGB", (600, 400), (236, 236, 232))
    for x in range(0, 600, 100):
        for y in range(400):
            image.putpixel((x, y), (60, 60, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_point_placed_by_a_click_shows_in_its_colour_on_the_site_plan(chromium, live_city):
    enterprise = live_city.enterprises["yuehu_gas"]
    point = assessed_point(live_city.people["ent1"], "major", name="液化气储罐区", enterprise_id=str(enterprise.uuid))

    context = _context(chromium, live_city)
    try:
        page = context.new_page()
        _log_in(page, "ent1")
        page.goto(f"/risks/site-plan/{enterprise.uuid}/")
        expect(page.get_by_test_id("no-site-plan")).to_be_visible()
        page.locator('input[name="file"]').set_input_files(
            {"name": "plan.png", "mimeType": "image/png", "buffer": _plan_png()}
        )
        page.get_by_test_id("site-plan-submit").click()
        image = page.get_by_test_id("site-plan-image")
        expect(image).to_be_visible()
        page.wait_for_function(
            "() => { const i = document.querySelector('#site-plan img'); return i.complete && i.naturalWidth > 0; }"
        )

        page.get_by_test_id(f"place-{point.code}").click()
        expect(page.get_by_test_id("site-plan-hint")).to_contain_text("液化气储罐区")
        box = image.bounding_box()
        assert box is not None
        click = (round(box["width"] * 0.35), round(box["height"] * 0.6))
        image.click(position={"x": click[0], "y": click[1]})
        expect(page.get_by_test_id("plan-marker")).to_have_count(1)
        page.wait_for_function(LOADED)
        shot = page.get_by_test_id("site-plan").screenshot()
    finally:
        context.close()

    point.refresh_from_db()
    assert point.plan_x == pytest.approx(0.35, abs=0.01) and point.plan_y == pytest.approx(0.6, abs=0.01)
    actual = _pixel(shot, *click)
    assert _close(actual, (0xE6, 0x00, 0x12)), f"the marker at {click} is {actual}"


@pytest.mark.parametrize("path", ["/risks/map/", "site-plan"])
def test_the_pages_fit_a_phone(chromium, live_city, path):
    enterprise = live_city.enterprises["yuehu_gas"]
    assessed_point(live_city.people["ent1"], "general", name="调压站", enterprise_id=str(enterprise.uuid))
    context = _context(chromium, live_city, width=375, height=740)
    try:
        page = context.new_page()
        _log_in(page, "ent1")
        page.goto(path if path.startswith("/") else f"/risks/site-plan/{enterprise.uuid}/")
        if path == "/risks/map/":
            expect(page.get_by_test_id("risk-map")).to_have_attribute("data-features", "1")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a 375px phone"
    finally:
        context.close()

"""The shell in a real browser: log in, switch language, lockout, and a phone-sized screen."""

import re

import pytest
from playwright.sync_api import Page, expect

from safeloop.accounts.demo_people import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    if not page.url.endswith("/login/"):  # a refused login shows the form again: no need to reload it
        page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def test_yuehu_logs_in_and_sees_the_home_page_in_chinese(browser_page):
    page = browser_page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    log_in(page, "yuehu")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="欢迎，陈月湖")).to_be_visible()
    expect(page.get_by_test_id("count-enterprises")).to_have_text("3")
    grid_map = page.get_by_role("link", name="网格地图")
    expect(grid_map).to_be_hidden()  # inside the 基础信息 menu
    page.get_by_test_id("nav-group-reference").click()
    grid_map.click()
    expect(page).to_have_url(re.compile(r"/orgs/grids/$"))
    expect(page.locator("li.nav-item.active").get_by_test_id("nav-group-reference")).to_be_visible()


def test_the_language_switch_turns_the_page_to_english_and_back(browser_page):
    page = browser_page
    page.goto("/login/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Log in to your account")).to_be_visible()
    page.get_by_label("Username").fill("yuehu")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="Welcome, 陈月湖")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="欢迎，陈月湖")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_five_bad_passwords_lock_the_account_even_against_the_right_one(browser_page):
    page = browser_page
    for _attempt in range(4):
        log_in(page, "yuehu", "wrong-password")
        expect(page.get_by_test_id("form-errors")).to_contain_text("用户名")  # "wrong username or password"
        expect(page.get_by_test_id("form-errors")).not_to_contain_text("锁定", timeout=0)
    log_in(page, "yuehu", "wrong-password")
    expect(page.get_by_test_id("form-errors")).to_contain_text("已被锁定")

    log_in(page, "yuehu")
    expect(page.get_by_test_id("form-errors")).to_contain_text("已被锁定")
    expect(page.get_by_test_id("form-errors")).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_a_phone_sized_screen_has_a_menu_toggler_and_no_sideways_scroll(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    log_in(page, "yuehu")
    toggler = page.get_by_test_id("menu-toggler")
    expect(toggler).to_be_visible()
    menu_link = page.get_by_role("link", name="网格地图")
    expect(menu_link).to_be_hidden()
    toggler.click()
    page.get_by_test_id("nav-group-reference").click()
    expect(menu_link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

"""Browser-test fixtures: Debian's Chromium driven by Playwright (sync API), never a downloaded browser.

Offer them to a tests folder from its conftest.py (as safeloop/core/tests/conftest.py does) and mark
the tests `@pytest.mark.browser` (no `django_db` marker: `live_city` asks for the transactional
database itself). The browser starts once per module; each test gets a fresh
context (cookies, language, viewport) and a city built under a transactional database, because the
live server answers from another thread and must see committed rows.

Why not `serialized_rollback`: under Playwright's sync API the test body runs in another context, where
Django's `connections` hands out a fresh connection object without the serialized copy, so the rows of
the data migrations would silently stay flushed. The root conftest.py loads the reference data again
after every transactional test but the last; `reference_data` covers that one, and `live_city` checks
once more before building the city.
"""

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
NOT_INSTALLED = (
    f"Chromium not installed: {CHROMIUM} is missing, so the browser tests did NOT run. "
    "Install Debian's package (apt-get install -y chromium); CI installs it."
)
TIMEOUT_MS = 10_000


def ensure_reference_data() -> None:
    from django.apps import apps

    from safeloop.orgs import reference
    from safeloop.orgs.models import Division

    if not Division.objects.exists():
        reference.load(apps.get_model)


@pytest.fixture(scope="module")
def reference_data(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Puts the migrations' reference data back after the module's last transactional test flushed it
    (the root conftest.py does so between tests, not after the last one; `django_db_setup` makes
    this run before the test database itself goes away)."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        ensure_reference_data()
        # Under Playwright's sync API this runs in a context with its own connection objects; left
        # open, they keep PostgreSQL from dropping the test database at the end of the run.
        connections.close_all()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        warnings.warn(NOT_INSTALLED, stacklevel=1)
        pytest.skip(NOT_INSTALLED)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def live_city(reference_data: None, transactional_db: None, live_server: Any) -> Any:
    """The test city, committed, with the live server's URL at `live_city.url`."""
    from safeloop.core.testing import build_test_city

    ensure_reference_data()
    city = build_test_city()
    city.url = live_server.url  # type: ignore[attr-defined]
    return city


@pytest.fixture
def browser_page(chromium: Any, live_city: Any) -> Iterator[Any]:
    """A page in a fresh context that asks for Chinese, as browsers in 鹰潭 do."""
    context = chromium.new_context(locale="zh-CN", base_url=live_city.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
        from django.db import connections

        connections.close_all()

"""Fixtures for the browser tests of this folder (see safeloop/core/tests/browser.py); another app's
tests folder can offer them the same way in its own conftest.py."""

from safeloop.core.tests.browser import browser_page, chromium, live_city, reference_data

__all__ = ["browser_page", "chromium", "live_city", "reference_data"]

"""Fixtures for the tests of this folder: the browser fixtures (see safeloop/core/tests/browser.py) and
a helper that makes an assessed risk point of a given level through the services."""

from typing import Any

from safeloop.core.tests.browser import browser_page, chromium, live_city, reference_data

# LEC factors (DOMAIN.md §4.2) whose D falls in each level of the default table (closed lower bounds
# 320 / 160 / 70): 10×6×7 = 420, 10×6×3 = 180, 3×6×7 = 126, 1×6×3 = 18.
LEC_FOR: dict[str, tuple[int, int, int]] = {
    "major": (10, 6, 7),
    "significant": (10, 6, 3),
    "general": (3, 6, 7),
    "low": (1, 6, 3),
}


def assessed_point(actor: Any, level: str | None, **data: Any) -> Any:
    """A risk point made by `actor` (a public-area point unless `enterprise_id` is given), assessed
    with LEC factors giving `level` (None: left unassessed)."""
    from safeloop.risks import services

    values = {"name": f"{level or 'unassessed'} point", "kind": "place", "sector": "gas"} | data
    point = services.risk_point_create(actor=actor, data=values)
    if level is not None:
        likelihood, exposure, consequence = LEC_FOR[level]
        services.risk_assess(
            actor=actor, point=point, data={"method": "lec", "l": likelihood, "e": exposure, "c": consequence}
        )
    point.refresh_from_db()
    return point


__all__ = ["LEC_FOR", "assessed_point", "browser_page", "chromium", "live_city", "reference_data"]

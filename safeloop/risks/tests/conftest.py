"""Fixtures for the tests of this folder: the browser fixtures (see safeloop/core/tests/browser.py), the
two points most tests start from (ent1's gas station, a public river section in grid1's grid), a client
logged in as a demo person, and a helper that makes an assessed risk point of a given level."""

from typing import Any

import pytest
from django.conf import settings

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


# A river section in grid1's grid (滨江社区, 月湖区).
PUBLIC_AREA = {"name": "信江滨江段堤防", "kind": "area", "sector": "flood", "lon": 117.033, "lat": 28.233}


@pytest.fixture
def gas_point(city, people):
    """ent1's pressure-regulating station, assessed general by LEC (3 × 6 × 7 = 126)."""
    from safeloop.risks import services

    ent1 = people["ent1"]
    point = services.risk_point_create(
        actor=ent1,
        data={
            "name": "调压站",
            "kind": "facility",
            "sector": "gas",
            "enterprise_id": str(city.enterprises["yuehu_gas"].uuid),
            "responsible": [{"tier": "company", "name": "张总", "phone": "13900000000"}],
        },
    )
    services.risk_assess(actor=ent1, point=point, data={"method": "lec", "l": 3, "e": 6, "c": 7})
    point.refresh_from_db()
    return point


@pytest.fixture
def public_point(people):
    """The river section, kept by yuehu, assessed low by the risk matrix (1 × 2)."""
    from safeloop.risks import services

    point = services.risk_point_create(actor=people["yuehu"], data=PUBLIC_AREA)
    services.risk_assess(actor=people["yuehu"], point=point, data={"method": "ls", "l": 1, "s": 2})
    point.refresh_from_db()
    return point


@pytest.fixture
def login(client, people):
    """The test client logged in as a demo person, reading the English source strings."""

    def as_(username):
        client.force_login(people[username])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_


__all__ = [
    "LEC_FOR",
    "PUBLIC_AREA",
    "assessed_point",
    "browser_page",
    "chromium",
    "gas_point",
    "live_city",
    "login",
    "public_point",
    "reference_data",
]

"""The hazard overview: its figures equal a brute-force count over `hazard_list(actor=)` for each demo
person, in a constant number of queries; the page (zh and en) and `GET /api/v1/hazards/overview`."""

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from safeloop.core.scoping import scope_for
from safeloop.hazards import selectors
from safeloop.hazards.choices import FINAL_STATUSES, HazardStatus
from safeloop.hazards.models import Hazard
from safeloop.hazards.overview import NOT_IN_LOOP, TIERS, hazard_overview
from safeloop.hazards.tests.helpers import GUIXI_POINT, act, after_photo, create

pytestmark = pytest.mark.django_db

PEOPLE = ("yuehu", "guixi", "city", "outsider", "yingji", "ent1")


@pytest.fixture
def hazards(city, people):
    """月湖区: gas hazards at ent1's company in six states (one overdue, escalated to the district) and
    a fire hazard in a public place; 贵溪市: fireworks hazards, one overdue and not yet escalated."""
    gas = str(city.enterprises["yuehu_gas"].uuid)
    made: dict[str, Hazard] = {}
    made["reported"] = create(people, enterprise_id=gas)
    made["confirmed"] = act(people, create(people, enterprise_id=gas), "yuehu", "confirm")
    rectifying = act(people, create(people, enterprise_id=gas), "yuehu", "confirm")
    made["rectifying"] = act(people, rectifying, "ent1", "start")
    closed = act(people, act(people, create(people, enterprise_id=gas), "yuehu", "confirm"), "ent1", "start")
    photo = after_photo(people, closed)
    act(people, closed, "ent1", "submit", note="已更换阀门", photo_ids=[photo])
    made["closed"] = act(people, closed, "verifier", "verify", note="复查合格")
    made["invalid"] = act(people, create(people, enterprise_id=gas), "yuehu", "reject", note="不属于隐患")
    made["major"] = act(people, create(people, enterprise_id=gas, level="major"), "yuehu", "confirm")
    made["fire"] = act(people, create(people, title="人行道消火栓损坏", sector="fire"), "yuehu", "confirm")
    made["guixi_reported"] = create(people, "guixi", title="烟花爆竹违规存放", sector="fireworks", **GUIXI_POINT)
    made["guixi_overdue"] = act(
        people, create(people, "guixi", title="仓库超量储存", sector="fireworks", **GUIXI_POINT), "guixi", "confirm"
    )
    past = timezone.now() - timedelta(days=3)
    Hazard.objects.filter(pk=made["rectifying"].pk).update(due_at=past, escalation_tier=2)
    Hazard.objects.filter(pk=made["guixi_overdue"].pk).update(due_at=past)
    # A closed hazard past its old due time is not overdue.
    Hazard.objects.filter(pk=made["closed"].pk).update(due_at=past)
    return made


def brute_force(actor: Any) -> dict[str, Any]:
    """The overview's numbers counted one hazard at a time over the scoped list."""
    rows = list(selectors.hazard_list(actor=actor))
    district_status: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sectors: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_status: dict[str, int] = defaultdict(int)
    tiers = dict.fromkeys(TIERS, 0)
    for h in rows:
        by_status[h.status] += 1
        district_status[h.county_code][h.status] += 1
        sectors[h.sector_id][0] += h.is_open
        sectors[h.sector_id][1] += h.status == HazardStatus.CLOSED
        sectors[h.sector_id][2] += 1
        if h.overdue:
            tiers[h.escalation_tier] += 1
    return {
        "total": len(rows),
        "open": sum(h.is_open for h in rows),
        "closed": sum(h.status == HazardStatus.CLOSED for h in rows),
        "overdue": sum(h.overdue for h in rows),
        "major_open": sum(h.is_open and h.level == "major" for h in rows),
        "in_loop": sum(h.status not in NOT_IN_LOOP for h in rows),
        "overdue_by_tier": tiers,
        "by_status": dict(by_status),
        "district_status": {code: dict(statuses) for code, statuses in district_status.items()},
        "sectors": {code: tuple(n) for code, n in sectors.items()},
    }


@pytest.mark.parametrize("username", PEOPLE)
def test_the_numbers_are_a_count_over_the_hazard_list(hazards, people, username):
    actor = people[username]
    overview = hazard_overview(actor=actor)
    assert overview.numbers() == brute_force(actor)


def test_what_each_person_sees(hazards, people):
    yuehu, guixi, city, outsider = (hazard_overview(actor=people[n]) for n in ("yuehu", "guixi", "city", "outsider"))
    assert (yuehu.total, yuehu.open, yuehu.closed, yuehu.overdue, yuehu.major_open) == (7, 5, 1, 1, 1)
    assert yuehu.overdue_by_tier == {0: 0, 1: 0, 2: 1, 3: 0}
    # Closed 1 of those that entered the loop: confirmed, rectifying, closed, major (plan required), fire.
    assert (yuehu.in_loop, yuehu.rectification_rate) == (5, 0.2)
    assert [(d.code, d.name) for d in yuehu.districts] == [("360602", "月湖区")]
    assert yuehu.districts[0].by_status[HazardStatus.CONFIRMED] == 2
    assert {s.code for s in yuehu.sectors} == {"gas", "fire"}

    assert (guixi.total, guixi.open, guixi.overdue, guixi.overdue_by_tier[0]) == (2, 2, 1, 1)
    assert guixi.rectification_rate == 0.0
    assert [d.name for d in guixi.districts] == ["贵溪市"]

    assert (city.total, city.overdue) == (9, 2)
    assert [d.code for d in city.districts] == ["360602", "360681"]

    assert outsider.numbers() == {
        "total": 0,
        "open": 0,
        "closed": 0,
        "overdue": 0,
        "major_open": 0,
        "in_loop": 0,
        "overdue_by_tier": dict.fromkeys(TIERS, 0),
        "by_status": {},
        "district_status": {},
        "sectors": {},
    }
    assert outsider.rectification_rate is None


def test_filters_narrow_like_the_list(hazards, people):
    gas = hazard_overview(actor=people["city"], filters={"sector": "gas"})
    assert (gas.total, [s.code for s in gas.sectors]) == (6, ["gas"])
    major = hazard_overview(actor=people["city"], filters={"level": "major"})
    assert (major.total, major.major_open) == (1, 1)
    guixi = hazard_overview(actor=people["city"], filters={"division": "360681"})
    assert guixi.total == 2


def test_a_bad_filter_names_its_field(hazards, people):
    from safeloop.core.errors import FieldErrors

    with pytest.raises(FieldErrors) as error:
        hazard_overview(actor=people["city"], filters={"level": "huge"})
    assert error.value.errors[0]["field"] == "level"


def test_the_query_count_does_not_grow_with_the_data(hazards, people, django_assert_num_queries):
    actor = people["city"]
    scope_for(actor)  # the caller's scope is worked out once per request, before the overview
    # open hazards live, final ones from the tally, the caller's own reports elsewhere; district and sector names
    with django_assert_num_queries(5):
        hazard_overview(actor=actor)
    for sector in ("campus", "road", "campus"):
        act(people, create(people, "yuehu", sector=sector, title="学校门口道路隐患"), "yuehu", "confirm")
    with django_assert_num_queries(3):  # the names are cached now
        assert hazard_overview(actor=actor).total == 12
    scope_for(people["outsider"])
    with django_assert_num_queries(2):  # only what they reported themselves, open and final; nothing to name
        assert hazard_overview(actor=people["outsider"]).total == 0


def test_the_page_in_chinese_and_english(hazards, client, people):
    client.force_login(people["yuehu"])
    page = client.get("/hazards/overview/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'lang="zh-hans"' in body
    assert "月湖区" in body
    # Every number links to the hazard list filtered to what it counts.
    assert "/hazards/?division=360602&amp;status=confirmed" in body
    assert 'data-testid="tile-overdue"' in body and "/hazards/?overdue=true" in body
    assert "vendor/echarts/echarts.min.js" in body and 'id="hazard-overview-chart"' in body

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/hazards/overview/", {"sector": "gas"}).content.decode()
    assert "Hazard overview" in english and "Rectification rate" in english
    assert "/hazards/?sector=gas&amp;division=360602&amp;status=confirmed" in english
    assert 'data-district="360681"' not in english


def test_the_page_shows_a_bad_filter_and_the_unfiltered_figures(hazards, client, people):
    client.force_login(people["city"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/hazards/overview/", {"level": "huge"})
    assert page.status_code == 400
    assert 'data-testid="filter-errors"' in page.content.decode()


def test_the_outsider_sees_an_empty_page(hazards, client, people):
    client.force_login(people["outsider"])
    page = client.get("/hazards/overview/")
    assert page.status_code == 200
    assert 'data-testid="overview-empty"' in page.content.decode()


def test_the_menu_offers_it_to_officers_not_to_enterprises(city, client, people):
    client.force_login(people["leader"])
    assert "/hazards/overview/" in client.get("/").content.decode()
    client.force_login(people["ent1"])
    assert "/hazards/overview/" not in client.get("/").content.decode()


def test_the_api(hazards, api_as, people):
    response = api_as("yuehu").get("/api/v1/hazards/overview")
    assert response.status_code == 200, response.content
    body = response.json()
    expected = brute_force(people["yuehu"])
    assert {k: body[k] for k in ("total", "open", "closed", "overdue", "major_open", "in_loop")} == {
        k: expected[k] for k in ("total", "open", "closed", "overdue", "major_open", "in_loop")
    }
    assert body["rectification_rate"] == 0.2
    assert body["overdue_by_tier"] == {"0": 0, "1": 0, "2": 1, "3": 0}
    assert body["districts"][0]["code"] == "360602" and body["districts"][0]["by_status"]["confirmed"] == 2
    assert {s["code"]: s["total"] for s in body["sectors"]} == {"gas": 6, "fire": 1}

    gas = api_as("city").get("/api/v1/hazards/overview", {"sector": "gas"}).json()
    assert gas["total"] == 6
    assert api_as("outsider").get("/api/v1/hazards/overview").json()["total"] == 0
    assert api_as("city").get("/api/v1/hazards/overview", {"level": "huge"}).status_code == 422
    assert api_as(None).get("/api/v1/hazards/overview").status_code == 401


def test_final_statuses_are_not_open():
    # The overview's definitions lean on the core's: closed, invalid and duplicate end the loop.
    assert {HazardStatus.CLOSED, HazardStatus.INVALID, HazardStatus.DUPLICATE} == set(FINAL_STATUSES)


def test_the_tally_follows_every_move_into_and_out_of_a_final_status(hazards, people, city):
    from safeloop.hazards import tally
    from safeloop.hazards.models import HazardTally
    from safeloop.hazards.tests.helpers import after_photo

    def counted():
        rows = HazardTally.objects.filter(count__gt=0)
        return sorted(rows.values_list("township_code", "sector_id", "level", "status", "department_key", "count"))

    gas = str(city.enterprises["yuehu_gas"].uuid)
    rejected = act(people, create(people, "yuehu", sector="gas", title="误报的隐患"), "yuehu", "reject", note="误报")
    reopened = act(people, create(people, "grid1", enterprise_id=gas, title="复发的隐患"), "yuehu", "confirm")
    act(people, reopened, "ent1", "start")
    act(people, reopened, "ent1", "submit", note="完成", photo_ids=[after_photo(people, reopened)])
    act(people, reopened, "verifier", "verify")
    closed_once = counted()
    act(people, reopened, "city", "reopen", note="复发")
    assert counted() != closed_once  # one fewer closed
    running = counted()
    tally.rebuild()
    assert counted() == running  # the running tally equals a recount from the hazards
    assert rejected.status == "invalid"

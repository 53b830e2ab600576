"""Patrol coverage: numbers equal a direct count of the same data, by grid, township and district,
and scope holds (issue 5 "Grid patrols")."""

from datetime import timedelta

import pytest
from django.db.models import Exists, OuterRef
from django.utils import timezone

from safeloop.core.errors import FieldErrors
from safeloop.inspections import coverage, services_patrols
from safeloop.inspections.models import PatrolCheckIn
from safeloop.orgs.models import Enterprise

GAS_GRID = "360602001001001"
SCHOOL_GRID = "360602001002001"
CHEM_GRID = "360602003001001"
FIREWORKS_GRID = "360681001001001"


def _visit(actor, enterprise, *, days_ago: float = 0, grid: str | None = None) -> PatrolCheckIn:
    data = {"lon": enterprise.lon, "lat": enterprise.lat, "enterprise_id": str(enterprise.uuid)}
    if grid:
        data["grid"] = grid
    checkin, _ = services_patrols.check_in(actor=actor, data=data)
    if days_ago:  # older than the service accepts from a phone: move it back in time
        PatrolCheckIn.objects.filter(pk=checkin.pk).update(at=timezone.now() - timedelta(days=days_ago))
    return checkin


@pytest.fixture
def patrolled(city, people):
    e = city.enterprises
    _visit(people["grid1"], e["yuehu_gas"])
    _visit(people["yuehu"], e["yuehu_school"], days_ago=10, grid=SCHOOL_GRID)
    _visit(people["yuehu"], e["yuehu_chem"], days_ago=40, grid=CHEM_GRID)
    _visit(people["guixi"], e["guixi_fireworks"], days_ago=2, grid=FIREWORKS_GRID)
    return city


def _direct(prefix: str, days: int) -> tuple[int, int]:
    since = timezone.now() - timedelta(days=days)
    sites = Enterprise.objects.filter(active=True, grid__code__startswith=prefix)
    visited = sites.filter(Exists(PatrolCheckIn.objects.filter(enterprise=OuterRef("pk"), at__gte=since))).count()
    return visited, sites.count()


@pytest.mark.parametrize("depth", [6, 9, 12, "grid"])
@pytest.mark.parametrize("days", [5, 30, 60])
def test_coverage_equals_a_direct_count(patrolled, people, depth, days):
    report = coverage.coverage(actor=people["city"], depth=depth, days=days)
    assert report.rows
    for row in report.rows:
        assert (row.visited, row.total) == _direct(row.code, days), row.code
    assert (report.total.visited, report.total.total) == _direct("36", days)


def test_default_window_and_percent(patrolled, people):
    report = coverage.coverage(actor=people["city"], depth=6)
    assert report.days == 30
    rows = {row.code: row for row in report.rows}
    assert (rows["360602"].visited, rows["360602"].total, rows["360602"].percent) == (2, 3, 66.7)
    assert (rows["360681"].visited, rows["360681"].total, rows["360681"].percent) == (1, 1, 100.0)
    assert rows["360602"].name == "月湖区"
    assert rows["360602"].colour_key == "partial" and rows["360681"].colour_key == "good"


def test_plan_frequency_and_last_patrol(patrolled, people):
    services_patrols.patrol_plan_set(actor=people["yuehu"], grid=SCHOOL_GRID, every_days=14)
    report = coverage.coverage(actor=people["yuehu"], depth="grid", division="360602")
    rows = {row.code: row for row in report.rows}
    assert rows[GAS_GRID].plan_met is True and rows[GAS_GRID].every_days == 7
    assert rows[SCHOOL_GRID].plan_met is True and rows[SCHOOL_GRID].every_days == 14
    assert rows[CHEM_GRID].plan_met is False
    last = PatrolCheckIn.objects.filter(grid_id=SCHOOL_GRID).get().at
    assert rows[SCHOOL_GRID].last_at == last
    district = coverage.coverage(actor=people["yuehu"], depth=6).rows[0]
    assert (district.grids_met, district.grids, district.plan_met) == (2, 3, False)


def test_drill_down_inside_a_division(patrolled, people):
    townships = coverage.coverage(actor=people["yuehu"], division="360602")
    assert townships.depth == 9
    assert [row.code for row in townships.rows] == ["360602001", "360602003"]
    villages = coverage.coverage(actor=people["yuehu"], division="360602001")
    assert villages.depth == 12
    assert [row.code for row in villages.rows] == ["360602001001", "360602001002"]
    grids = coverage.coverage(actor=people["yuehu"], division="360602001001")
    assert [row.code for row in grids.rows] == [GAS_GRID]


def test_scope(patrolled, people):
    yuehu = coverage.coverage(actor=people["yuehu"], depth=6)
    assert [row.code for row in yuehu.rows] == ["360602"]
    assert yuehu.total.total == 3
    grid1 = coverage.coverage(actor=people["grid1"], depth="grid")
    assert [row.code for row in grid1.rows] == [GAS_GRID]
    assert (grid1.total.visited, grid1.total.total) == (1, 1)
    guixi_seen_by_yuehu = coverage.coverage(actor=people["yuehu"], depth="grid", division="360681")
    assert guixi_seen_by_yuehu.rows == []
    assert coverage.coverage(actor=people["outsider"], depth=6).rows == []


def test_bad_parameters_are_named(people):
    for params, field in (
        ({"days": "x"}, "days"),
        ({"days": 0}, "days"),
        ({"depth": 7}, "depth"),
        ({"division": "999"}, "division"),
    ):
        with pytest.raises(FieldErrors) as caught:
            coverage.coverage(actor=people["city"], **params)
        assert [e["field"] for e in caught.value.errors] == [field]


def test_coverage_query_count(patrolled, people, django_assert_max_num_queries):
    actor = people["city"]
    coverage.coverage(actor=actor, depth=6)  # the scope is computed once per user object
    with django_assert_max_num_queries(4):
        coverage.coverage(actor=actor, depth="grid")


def test_unvisited_sites(patrolled, people):
    grid = patrolled.grids["360602003001"]
    assert [e.name for e in coverage.unvisited_sites(grid=grid, days=30)] == ["鹰潭东湖化工有限公司"]
    assert list(coverage.unvisited_sites(grid=grid, days=60)) == []

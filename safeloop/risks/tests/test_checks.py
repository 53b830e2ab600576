"""The checks control measures generate (排查任务): the periodic job makes the next one a period after
the last, never twice, and none for retired measures or points; open ones past their grace days are
missed; a failing control reports a hazard linked to the point (self-check at an enterprise, grid
patrol in a public area) and raises the point's level; who sees and who may record which check."""

from datetime import timedelta

import pytest
from django.utils import timezone

from safeloop.core.errors import Conflict
from safeloop.hazards.choices import HazardSource
from safeloop.hazards.models import Hazard
from safeloop.orgs.services import NotAllowed
from safeloop.risks import permissions, selectors, services
from safeloop.risks.choices import CheckStatus
from safeloop.risks.models import CheckTask, RiskPointHazard
from safeloop.risks.views_checks import checkable_q

pytestmark = pytest.mark.django_db

# Inside grid1's grid 360602001001001 (lon 117.030–117.040, lat 28.230–28.240).
# 站前社区's grid, also in 月湖区 but not grid1's.
OTHER_GRID = {"name": "站前广场", "kind": "place", "sector": "tourism", "lon": 117.043, "lat": 28.233}
# 贵溪市's 花园社区 grid.
GUIXI_AREA = {"name": "花园社区山塘", "kind": "area", "sector": "flood", "lon": 117.212, "lat": 28.292}


def _measure(actor, point, frequency="daily", **extra):
    data = {
        "kind": "engineering",
        "description": "燃气泄漏报警器巡检",
        "responsible_post": "巡检工",
        "responsible_name": "李工",
        "frequency": frequency,
    }
    return services.measure_add(actor=actor, point=point, data={**data, **extra})


def _open(measure):
    return CheckTask.objects.get(measure=measure, status=CheckStatus.OPEN)


def _dues(measure):
    return list(measure.checks.order_by("due_on").values_list("due_on", flat=True))


# ---- the periodic job ----------------------------------------------------------------------------------


def test_a_daily_measure_over_a_week_gets_one_check_a_day(gas_point, people):
    ent1 = people["ent1"]
    day0 = timezone.localdate()
    measure = _measure(ent1, gas_point, "daily")
    assert _dues(measure) == [day0]  # measure_add schedules the first one, due today
    for offset in range(7):
        today = day0 + timedelta(days=offset)
        assert services.generate_checks(today=today) == 0  # today's is still open: nothing new
        task = _open(measure)
        assert task.due_on == today
        services.check_record(actor=ent1, task=task, data={"result": "passed"})
        assert services.generate_checks(today=today) == 1  # tomorrow's, within the lead day
        assert services.generate_checks(today=today) == 0  # run twice the same day: no duplicate
        assert _open(measure).due_on == today + timedelta(days=1)
    assert _dues(measure) == [day0 + timedelta(days=n) for n in range(8)]
    assert measure.checks.filter(status=CheckStatus.PASSED).count() == 7


def test_a_weekly_measure_gets_its_next_check_a_week_after_the_last(gas_point, people):
    ent1 = people["ent1"]
    day0 = timezone.localdate()
    measure = _measure(ent1, gas_point, "weekly")
    services.check_record(actor=ent1, task=_open(measure), data={"result": "passed"})
    for offset in range(6):  # days 0–5: the next is further away than the lead day
        assert services.generate_checks(today=day0 + timedelta(days=offset)) == 0
    assert services.generate_checks(today=day0 + timedelta(days=6)) == 1
    assert services.generate_checks(today=day0 + timedelta(days=6)) == 0
    assert services.generate_checks(today=day0 + timedelta(days=7)) == 0  # still open: nothing new
    assert _dues(measure) == [day0, day0 + timedelta(days=7)]


def test_a_late_run_makes_the_next_check_due_today_not_in_the_past(gas_point, people):
    ent1 = people["ent1"]
    day0 = timezone.localdate()
    measure = _measure(ent1, gas_point, "weekly")
    services.check_record(actor=ent1, task=_open(measure), data={"result": "passed"})
    assert services.generate_checks(today=day0 + timedelta(days=10)) == 1
    assert _dues(measure) == [day0, day0 + timedelta(days=10)]


def test_each_measure_of_a_point_has_its_own_schedule(gas_point, people):
    ent1 = people["ent1"]
    day0 = timezone.localdate()
    daily = _measure(ent1, gas_point, "daily")
    weekly = _measure(ent1, gas_point, "weekly", kind="management", description="安全管理制度检查")
    for measure in (daily, weekly):
        services.check_record(actor=ent1, task=_open(measure), data={"result": "passed"})
    assert services.generate_checks(today=day0) == 1
    assert _open(daily).due_on == day0 + timedelta(days=1)
    assert not weekly.checks.filter(status=CheckStatus.OPEN).exists()


def test_inactive_measures_and_retired_points_get_no_checks(gas_point, public_point, people):
    ent1, yuehu = people["ent1"], people["yuehu"]
    day0 = timezone.localdate()
    stopped = _measure(ent1, gas_point, "daily")
    on_retired_point = _measure(yuehu, public_point, "daily", description="堤防巡查")
    services.measure_update(actor=ent1, measure=stopped, data={"active": False})
    services.risk_point_set_active(actor=yuehu, point=public_point, active=False)
    assert not CheckTask.objects.filter(status=CheckStatus.OPEN).exists()  # their open checks are dropped
    for offset in range(8):
        assert services.generate_checks(today=day0 + timedelta(days=offset)) == 0
    assert stopped.checks.count() == 0 and on_retired_point.checks.count() == 0

    services.measure_update(actor=ent1, measure=stopped, data={"active": True})  # back: checked again
    assert _dues(stopped) == [day0]


def test_open_checks_past_their_grace_days_are_missed_and_the_next_one_follows(gas_point, people):
    ent1 = people["ent1"]
    day0 = timezone.localdate()
    measure = _measure(ent1, gas_point, "daily")
    task = _open(measure)
    assert services.mark_missed(today=day0 + timedelta(days=2)) == 0  # within the 2 grace days
    assert services.mark_missed(today=day0 + timedelta(days=3)) == 1
    assert services.mark_missed(today=day0 + timedelta(days=3)) == 0
    task.refresh_from_db()
    assert task.status == CheckStatus.MISSED
    with pytest.raises(Conflict):  # a missed check is not recorded late
        services.check_record(actor=ent1, task=task, data={"result": "passed"})
    assert services.generate_checks(today=day0 + timedelta(days=3)) == 1
    assert _open(measure).due_on == day0 + timedelta(days=3)


def test_recorded_checks_are_never_marked_missed(gas_point, people):
    ent1 = people["ent1"]
    measure = _measure(ent1, gas_point, "daily")
    services.check_record(actor=ent1, task=_open(measure), data={"result": "passed"})
    assert services.mark_missed(today=timezone.localdate() + timedelta(days=30)) == 0
    assert measure.checks.get().status == CheckStatus.PASSED


# ---- a failing control reports a linked hazard ---------------------------------------------------------


def test_a_failed_enterprise_check_reports_a_self_check_hazard_and_raises_the_point(gas_point, people):
    ent1 = people["ent1"]
    task = _open(_measure(ent1, gas_point, "daily"))
    services.check_record(actor=ent1, task=task, data={"result": "failed", "note": "报警器失灵"})
    task.refresh_from_db()
    gas_point.refresh_from_db()
    hazard = Hazard.objects.get(pk=task.hazard_id)
    assert task.status == CheckStatus.FAILED and task.checked_by == ent1 and task.note == "报警器失灵"
    assert hazard.source == HazardSource.SELF_CHECK and hazard.enterprise_id == gas_point.enterprise_id
    assert hazard.reported_by == ent1 and hazard.description == "报警器失灵"
    assert gas_point.assessed_level == "general" and gas_point.current_level == "significant"
    assert RiskPointHazard.objects.get(point=gas_point, hazard=hazard).check_task == task


def test_grid1_failing_a_public_area_check_reports_a_grid_patrol_hazard(public_point, people):
    task = _open(_measure(people["yuehu"], public_point, "weekly", description="堤防护坡巡查"))
    assert public_point.current_level == "low"
    services.check_record(
        actor=people["grid1"],
        task=task,
        data={"result": "failed", "note": "护坡出现裂缝", "title": "堤防护坡裂缝", "level": "major"},
    )
    task.refresh_from_db()
    public_point.refresh_from_db()
    hazard = task.hazard
    assert hazard is not None and hazard.title == "堤防护坡裂缝" and hazard.level == "major"
    assert hazard.source == HazardSource.GRID_PATROL and hazard.enterprise_id is None
    assert hazard.grid_id == "360602001001001" and hazard.reported_by == people["grid1"]
    assert public_point.current_level == "major"  # a linked major hazard raises it to major
    assert hazard.code in public_point.raised_reason


def test_a_hazard_field_error_writes_nothing(gas_point, people):
    ent1 = people["ent1"]
    task = _open(_measure(ent1, gas_point, "daily"))
    with pytest.raises(services.FieldErrors) as caught:
        services.check_record(
            actor=ent1, task=task, data={"result": "failed", "note": "失灵", "criteria_item": "no-such-item"}
        )
    assert [e["field"] for e in caught.value.errors] == ["criteria_item"]
    task.refresh_from_db()
    gas_point.refresh_from_db()
    assert task.status == CheckStatus.OPEN and task.hazard is None
    assert not Hazard.objects.exists() and gas_point.current_level == "general"


# ---- who sees and who records which check --------------------------------------------------------------


@pytest.fixture
def checks(city, people, gas_point, public_point):
    """One open check on: ent1's enterprise point, a public area in grid1's grid, a public area in
    another 月湖区 grid, another 月湖区 enterprise's point, and a public area in 贵溪市."""
    yuehu, guixi = people["yuehu"], people["guixi"]
    other_grid = services.risk_point_create(actor=yuehu, data=OTHER_GRID)
    chem = services.risk_point_create(
        actor=yuehu,
        data={
            "name": "储罐区",
            "kind": "facility",
            "sector": "hazchem",
            "enterprise_id": str(city.enterprises["yuehu_chem"].uuid),
        },
    )
    guixi_point = services.risk_point_create(actor=guixi, data=GUIXI_AREA)
    return {
        "enterprise": _open(_measure(people["ent1"], gas_point)),
        "public": _open(_measure(yuehu, public_point, description="堤防巡查")),
        "other_grid": _open(_measure(yuehu, other_grid, description="广场消防通道检查")),
        "chem": _open(_measure(yuehu, chem, description="储罐液位计检查")),
        "guixi": _open(_measure(guixi, guixi_point, description="山塘水位巡查")),
    }


def _visible(person, checks):
    found = set(selectors.check_list(actor=person).values_list("pk", flat=True))
    return {name for name, task in checks.items() if task.pk in found}


def _recordable(person, checks):
    return {name for name, task in checks.items() if permissions.can_check(person, task)}


def test_who_sees_which_checks(people, checks):
    assert _visible(people["ent1"], checks) == {"enterprise"}
    # The grid worker sees its grid, the enterprise in it included …
    assert _visible(people["grid1"], checks) == {"enterprise", "public"}
    assert _visible(people["yuehu"], checks) == {"enterprise", "public", "other_grid", "chem"}
    assert _visible(people["guixi"], checks) == {"guixi"}
    assert _visible(people["city"], checks) == set(checks)
    assert _visible(people["outsider"], checks) == set()


def test_who_may_record_which_checks(people, checks):
    assert _recordable(people["ent1"], checks) == {"enterprise"}
    # … but records only the public areas of its grid: the enterprise keeps its own checks.
    assert _recordable(people["grid1"], checks) == {"public"}
    assert _recordable(people["yuehu"], checks) == {"enterprise", "public", "other_grid", "chem"}
    assert _recordable(people["guixi"], checks) == {"guixi"}
    assert _recordable(people["outsider"], checks) == set()
    with pytest.raises(NotAllowed):
        services.check_record(actor=people["grid1"], task=checks["enterprise"], data={"result": "passed"})
    with pytest.raises(NotAllowed):
        services.check_record(actor=people["ent1"], task=checks["public"], data={"result": "passed"})
    assert not CheckTask.objects.exclude(status=CheckStatus.OPEN).exists()


def test_the_list_filter_matches_the_record_permission_for_everyone(people, checks):
    """views_checks.checkable_q is permissions.can_check in SQL: for every demo person and every
    check they can see, the two agree."""
    for name, person in people.items():
        scoped = selectors.check_list(actor=person)
        in_sql = set(scoped.filter(checkable_q(person)).values_list("pk", flat=True))
        in_python = {task.pk for task in scoped if permissions.can_check(person, task)}
        assert in_sql == in_python, name

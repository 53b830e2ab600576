"""The demo city's risk register (risks/demo.py) on the small test city: points in both districts, at
every level, some raised by an open hazard found by a failed check, some with history; check tasks in
every state; everything audited; the same register for the same seed."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from safeloop.core.audit import verify_chain
from safeloop.core.models import AuditEvent
from safeloop.hazards.choices import OPEN_STATUSES, HazardStatus
from safeloop.hazards.models import Hazard
from safeloop.risks.choices import CheckStatus, RiskLevel
from safeloop.risks.demo import RegisterError, load_risk_register
from safeloop.risks.models import CheckTask, ControlMeasure, RiskAssessment, RiskPoint, RiskPointHazard, SitePlan
from safeloop.risks.selectors import risk_point_list


@pytest.fixture
def loaded(city):
    started = timezone.now()
    summary = load_risk_register(seed=1, now=started, share=1.0)
    return summary, started


def test_points_in_both_districts_at_every_level(loaded, city):
    summary, _now = loaded
    points = RiskPoint.objects.all()
    assert summary.points == points.count() > 20
    assert {p.division_id[:6] for p in points} == {"360602", "360681"}
    assert set(points.values_list("assessed_level", flat=True)) == set(RiskLevel.values)
    # Enterprises' points and public areas (some drawn as areas), each in a grid of the city.
    ent1_enterprise = city.enterprises["yuehu_gas"]
    assert points.filter(enterprise=ent1_enterprise).count() >= 2
    public = points.filter(enterprise__isnull=True)
    assert public.count() >= 12 and public.filter(polygon__isnull=False).exists()
    assert not public.filter(grid__isnull=True).exists()
    for point in points:
        assert point.accident_types and point.responsible and point.measures.exists(), point.code
        assert point.inherent_score > point.residual_score, point.code  # controls lower the risk
    # A direct judgement to major records why.
    direct = points.exclude(override_reason="")
    assert direct.exists() and set(direct.values_list("assessed_level", flat=True)) == {"major"}


def test_measures_are_of_different_kinds_with_post_and_frequency(loaded):
    for point in RiskPoint.objects.prefetch_related("measures"):
        kinds = [m.kind for m in point.measures.all()]
        assert 1 <= len(kinds) <= 4 and len(set(kinds)) == len(kinds), point.code
        assert all(m.responsible_post and m.frequency for m in point.measures.all())


def test_a_failed_check_left_an_open_hazard_and_a_raised_point(loaded):
    summary, _now = loaded
    raised = RiskPoint.objects.exclude(raised_reason="")
    assert raised.exists() and summary.raised == raised.count()
    for point in raised:
        link = RiskPointHazard.objects.filter(point=point, hazard__status__in=OPEN_STATUSES).first()
        assert link is not None and link.check_task is not None and link.check_task.status == CheckStatus.FAILED
        assert point.current_level != point.assessed_level or point.assessed_level == RiskLevel.MAJOR
        assert point.reassess_reason in {"open_hazard", "major_hazard"}
    # Older failures were rectified and verified: the point came back to its assessed level.
    closed = RiskPointHazard.objects.filter(hazard__status=HazardStatus.CLOSED)
    assert closed.exists()
    for link in closed:
        point = link.point
        if not point.hazard_links.filter(hazard__status__in=OPEN_STATUSES).exists():
            assert point.current_level == point.assessed_level and point.raised_reason == ""
    assert AuditEvent.objects.filter(verb="risk_point.level_restored").exists()


def test_history_reviews_and_requests(loaded):
    _summary, now = loaded
    two = [p for p in RiskPoint.objects.all() if p.assessments.count() >= 2]
    assert two
    for point in two:
        moments = list(point.assessments.order_by("id").values_list("assessed_at", flat=True))
        assert moments == sorted(moments) and moments[-1] == point.last_assessed_at
        assert moments[0] < now - timedelta(days=10)
    assert RiskPoint.objects.filter(next_review_at__lt=timezone.localdate(now)).exists()
    assert RiskPoint.objects.filter(reassess_reason="review_cycle").exists()
    assert RiskPoint.objects.filter(reassess_reason__in=("accident", "change")).exists()
    assert not RiskAssessment.objects.filter(assessed_at__gt=now).exists()


def test_check_tasks_in_every_status_with_past_dates(loaded):
    _summary, now = loaded
    today = timezone.localdate(now)
    statuses = set(CheckTask.objects.values_list("status", flat=True))
    assert statuses == set(CheckStatus.values)
    done = CheckTask.objects.exclude(status__in=(CheckStatus.OPEN, CheckStatus.MISSED))
    assert not done.filter(due_on__gte=today).exists()
    assert all(t.checked_at is not None and t.checked_by_id is not None for t in done)
    assert (
        CheckTask.objects.filter(status=CheckStatus.PASSED).count()
        > 5 * CheckTask.objects.filter(status=CheckStatus.FAILED).count()
    )
    # Every failed check reported a hazard, found when the check was made.
    for task in CheckTask.objects.filter(status=CheckStatus.FAILED).select_related("hazard"):
        assert task.hazard is not None and task.hazard.reported_at == task.checked_at


def test_everything_is_audited_and_the_chain_is_whole(loaded):
    summary, started = loaded
    assert AuditEvent.objects.filter(verb="risk_point.create").count() == summary.points
    assert AuditEvent.objects.filter(verb="risk_point.assess").count() == RiskAssessment.objects.count()
    assert AuditEvent.objects.filter(verb="risk_measure.create").count() == ControlMeasure.objects.count()
    assert not AuditEvent.objects.filter(verb__startswith="risk_", at__lt=started).exists()
    assert verify_chain() is None


def test_scope_of_the_demo_logins(loaded, people, city):
    assert {p.division_id[:6] for p in risk_point_list(actor=people["yuehu"])} == {"360602"}
    ent1 = {p.enterprise_id for p in risk_point_list(actor=people["ent1"])}
    assert ent1 == {city.enterprises["yuehu_gas"].pk}


def test_ent1_sees_its_points_on_its_site_plan(loaded, city):
    summary, _now = loaded
    enterprise = city.enterprises["yuehu_gas"]
    plan = SitePlan.objects.get(enterprise=enterprise)
    assert plan.content_type == "image/png" and plan.width > plan.height > 0
    points = RiskPoint.objects.filter(enterprise=enterprise)
    assert summary.plan_placed == points.count()
    spots = {(p.plan_x, p.plan_y) for p in points}
    assert len(spots) == points.count() and all(0 < x < 1 and 0 < y < 1 for x, y in spots)


def test_a_second_load_is_refused(loaded):
    with pytest.raises(RegisterError):
        load_risk_register(seed=1)


class _Rollback(Exception):
    pass


def _fingerprint(seed, now):
    try:
        with transaction.atomic():
            load_risk_register(seed=seed, now=now, share=1.0)
            rows = RiskPoint.objects.order_by("code").values_list(
                "code", "name", "assessed_level", "current_level", "inherent_score", "residual_score"
            )
            raise _Rollback(list(rows))
    except _Rollback as done:
        return done.args[0]


def test_the_same_seed_gives_the_same_register(city):
    now = timezone.now()
    first = _fingerprint(1, now)
    assert _fingerprint(1, now) == first
    assert _fingerprint(2, now) != first
    assert not RiskPoint.objects.exists() and not Hazard.objects.exists()


@pytest.mark.django_db
def test_demo_command_loads_the_register_after_the_hazards():
    out = io.StringIO()
    call_command("demo", "--seed", "7", "--enterprises", "40", "--hazards", "30", stdout=out)
    points = RiskPoint.objects.count()
    (line,) = [line for line in out.getvalue().splitlines() if "风险点" in line]
    assert points > 10 and f"{points:,}" in line
    assert {p.division_id[:6] for p in RiskPoint.objects.all()} == {"360602", "360603", "360681"}

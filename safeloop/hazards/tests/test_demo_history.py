"""The demo city's hazard history (hazards/demo.py) on the small test city: every state, overdue and
escalated hazards, major hazards with their plans, consistent back-dated timelines, a whole audit chain,
the same history for the same seed, and something to do for each demo login."""

import itertools
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from safeloop.core.audit import verify_chain
from safeloop.core.models import AuditEvent
from safeloop.hazards import permissions
from safeloop.hazards.choices import (
    OPEN_STATUSES,
    EscalationTier,
    ExtensionStatus,
    HazardLevel,
    HazardStatus,
    PhotoKind,
)
from safeloop.hazards.deadlines import closure_alert
from safeloop.hazards.demo import HistoryError, load_hazard_history
from safeloop.hazards.models import DeadlineExtension, GovernancePlan, Hazard, HazardEvent
from safeloop.hazards.selectors import hazard_list
from safeloop.hazards.services import photo_add
from safeloop.hazards.tests.helpers import jpeg
from safeloop.orgs.models import Enterprise

COUNT = 120
MAJOR_STATES = {
    HazardStatus.PLAN_REQUIRED,
    HazardStatus.LISTED,
    HazardStatus.GOVERNING,
    HazardStatus.EVALUATED,
    HazardStatus.ACCEPTANCE_PENDING,
    HazardStatus.CLOSED,
}


@pytest.fixture
def loaded(city):
    started = timezone.now()
    summary = load_hazard_history(seed=1, count=COUNT, now=started)
    return summary, started


def test_the_year_holds_every_status_source_and_district(loaded):
    summary, _now = loaded
    hazards = Hazard.objects.all()
    assert summary.hazards == hazards.count() == COUNT
    assert set(hazards.values_list("status", flat=True)) == set(HazardStatus.values)
    assert len(set(hazards.values_list("source", flat=True))) >= 5
    assert set(hazards.values_list("county_code", flat=True)) == {"360602", "360681"}
    assert hazards.filter(enterprise__isnull=True).exists()  # public places, located in a grid
    assert not hazards.filter(enterprise__isnull=True, grid__isnull=True).exists()
    closed = hazards.filter(status=HazardStatus.CLOSED, level=HazardLevel.GENERAL)
    assert closed.count() > COUNT / 2
    assert all(h.photos.filter(kind=PhotoKind.AFTER).exists() for h in closed)


def test_some_are_overdue_and_escalated_up_the_ladder(loaded):
    summary, now = loaded
    overdue = Hazard.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    assert overdue.exists() and summary.overdue == overdue.count()
    # The sweep ran: every overdue hazard has climbed at least one step, and one reached the city.
    assert not overdue.filter(escalation_tier=EscalationTier.NONE).exists()
    assert overdue.filter(escalation_tier=EscalationTier.CITY).exists()
    for hazard in overdue:
        tiers = [e.data["tier"] for e in hazard.events.filter(action="escalate").order_by("id")]
        assert tiers == list(range(1, hazard.escalation_tier + 1))
    assert DeadlineExtension.objects.filter(status=ExtensionStatus.PENDING).count() >= 2
    assert DeadlineExtension.objects.exclude(status=ExtensionStatus.PENDING).exists() or COUNT < 200


def test_major_hazards_in_each_state_with_their_plans(loaded):
    majors = Hazard.objects.filter(level=HazardLevel.MAJOR)
    assert set(majors.values_list("status", flat=True)) == MAJOR_STATES
    assert majors.filter(status=HazardStatus.GOVERNING, suspended=True).count() == 1
    for hazard in majors.exclude(status__in=(HazardStatus.PLAN_REQUIRED, HazardStatus.LISTED)):
        plan = GovernancePlan.objects.get(hazard=hazard)
        assert plan.missing_parts() == [] and plan.approved_at is not None
        assert hazard.reported_to_regulator_at is not None
        assert hazard.confirmed_at <= plan.submitted_at <= plan.approved_at
    listed = majors.get(status=HazardStatus.LISTED)
    assert listed.listing_level and listed.supervising_unit and listed.listing_deadline
    pending = majors.get(status=HazardStatus.ACCEPTANCE_PENDING)
    assert pending.acceptance_due_at == pending.acceptance_requested_at + timedelta(days=10)
    # 安全生产法 Art. 113: three penalties in 180 days while a major hazard is open.
    alerted = [e for e in Enterprise.objects.filter(penalties__isnull=False).distinct() if closure_alert(e)]
    assert len(alerted) == 1


def test_timelines_agree_with_statuses_and_times_run_forward_within_the_year(loaded):
    _summary, now = loaded
    year_ago = now - timedelta(days=366)
    events: dict[int, list[HazardEvent]] = {}
    for event in HazardEvent.objects.order_by("hazard_id", "id"):
        events.setdefault(event.hazard_id, []).append(event)
    for hazard in Hazard.objects.all():
        timeline = events[hazard.pk]
        assert timeline[0].action == "report" and timeline[0].to_status == HazardStatus.REPORTED
        assert timeline[0].at == hazard.reported_at >= year_ago
        moments = [e.at for e in timeline]
        assert moments == sorted(moments) and moments[-1] <= now, hazard.code
        moves = [e for e in timeline if e.action != "escalate"]
        for before, after in itertools.pairwise(moves):
            assert after.from_status == before.to_status, (hazard.code, after.action)
        assert moves[-1].to_status == hazard.status, hazard.code
        for name in ("confirmed_at", "submitted_at", "verified_at", "closed_at"):
            value = getattr(hazard, name)
            assert value is None or hazard.reported_at <= value <= now, (hazard.code, name)
        if hazard.closed_at is not None:
            assert hazard.closed_at == max(e.at for e in moves)
        assert hazard.due_at > hazard.reported_at


def test_audit_chain_is_whole_and_keeps_the_real_load_time(loaded):
    summary, started = loaded
    assert verify_chain() is None
    reports = AuditEvent.objects.filter(verb="hazard.report")
    assert reports.count() == summary.hazards
    assert not reports.filter(at__lt=started).exists()  # the audit trail is not back-dated


def test_each_demo_login_has_something_to_do(loaded, people):
    def actions(username):
        user = people[username]
        return {a for h in hazard_list(actor=user) for a in permissions.allowed_actions(user, h)}

    assert {"start", "submit", "submit_plan"} <= actions("ent1")
    assert {"confirm", "approve_extension"} <= actions("yuehu")
    assert "verify" in actions("verifier")
    assert "confirm" in actions("yingji")
    assert "approve_extension" in actions("guixi")
    # The city office sees what was escalated all the way up to it.
    assert hazard_list(actor=people["city"]).filter(escalation_tier=EscalationTier.CITY).exists()
    # A grid worker is no party to the workflow (permissions.py): what grid1 finds is its own report in
    # its grid, open and waiting for the district, to which it can still add photos.
    grid1 = people["grid1"]
    own = hazard_list(actor=grid1).filter(reported_by=grid1, status=HazardStatus.REPORTED).first()
    assert own is not None and own.grid_id == grid1.memberships.get().grid_id
    assert permissions.allowed_actions(grid1, own) == []
    photo_add(actor=grid1, hazard=own, content=jpeg(), kind=PhotoKind.BEFORE)


def test_a_second_load_is_refused(loaded):
    with pytest.raises(HistoryError):
        load_hazard_history(seed=1, count=10)


class _Rollback(Exception):
    pass


def _fingerprint(seed, now):
    try:
        with transaction.atomic():
            load_hazard_history(seed=seed, count=60, now=now)
            rows = Hazard.objects.order_by("code").values_list(
                "code", "title", "status", "level", "sector_id", "source", "reported_at", "due_at"
            )
            raise _Rollback(list(rows))
    except _Rollback as done:
        return done.args[0]


def test_the_same_seed_gives_the_same_history(city):
    now = timezone.now()
    first = _fingerprint(1, now)
    assert len(first) == 60
    assert _fingerprint(1, now) == first
    assert _fingerprint(2, now) != first
    assert not Hazard.objects.exists()

"""The demo city's inspections (inspections/demo.py) on the small test city: a running campaign with
progress, inspections of several kinds with answers, findings reported as hazards with source
"campaign" and driven through the hazard workflow, an earlier closed campaign, patrol plans and
check-ins (grid1's among them), everything audited, and the same result for the same seed."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from safeloop.core.audit import verify_chain
from safeloop.core.models import AuditEvent
from safeloop.hazards.choices import OPEN_STATUSES, HazardSource, HazardStatus
from safeloop.hazards.models import Hazard
from safeloop.inspections import progress
from safeloop.inspections.choices import CampaignStatus, InspectionKind, InspectionStatus, TaskStatus
from safeloop.inspections.demo import InspectionDemoError, load_inspections
from safeloop.inspections.models import (
    Campaign,
    CampaignHazard,
    CampaignTarget,
    CampaignTask,
    Inspection,
    InspectionAnswer,
    PatrolCheckIn,
    PatrolPlan,
)
from safeloop.inspections.selectors import checkin_list, inspection_list
from safeloop.orgs.models import Grid


@pytest.fixture
def loaded(city):
    started = timezone.now()
    summary = load_inspections(seed=1, now=started, share=1.0)
    return summary, started


def _running():
    return Campaign.objects.get(status=CampaignStatus.RUNNING)


def test_a_running_campaign_launched_by_the_city_office_with_progress(loaded, people):
    summary, now = loaded
    campaign = _running()
    assert campaign.created_by == people["city"]
    assert campaign.starts_on < timezone.localdate(now) - timedelta(days=30) < campaign.ends_on
    assert {"fire", "campus", "gas", "fireworks"} <= set(campaign.sectors.values_list("code", flat=True))
    assert campaign.templates.count() == campaign.sectors.count()
    numbers = progress.campaign_progress(campaign)
    targets = CampaignTarget.objects.filter(campaign=campaign)
    inspected = targets.filter(first_inspected_at__isnull=False).count()
    assert summary.targets == targets.count() == numbers["targeted"] > 0
    assert summary.inspected == inspected == numbers["inspected"] > 0
    assert numbers["hazards"] == CampaignHazard.objects.filter(campaign=campaign).count() > 0
    assert numbers["rectified"] > 0
    # Inspected when the inspections were submitted: inside the campaign, in the past.
    for target in targets.filter(first_inspected_at__isnull=False):
        assert campaign.starts_on <= timezone.localdate(target.first_inspected_at) <= timezone.localdate(now)


def test_tasks_per_district_one_overdue(loaded):
    summary, now = loaded
    tasks = CampaignTask.objects.filter(campaign=_running())
    today = timezone.localdate(now)
    assert {t.division_id for t in tasks if t.division_id} == {"360602", "360681"}
    overdue = tasks.filter(status=TaskStatus.OPEN, due_on__lt=today)
    assert overdue.count() == 1 == summary.tasks_overdue
    done = tasks.filter(status=TaskStatus.DONE)
    assert done.exists() and all(t.done_at is not None and t.done_at < now - timedelta(days=7) for t in done)
    assert tasks.filter(department__isnull=False, assignee__username="jiaoyu").exists()
    # The sweep tasks carry their district's sites.
    assert CampaignTarget.objects.filter(campaign=_running(), task__isnull=False).exists()


def test_inspections_of_several_kinds_with_answers(loaded, people):
    summary, now = loaded
    inspections = Inspection.objects.all()
    kinds = set(inspections.values_list("kind", flat=True))
    assert {InspectionKind.DEPARTMENT, InspectionKind.SELF_CHECK, InspectionKind.GRID_PATROL} <= kinds
    assert summary.inspections == {k: inspections.filter(kind=k).count() for k in kinds}
    assert inspections.filter(unannounced=True, kind=InspectionKind.DEPARTMENT).exists()
    assert inspections.filter(kind=InspectionKind.SELF_CHECK, inspector=people["ent1"]).exists()
    assert inspections.filter(kind=InspectionKind.GRID_PATROL, inspector=people["grid1"]).exists()
    for inspection in inspections:
        assert inspection.status == InspectionStatus.SUBMITTED and inspection.campaign_id is not None
        assert inspection.started_at < inspection.submitted_at < now
        assert inspection.signed_by or inspection.refused_to_sign
        answers = inspection.answers.all()
        assert answers.count() >= inspection.template.items.filter(required=True).count()
        assert inspection.findings == answers.filter(is_finding=True).count()
    assert InspectionAnswer.objects.filter(choice="yes").count() > InspectionAnswer.objects.filter(choice="no").count()
    # ent1 sees its self-check; the outsider sees nothing.
    assert inspection_list(actor=people["ent1"]).filter(kind=InspectionKind.SELF_CHECK).exists()
    assert not inspection_list(actor=people["outsider"]).exists()


def test_findings_became_campaign_hazards_driven_through_the_workflow(loaded):
    summary, now = loaded
    hazards = Hazard.objects.filter(campaign_link__isnull=False)
    assert hazards.count() == summary.hazards > 0
    assert set(hazards.values_list("source", flat=True)) == {HazardSource.CAMPAIGN}
    for answer in InspectionAnswer.objects.filter(is_finding=True, item__finding_creates_hazard=True):
        assert answer.hazard is not None and answer.hazard.campaign_link.campaign_id == answer.inspection.campaign_id
        assert answer.hazard.reported_at == answer.inspection.submitted_at
        assert timezone.localdate(answer.inspection.started_at).isoformat() in answer.hazard.description
    # The earlier campaign's findings were all rectified and verified; the running one has some closed.
    earlier = Campaign.objects.get(status=CampaignStatus.CLOSED)
    assert earlier.created_by.username == "yingji"
    assert not CampaignHazard.objects.filter(campaign=earlier, hazard__status__in=OPEN_STATUSES).exists()
    closed = hazards.filter(status=HazardStatus.CLOSED)
    assert closed.count() == summary.rectified > 0
    for hazard in closed:
        moments = list(hazard.events.order_by("id").values_list("at", flat=True))
        assert moments == sorted(moments) and moments[-1] == hazard.closed_at < now
        assert [e.action for e in hazard.events.order_by("id")] == ["report", "confirm", "start", "submit", "verify"]
    assert AuditEvent.objects.filter(verb="hazard.verify").count() >= closed.count()


def test_check_ins_for_grid1_and_plans_for_every_grid(loaded, people):
    summary, now = loaded
    assert PatrolPlan.objects.count() == Grid.objects.count() == summary.plans
    mine = PatrolCheckIn.objects.filter(user=people["grid1"])
    assert mine.count() >= 8
    grid1_grid = people["ent1"].memberships.get().enterprise.grid_id
    assert set(mine.values_list("grid_id", flat=True)) == {grid1_grid}
    moments = list(PatrolCheckIn.objects.values_list("at", flat=True))
    assert min(moments) < now - timedelta(days=40) and max(moments) < now
    assert PatrolCheckIn.objects.filter(enterprise__isnull=False).exists()
    assert checkin_list(actor=people["grid1"]).count() == mine.count()
    assert summary.check_ins == PatrolCheckIn.objects.count()


def test_everything_is_audited_and_the_chain_is_whole(loaded):
    _summary, started = loaded
    assert AuditEvent.objects.filter(verb="campaign.create").count() == Campaign.objects.count() == 2
    assert AuditEvent.objects.filter(verb="inspection.start").count() == Inspection.objects.count()
    assert AuditEvent.objects.filter(verb="inspection.submit").count() == Inspection.objects.count()
    assert AuditEvent.objects.filter(verb="inspection.answer").count() == InspectionAnswer.objects.count()
    assert AuditEvent.objects.filter(verb="patrol.check_in").count() == PatrolCheckIn.objects.count()
    assert AuditEvent.objects.filter(verb="campaign_task.create").count() == CampaignTask.objects.count()
    # The audit trail keeps the real load time.
    assert not AuditEvent.objects.filter(verb__startswith="inspection.", at__lt=started).exists()
    assert verify_chain() is None


def test_a_second_load_is_refused(loaded):
    with pytest.raises(InspectionDemoError):
        load_inspections(seed=1)


class _Rollback(Exception):
    pass


def _fingerprint(seed, now):
    try:
        with transaction.atomic():
            load_inspections(seed=seed, now=now, share=1.0)
            rows = (
                list(
                    Inspection.objects.order_by("started_at", "kind").values_list(
                        "kind", "enterprise__name", "findings"
                    )
                )
                + list(Hazard.objects.order_by("code").values_list("code", "title", "status"))
                + list(PatrolCheckIn.objects.order_by("at", "grid_id").values_list("grid_id", "user__username", "at"))
            )
            raise _Rollback(rows)
    except _Rollback as done:
        return done.args[0]


def test_the_same_seed_gives_the_same_result(city):
    now = timezone.now()
    first = _fingerprint(1, now)
    assert _fingerprint(1, now) == first
    assert _fingerprint(2, now) != first
    assert not Campaign.objects.exists() and not Inspection.objects.exists()


@pytest.mark.django_db
def test_demo_command_loads_the_inspections_after_the_register():
    out = io.StringIO()
    call_command("demo", "--seed", "7", "--enterprises", "40", "--hazards", "30", stdout=out)
    inspections = Inspection.objects.count()
    assert inspections > 5 and f"{inspections:,}" in out.getvalue().splitlines()[-1]
    assert Campaign.objects.filter(status=CampaignStatus.RUNNING).exists()

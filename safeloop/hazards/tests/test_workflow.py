"""Every edge of the declared workflow, allowed and refused, through the real service."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from safeloop.core.errors import FieldErrors
from safeloop.hazards import workflow
from safeloop.hazards.choices import HazardStatus
from safeloop.hazards.models import GovernancePlan, Hazard, HazardEvent
from safeloop.hazards.permissions import TransitionRefused, allowed_actions
from safeloop.hazards.services import TransitionConflict
from safeloop.hazards.tests.helpers import PLAN, act, after_photo, create

pytestmark = pytest.mark.django_db


@pytest.fixture
def gas(city):
    return city.enterprises["yuehu_gas"]


def _general(people, gas):
    hazard = create(people, enterprise_id=str(gas.uuid))
    return act(people, hazard, "yuehu", "confirm")


def _major(people, gas):
    hazard = create(people, enterprise_id=str(gas.uuid), level="major")
    return act(people, hazard, "yuehu", "confirm")


def test_every_rule_names_a_handler_and_a_known_status():
    from safeloop.hazards.services import HANDLERS

    for rule in workflow.RULES:
        assert rule.action in HANDLERS
        assert rule.sources <= set(HazardStatus.values)
        if rule.to is not None:
            assert set(rule.to.values()) <= set(HazardStatus.values)


def test_triage_can_reject_or_mark_duplicate_and_the_reporter_cannot(people, gas):
    first = create(people, enterprise_id=str(gas.uuid))
    second = create(people, enterprise_id=str(gas.uuid))
    with pytest.raises(TransitionRefused):
        act(people, second, "grid1", "reject", note="重复")
    with pytest.raises(FieldErrors) as missing:
        act(people, second, "yuehu", "duplicate")
    assert missing.value.errors[0]["field"] == "duplicate_of"
    with pytest.raises(FieldErrors):
        act(people, second, "yuehu", "duplicate", duplicate_of=second.code)
    act(people, second, "yuehu", "duplicate", duplicate_of=first.code)
    second.refresh_from_db()
    assert second.status == HazardStatus.DUPLICATE
    assert second.duplicate_of == first
    act(people, first, "yingji", "reject", note="现场核实不属于隐患")
    first.refresh_from_db()
    assert (first.status, first.invalid_reason) == (HazardStatus.INVALID, "现场核实不属于隐患")


def test_return_sends_the_work_back_and_the_verifier_cannot_be_the_rectifier(people, city):
    # A hazard in a public place: no enterprise; 月湖区's officer takes on the rectification.
    hazard = create(people, title="人行道井盖缺失")
    act(people, hazard, "yuehu", "confirm")
    act(people, hazard, "yuehu", "start")
    hazard.refresh_from_db()
    assert hazard.rectifying_unit == "division:360602"
    photo = after_photo(people, hazard, "yuehu")
    act(people, hazard, "yuehu", "submit", note="已补装井盖", photo_ids=[photo])
    for same_unit in ("yuehu", "verifier"):
        with translation.override("en"), pytest.raises(TransitionRefused, match="rectifying unit"):
            act(people, hazard, same_unit, "verify")
        assert "verify" not in allowed_actions(people[same_unit], hazard)
    act(people, hazard, "city", "return", note="井盖规格不符")
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFYING
    assert hazard.submitted_at is None


def test_submit_needs_an_after_photo_of_this_hazard(people, gas):
    hazard = act(people, _general(people, gas), "ent1", "start")
    other = act(people, create(people, enterprise_id=str(gas.uuid)), "yuehu", "confirm")
    act(people, other, "ent1", "start")
    foreign = after_photo(people, other)
    with pytest.raises(FieldErrors) as error:
        act(people, hazard, "ent1", "submit", note="done", photo_ids=[foreign])
    assert error.value.errors[0]["field"] == "photo_ids"
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFYING
    assert not HazardEvent.objects.filter(hazard=hazard, action="submit").exists()


def test_a_major_hazard_cannot_leave_plan_required_with_a_part_missing(people, gas):
    hazard = _major(people, gas)
    assert hazard.status == HazardStatus.PLAN_REQUIRED
    assert allowed_actions(people["ent1"], hazard) == ["submit_plan", "approve_plan", "extend"]
    partial = {k: v for k, v in PLAN.items() if k != "funding"}
    act(people, hazard, "ent1", "submit_plan", **partial)
    with pytest.raises(FieldErrors) as error:
        act(people, hazard, "ent1", "approve_plan", principal_name="负责人")
    fields = {e["field"] for e in error.value.errors}
    assert "plan.funding" in fields
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.PLAN_REQUIRED
    assert hazard.reported_to_regulator_at is None  # the report lacks its plan part
    act(people, hazard, "ent1", "submit_plan", funding=PLAN["funding"])
    hazard.refresh_from_db()
    assert hazard.reported_to_regulator_at is not None
    with pytest.raises(FieldErrors) as wrong:
        act(people, hazard, "ent1", "approve_plan", principal_name="别人")
    assert wrong.value.errors[0]["field"] == "principal_name"
    act(people, hazard, "ent1", "approve_plan", principal_name="负责人", suspended=True)
    hazard.refresh_from_db()
    assert (hazard.status, hazard.suspended) == (HazardStatus.GOVERNING, True)
    assert GovernancePlan.objects.get(hazard=hazard).approved_by_name == "负责人"


def test_a_major_hazard_closes_only_through_acceptance(people, gas):
    hazard = _major(people, gas)
    act(
        people, hazard, "city", "list", listing_level="city", supervising_unit="市安委办", listing_deadline="2099-06-30"
    )
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.LISTED
    act(people, hazard, "ent1", "submit_plan", **PLAN)
    act(people, hazard, "ent1", "approve_plan", principal_name="负责人", suspended=True)
    with pytest.raises(TransitionConflict):
        act(people, hazard, "verifier", "verify")
    with pytest.raises(FieldErrors) as no_report:
        act(people, hazard, "ent1", "evaluate", note="自评")
    assert no_report.value.errors[0]["field"] == "evaluation_report"
    act(people, hazard, "ent1", "evaluate", evaluation_report="委托评价机构出具评价报告，治理达标")
    with pytest.raises(FieldErrors) as no_application:
        act(people, hazard, "ent1", "apply_acceptance")
    assert no_application.value.errors[0]["field"] == "resume_application"
    before = timezone.now()
    act(people, hazard, "ent1", "apply_acceptance", resume_application="申请复产")
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.ACCEPTANCE_PENDING
    assert timedelta(days=9, hours=23) < hazard.acceptance_due_at - before <= timedelta(days=10, minutes=1)
    with translation.override("en"), pytest.raises(TransitionRefused, match="rectifying unit"):
        act(people, hazard, "ent1", "accept")
    act(people, hazard, "yuehu", "return", note="现场审查未通过")
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.GOVERNING
    act(people, hazard, "ent1", "evaluate", evaluation_report="二次评价合格")
    act(people, hazard, "ent1", "apply_acceptance", resume_application="再次申请")
    act(people, hazard, "yingji", "accept", note="核销")
    hazard.refresh_from_db()
    assert (hazard.status, hazard.suspended) == (HazardStatus.CLOSED, False)
    actions = list(hazard.events.values_list("action", flat=True))
    assert actions[-1] == "accept" and "list" in actions


def test_extension_is_decided_by_the_owners_superior(people, gas):
    hazard = act(people, _general(people, gas), "ent1", "start")
    Hazard.objects.filter(pk=hazard.pk).update(escalation_tier=1)
    hazard.refresh_from_db()
    new_due = hazard.due_at + timedelta(days=10)
    with pytest.raises(FieldErrors):
        act(people, hazard, "ent1", "extend", note="配件未到", due_at=(hazard.due_at - timedelta(days=1)).isoformat())
    act(people, hazard, "ent1", "extend", note="配件未到", due_at=new_due.isoformat())
    assert "extend" not in allowed_actions(people["ent1"], hazard)
    with pytest.raises(TransitionRefused):
        act(people, hazard, "ent1", "approve_extension", approved=True)
    assert "approve_extension" in allowed_actions(people["yuehu"], hazard)
    act(people, hazard, "yuehu", "approve_extension", approved=True, note="同意")
    hazard.refresh_from_db()
    assert hazard.due_at == new_due
    assert hazard.escalation_tier == 0
    assert hazard.extensions.get().status == "approved"


def test_reopen_by_a_superior_with_a_reason(people, gas):
    hazard = act(people, _general(people, gas), "ent1", "start")
    act(people, hazard, "ent1", "submit", note="完成", photo_ids=[after_photo(people, hazard)])
    act(people, hazard, "verifier", "verify")
    with pytest.raises(TransitionRefused):
        act(people, hazard, "verifier", "reopen", note="复发")
    with pytest.raises(FieldErrors):
        act(people, hazard, "city", "reopen")
    act(people, hazard, "city", "reopen", note="群众举报隐患复发")
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFYING
    assert hazard.closed_at is None and hazard.due_at > timezone.now()


def test_an_action_not_open_in_this_state_is_a_conflict_and_an_unknown_one_a_field_error(people, gas):
    hazard = _general(people, gas)
    with pytest.raises(TransitionConflict):
        act(people, hazard, "verifier", "verify")
    with pytest.raises(FieldErrors) as unknown:
        act(people, hazard, "yuehu", "teleport")
    assert unknown.value.errors[0]["field"] == "action"


def test_direct_criteria_item_makes_a_hazard_major_unless_a_reason_is_given(people, gas):
    hazard = create(people, enterprise_id=str(gas.uuid), criteria_item="gas-2023-4-1")
    assert hazard.level == "major"
    with pytest.raises(FieldErrors) as error:
        create(people, enterprise_id=str(gas.uuid), criteria_item="gas-2023-4-1", level="general")
    assert error.value.errors[0]["field"] == "level_reason"
    kept = create(
        people, enterprise_id=str(gas.uuid), criteria_item="gas-2023-4-1", level="general", level_reason="已当场整改"
    )
    assert kept.level == "general"

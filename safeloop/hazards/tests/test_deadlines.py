"""Reminders before due, the escalation ladder's events and messages, the Art. 113 penalty counter."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from safeloop.core.errors import FieldErrors
from safeloop.hazards import deadlines
from safeloop.hazards.models import Hazard, HazardEvent
from safeloop.hazards.tests.helpers import act, create
from safeloop.notifications.models import Message
from safeloop.orgs.services import NotAllowed

pytestmark = pytest.mark.django_db


def test_reminders_go_out_three_days_and_one_day_before_due_once_each(people, city):
    gas = city.enterprises["yuehu_gas"]
    hazard = create(people, enterprise_id=str(gas.uuid))
    far = create(people, enterprise_id=str(gas.uuid), title="还早")
    now = timezone.now()
    Hazard.objects.filter(pk=hazard.pk).update(due_at=now + timedelta(days=2, hours=12))
    Hazard.objects.filter(pk=far.pk).update(due_at=now + timedelta(days=20))

    assert deadlines.send_reminders(now=now) == 1
    assert deadlines.send_reminders(now=now) == 0
    assert deadlines.send_reminders(now=now + timedelta(days=1, hours=13)) == 1  # now within a day
    assert deadlines.send_reminders(now=now + timedelta(days=1, hours=14)) == 0
    days = list(HazardEvent.objects.filter(hazard=hazard, action="remind").values_list("data__days", flat=True))
    assert days == [3, 1]
    message = Message.objects.filter(kind="hazard.reminder").first()
    assert message.audience["enterprises"] == [gas.pk]
    assert not HazardEvent.objects.filter(hazard=far, action="remind").exists()


def test_a_major_hazard_going_overdue_is_proposed_for_listing(people, city):
    gas = city.enterprises["yuehu_gas"]
    major = act(people, create(people, enterprise_id=str(gas.uuid), level="major"), "yuehu", "confirm")
    general = create(people, enterprise_id=str(gas.uuid))
    now = timezone.now()
    Hazard.objects.filter(pk__in=[major.pk, general.pk]).update(due_at=now - timedelta(hours=1))
    result = deadlines.escalate_overdue(now=now)
    assert result.steps == {1: 2}
    proposal = HazardEvent.objects.get(hazard=major, action="escalate")
    assert proposal.data["propose_listing"] is True
    assert "propose_listing" not in HazardEvent.objects.get(hazard=general, action="escalate").data
    # Closed or extended hazards leave the ladder.
    act(people, general, "yuehu", "reject", note="误报")
    assert deadlines.escalate_overdue(now=now + timedelta(days=4)).steps == {2: 1}


def _penalty(people, enterprise, number, days_ago, user="yuehu"):
    return deadlines.penalty_record(
        actor=people[user],
        enterprise=enterprise,
        data={
            "decision_no": f"鹰应急罚〔2026〕{number}号",
            "authority": "月湖区应急管理局",
            "decided_on": (timezone.localdate() - timedelta(days=days_ago)).isoformat(),
            "amount": "20000",
        },
    )


def test_three_penalties_in_180_days_with_an_open_major_hazard_raise_the_closure_alert(people, city):
    gas = city.enterprises["yuehu_gas"]
    _penalty(people, gas, 1, 170)
    _penalty(people, gas, 2, 90)
    _penalty(people, gas, 3, 10)
    assert deadlines.closure_alert(gas) == []  # no major hazard open: nothing to propose
    assert not Message.objects.filter(kind="enterprise.closure_proposed").exists()
    act(people, create(people, enterprise_id=str(gas.uuid), level="major"), "yuehu", "confirm")
    _penalty(people, gas, 4, 400)  # outside both windows, but now a major hazard is open
    assert [(c.window_days, c.count) for c in deadlines.penalty_counts(gas)] == [(180, 3), (365, 3)]
    alert = deadlines.closure_alert(gas)
    assert [(c.window_days, c.count, c.threshold) for c in alert] == [(180, 3, 3)]
    assert Message.objects.filter(kind="enterprise.closure_proposed").count() == 1
    _penalty(people, gas, 5, 500)  # changes no count: no second alert
    assert Message.objects.filter(kind="enterprise.closure_proposed").count() == 1
    _penalty(people, gas, 6, 1)
    assert [(c.window_days, c.count) for c in deadlines.closure_alert(gas)] == [(180, 4), (365, 4)]
    assert Message.objects.filter(kind="enterprise.closure_proposed").count() == 2


def test_penalty_input_is_checked_and_only_regulators_record(people, city):
    gas = city.enterprises["yuehu_gas"]
    with pytest.raises(NotAllowed):
        _penalty(people, gas, 1, 1, user="ent1")
    with pytest.raises(FieldErrors) as error:
        deadlines.penalty_record(
            actor=people["yuehu"],
            enterprise=gas,
            data={"decision_no": "", "authority": "x", "decided_on": (date.today() + timedelta(days=5)).isoformat()},
        )
    assert {e["field"] for e in error.value.errors} == {"decision_no", "decided_on"}
    assert not gas.penalties.exists()


def test_penalty_api_reports_the_alert(api_as, people, city):
    gas = city.enterprises["yuehu_gas"]
    act(people, create(people, enterprise_id=str(gas.uuid), level="major"), "yuehu", "confirm")
    _penalty(people, gas, 1, 30)
    _penalty(people, gas, 2, 20)
    response = api_as("yuehu").post(
        f"/api/v1/enterprises/{gas.uuid}/penalties",
        {
            "decision_no": "鹰应急罚〔2026〕9号",
            "authority": "月湖区应急管理局",
            "decided_on": str(timezone.localdate()),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["closure_alert"] == [{"window_days": 180, "count": 3, "threshold": 3}]

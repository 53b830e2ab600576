"""A failed check closes the loop: it reports a hazard through the hazard service, linked to the
point, and the point's current level stays raised until that hazard is closed."""

import pytest
from django.utils.translation import override

from safeloop.core.models import AuditEvent
from safeloop.hazards.models import Hazard
from safeloop.hazards.services import hazard_transition
from safeloop.hazards.tests.helpers import after_photo
from safeloop.risks import services
from safeloop.risks.choices import CheckStatus, ReassessReason
from safeloop.risks.models import CheckTask, RiskAssessment


def test_assessment_sets_level_and_control_tier(gas_point):
    assert gas_point.inherent_score == 126 and gas_point.assessed_level == "general"
    assert gas_point.current_level == "general" and gas_point.control_level == "team"
    assert gas_point.division_id == "360602001001" and gas_point.grid_id == "360602001001001"
    assert gas_point.code.startswith("YT-YH-FX-")
    assert RiskAssessment.objects.filter(point=gas_point).count() == 1
    assert AuditEvent.objects.filter(verb="risk_point.assess", object_id=str(gas_point.uuid)).exists()


def test_failed_check_raises_the_point_until_its_hazard_closes(gas_point, people):
    ent1, yuehu, verifier = people["ent1"], people["yuehu"], people["verifier"]
    measure = services.measure_add(
        actor=ent1,
        point=gas_point,
        data={
            "kind": "engineering",
            "description": "燃气泄漏报警器每日巡检",
            "responsible_post": "巡检工",
            "frequency": "daily",
        },
    )
    task = CheckTask.objects.get(measure=measure, status=CheckStatus.OPEN)
    services.check_record(actor=ent1, task=task, data={"result": "failed", "note": "报警器失灵"})
    task.refresh_from_db()
    gas_point.refresh_from_db()
    assert task.status == "failed" and task.hazard is not None
    hazard = Hazard.objects.get(pk=task.hazard_id)
    assert hazard.enterprise_id == gas_point.enterprise_id and hazard.sector_id == "gas"
    assert gas_point.current_level == "significant" and hazard.code in gas_point.raised_reason
    assert gas_point.reassess_reason == ReassessReason.OPEN_HAZARD

    hazard = hazard_transition(actor=yuehu, hazard=hazard, action="confirm", payload={})
    gas_point.refresh_from_db()
    assert gas_point.current_level == "significant"  # still open
    hazard = hazard_transition(actor=ent1, hazard=hazard, action="start", payload={})
    hazard = hazard_transition(
        actor=ent1,
        hazard=hazard,
        action="submit",
        payload={"note": "已更换报警器", "photo_ids": [after_photo(people, hazard)]},
    )
    hazard_transition(actor=verifier, hazard=hazard, action="verify", payload={"note": "现场复查合格"})
    gas_point.refresh_from_db()
    assert gas_point.current_level == "general" and gas_point.raised_reason == ""
    verbs = list(AuditEvent.objects.filter(object_id=str(gas_point.uuid)).order_by("id").values_list("verb", flat=True))
    assert verbs[-1] == "risk_point.level_restored" and "risk_point.level_raised" in verbs


def test_a_check_is_recorded_once(gas_point, people):
    measure = services.measure_add(
        actor=people["ent1"],
        point=gas_point,
        data={"kind": "management", "description": "交接班检查", "responsible_post": "班长", "frequency": "weekly"},
    )
    task = CheckTask.objects.get(measure=measure)
    services.check_record(actor=people["ent1"], task=task, data={"result": "passed"})
    with pytest.raises(services.Conflict):
        services.check_record(actor=people["ent1"], task=task, data={"result": "passed"})


def test_failed_check_needs_a_note_and_writes_nothing_without(gas_point, people):
    measure = services.measure_add(
        actor=people["ent1"],
        point=gas_point,
        data={"kind": "management", "description": "交接班检查", "responsible_post": "班长", "frequency": "weekly"},
    )
    task = CheckTask.objects.get(measure=measure)
    with override("en"), pytest.raises(services.FieldErrors) as caught:
        services.check_record(actor=people["ent1"], task=task, data={"result": "failed"})
    assert caught.value.errors == [{"field": "note", "message": "This field is required."}]
    task.refresh_from_db()
    assert task.status == "open" and not Hazard.objects.exists()


def test_the_level_comes_back_in_the_name_of_whoever_closed_the_hazard(gas_point, people):
    ent1, verifier = people["ent1"], people["verifier"]
    measure = services.measure_add(
        actor=ent1,
        point=gas_point,
        data={
            "kind": "protective",
            "description": "进入调压站佩戴检测仪",
            "responsible_post": "调压工",
            "frequency": "daily",
        },
    )
    task = CheckTask.objects.get(measure=measure)
    services.check_record(actor=ent1, task=task, data={"result": "failed", "note": "检测仪电量耗尽"})
    hazard = Hazard.objects.get(pk=CheckTask.objects.get(pk=task.pk).hazard_id)
    hazard = hazard_transition(actor=people["yuehu"], hazard=hazard, action="confirm", payload={})
    hazard = hazard_transition(actor=ent1, hazard=hazard, action="start", payload={})
    hazard = hazard_transition(
        actor=ent1,
        hazard=hazard,
        action="submit",
        payload={"note": "已充电并备用", "photo_ids": [after_photo(people, hazard)]},
    )
    hazard_transition(actor=verifier, hazard=hazard, action="verify", payload={"note": "复查合格"})
    restored = AuditEvent.objects.get(verb="risk_point.level_restored", object_id=str(gas_point.uuid))
    assert restored.actor_name == verifier.username
    assert (restored.before["current_level"], restored.after["current_level"]) == ("significant", "general")

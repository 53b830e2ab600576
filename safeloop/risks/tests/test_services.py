"""The register's services: validation names fields and writes nothing, permissions follow the
三管三必须 split (enterprises keep their own points, officers their territory), the level rises with
open hazards by the configured rule, review reminders fire once per due date."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.hazards.services import hazard_create
from safeloop.notifications.models import Message
from safeloop.orgs.services import NotAllowed
from safeloop.risks import reminders, services
from safeloop.risks.choices import ReassessReason
from safeloop.risks.models import RiskAssessment, RiskPoint

PUBLIC_AREA = {"name": "信江滨江段堤防", "kind": "area", "sector": "flood", "lon": 117.033, "lat": 28.233}


def _enterprise_point(city, people, **extra):
    data = {
        "name": "储罐区",
        "kind": "facility",
        "sector": "gas",
        "enterprise_id": str(city.enterprises["yuehu_gas"].uuid),
    }
    return services.risk_point_create(actor=people["ent1"], data={**data, **extra})


def test_bad_input_names_every_field_and_writes_nothing(city, people):
    with override("en"), pytest.raises(FieldErrors) as caught:
        services.risk_point_create(
            actor=people["yuehu"],
            data={"name": "", "kind": "tower", "sector": "nope", "lon": 117.0, "responsible": [{"tier": "boss"}]},
        )
    fields = {e["field"] for e in caught.value.errors}
    assert {"name", "kind", "sector", "lat", "responsible.0.tier", "responsible.0.name"} <= fields
    assert not RiskPoint.objects.exists() and not AuditEvent.objects.filter(verb="risk_point.create").exists()


def test_a_public_area_is_routed_from_its_polygon(city, people):
    ring = [[117.031, 28.231], [117.036, 28.231], [117.036, 28.236], [117.031, 28.236], [117.031, 28.231]]
    point = services.risk_point_create(
        actor=people["yuehu"],
        data={
            "name": "滨江广场",
            "kind": "place",
            "sector": "tourism",
            "polygon": {"type": "Polygon", "coordinates": [ring]},
        },
    )
    assert point.grid_id == "360602001001001" and point.enterprise_id is None
    assert 117.031 < point.lon < 117.036 and point.polygon["type"] == "Polygon"


def test_who_may_change_what(city, people):
    point = _enterprise_point(city, people)
    public = services.risk_point_create(actor=people["yuehu"], data=PUBLIC_AREA)
    assessment = {"method": "ls", "l": 2, "s": 3}
    services.risk_assess(actor=people["yuehu"], point=point, data=assessment)  # the territory's officer may
    for name in ("grid1", "verifier", "guixi", "jiaoyu", "leader"):
        with pytest.raises(NotAllowed):
            services.risk_assess(actor=people[name], point=point, data=assessment)
    with pytest.raises(NotAllowed):
        services.risk_assess(actor=people["ent1"], point=public, data=assessment)
    with pytest.raises(NotAllowed):  # an enterprise officer cannot add public-area points
        services.risk_point_create(actor=people["ent1"], data=PUBLIC_AREA)
    with pytest.raises(FieldErrors) as caught:  # another enterprise is not even visible to it
        services.risk_point_create(
            actor=people["ent1"],
            data={**PUBLIC_AREA, "enterprise_id": str(city.enterprises["yuehu_chem"].uuid)},
        )
    assert [e["field"] for e in caught.value.errors] == ["enterprise_id"]


def test_direct_judgement_makes_it_major_with_the_reason(city, people):
    point = _enterprise_point(city, people)
    with override("en"):
        services.risk_assess(
            actor=people["ent1"],
            point=point,
            data={"method": "lec", "l": 1, "e": 3, "c": 3, "major_hazard_source": True},
        )
    point.refresh_from_db()
    assert point.inherent_level == "low" and point.assessed_level == "major" and point.current_level == "major"
    assert point.override_reason == "Involves a major hazard installation" and point.control_level == "company"


def test_residual_risk_decides_the_level_and_history_is_kept(city, people):
    point = _enterprise_point(city, people)
    services.risk_assess(actor=people["ent1"], point=point, data={"method": "lec", "l": 6, "e": 6, "c": 7})
    services.risk_assess(
        actor=people["ent1"],
        point=point,
        data={"method": "lec", "inherent": {"l": 6, "e": 6, "c": 7}, "residual": {"l": 1, "e": 6, "c": 7}},
    )
    point.refresh_from_db()
    assert (point.inherent_level, point.residual_level, point.current_level) == ("significant", "low", "low")
    history = list(RiskAssessment.objects.filter(point=point).values_list("level", flat=True))
    assert history == ["low", "significant"]  # newest first


def test_residual_factors_are_checked_by_name(city, people):
    point = _enterprise_point(city, people)
    with override("en"), pytest.raises(FieldErrors) as caught:
        services.risk_assess(
            actor=people["ent1"],
            point=point,
            data={"method": "lec", "inherent": {"l": 6, "e": 6, "c": 7}, "residual": {"l": 4, "e": 6, "c": 7}},
        )
    assert [e["field"] for e in caught.value.errors] == ["residual.l"]
    assert not RiskAssessment.objects.exists()


def test_a_stale_version_is_a_conflict(city, people):
    point = _enterprise_point(city, people)
    services.risk_point_update(actor=people["ent1"], point=point, data={"name": "1号储罐区", "version": 0})
    stale = RiskPoint.objects.get(pk=point.pk)
    stale.version = 0
    with pytest.raises(services.Conflict):
        services.risk_point_update(actor=people["ent1"], point=stale, data={"name": "2号储罐区", "version": 0})
    assert RiskPoint.objects.get(pk=point.pk).name == "1号储罐区"


def _hazard_at(point, people, **extra):
    data = {
        "title": "储罐区可燃气体报警器失灵",
        "sector": "gas",
        "enterprise_id": str(point.enterprise.uuid),
        **extra,
    }
    return hazard_create(actor=people["ent1"], data=data).hazard


def test_the_raise_follows_configuration(city, people, settings):
    point = _enterprise_point(city, people)
    services.risk_assess(actor=people["ent1"], point=point, data={"method": "lec", "l": 1, "e": 6, "c": 3})
    settings.SAFELOOP_RISKS = {"open_hazard_raise_steps": 2}
    services.link_hazard(actor=people["ent1"], point=point, hazard=_hazard_at(point, people))
    point.refresh_from_db()
    assert point.assessed_level == "low" and point.current_level == "significant"


def test_a_linked_major_hazard_raises_to_major_and_asks_for_reassessment(city, people):
    point = _enterprise_point(city, people)
    services.risk_assess(actor=people["ent1"], point=point, data={"method": "lec", "l": 1, "e": 6, "c": 3})
    hazard = _hazard_at(point, people, level="major", level_reason="储罐区紧急切断装置失效")
    services.link_hazard(actor=people["ent1"], point=point, hazard=hazard)
    point.refresh_from_db()
    assert point.current_level == "major" and point.reassess_reason == ReassessReason.MAJOR_HAZARD
    assert Message.objects.filter(kind="risk.reassess", object_id=str(point.uuid)).exists()


def test_an_accident_asks_for_reassessment(city, people):
    point = _enterprise_point(city, people)
    with override("en"), pytest.raises(FieldErrors) as caught:
        services.reassessment_request(actor=people["ent1"], point=point, data={"reason": "review_cycle"})
    assert {e["field"] for e in caught.value.errors} == {"reason", "note"}
    services.reassessment_request(
        actor=people["ent1"], point=point, data={"reason": "accident", "note": "11月3日发生一起轻微烫伤事故"}
    )
    point.refresh_from_db()
    assert point.reassess_reason == ReassessReason.ACCIDENT
    assert AuditEvent.objects.filter(verb="risk_point.reassessment_requested").exists()


def test_review_reminders_fire_once_and_mark_points_past_due(city, people):
    point = _enterprise_point(city, people)
    services.risk_assess(actor=people["ent1"], point=point, data={"method": "ls", "l": 2, "s": 2})
    point.refresh_from_db()
    today = timezone.localdate()
    assert point.next_review_at == today + timedelta(days=365)
    assert reminders.send_review_reminders(today=today) == 0
    soon = point.next_review_at - timedelta(days=10)
    assert reminders.send_review_reminders(today=soon) == 1
    assert reminders.send_review_reminders(today=soon) == 0
    assert Message.objects.filter(kind="risk.review_due").count() == 1
    reminders.send_review_reminders(today=point.next_review_at + timedelta(days=1))
    point.refresh_from_db()
    assert point.reassess_reason == ReassessReason.REVIEW_CYCLE
    services.risk_assess(actor=people["ent1"], point=point, data={"method": "ls", "l": 2, "s": 2})
    point.refresh_from_db()
    assert point.reassess_reason == "" and point.reminded_on is None


def test_retiring_a_point_drops_its_open_checks(city, people):
    point = _enterprise_point(city, people)
    services.measure_add(
        actor=people["ent1"],
        point=point,
        data={
            "kind": "training",
            "description": "新员工三级安全教育",
            "responsible_post": "安全员",
            "frequency": "monthly",
        },
    )
    assert point.checks.count() == 1
    services.risk_point_set_active(actor=people["ent1"], point=point, active=False)
    assert point.checks.count() == 0
    assert services.generate_checks() == 0

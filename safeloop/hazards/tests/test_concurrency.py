"""Races with real concurrent database sessions (threads, each with its own connection): of 20
verify calls one wins; two sweeping workers escalate each hazard once per ladder step."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from safeloop.core.audit import verify_chain
from safeloop.core.testing import build_test_city
from safeloop.hazards import deadlines
from safeloop.hazards.choices import EscalationTier
from safeloop.hazards.models import Hazard, HazardEvent
from safeloop.hazards.tests.helpers import act, after_photo, create
from safeloop.notifications.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def _in_threads(count, work):
    barrier = threading.Barrier(count)
    results, failures = [], []

    def run(index):
        try:
            barrier.wait()
            results.append(work(index))
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the caller
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, failures


def _token(username):
    response = Client().post(
        "/api/v1/auth/token", {"username": username, "password": "SafeLoop-2026!"}, content_type="application/json"
    )
    return response.json()["token"]


def test_twenty_concurrent_verifications_close_the_hazard_once():
    city = build_test_city()
    people = city.people
    hazard = create(people, enterprise_id=str(city.enterprises["yuehu_gas"].uuid))
    act(people, hazard, "yuehu", "confirm")
    act(people, hazard, "ent1", "start")
    act(people, hazard, "ent1", "submit", note="完成", photo_ids=[after_photo(people, hazard)])
    token = _token("verifier")
    url = f"/api/v1/hazards/{hazard.uuid}/actions/verify"

    def verify(_index):
        response = Client().post(
            url, {"note": "复查"}, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
        )
        return response.status_code

    statuses, failures = _in_threads(20, verify)
    assert failures == []
    assert sorted(statuses) == [200] + [409] * 19
    hazard.refresh_from_db()
    assert hazard.status == "closed"
    assert HazardEvent.objects.filter(hazard=hazard, action="verify").count() == 1
    assert HazardEvent.objects.filter(hazard=hazard, to_status="closed").count() == 1
    assert verify_chain() is None


def test_two_workers_escalate_each_overdue_hazard_once_per_ladder_step():
    city = build_test_city()
    people = city.people
    gas = city.enterprises["yuehu_gas"]
    overdue = [create(people, enterprise_id=str(gas.uuid), title=f"逾期隐患{i}") for i in range(6)]
    on_time = create(people, enterprise_id=str(gas.uuid), title="未到期隐患")
    now = timezone.now()
    # Two days late: the township step (0 days) applies, the district step (3 days) not yet.
    Hazard.objects.filter(pk__in=[h.pk for h in overdue]).update(due_at=now - timedelta(days=2))

    results, failures = _in_threads(2, lambda _i: deadlines.escalate_overdue(now=now, batch=2))
    assert failures == []
    assert sum(r.escalated for r in results) == 6
    for hazard in overdue:
        hazard.refresh_from_db()
        assert hazard.escalation_tier == EscalationTier.TOWNSHIP
        assert HazardEvent.objects.filter(hazard=hazard, action="escalate").count() == 1
    on_time.refresh_from_db()
    assert on_time.escalation_tier == EscalationTier.NONE

    # Eight days late: both workers again; the district and city steps each happen once.
    later = now + timedelta(days=6)
    results, failures = _in_threads(2, lambda _i: deadlines.escalate_overdue(now=later, batch=2))
    assert failures == []
    assert sum(r.escalated for r in results) == 12
    for hazard in overdue:
        tiers = list(
            HazardEvent.objects.filter(hazard=hazard, action="escalate")
            .order_by("id")
            .values_list("data__tier", flat=True)
        )
        assert tiers == [1, 2, 3]
    assert Message.objects.filter(kind="hazard.escalated").count() == 18
    assert deadlines.escalate_overdue(now=later).escalated == 0
    assert verify_chain() is None

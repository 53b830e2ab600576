import threading
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connections
from django_tasks_db.models import DBTaskResult

from safeloop.core.models import ScheduleSlot
from safeloop.core.scheduler import enqueue_due
from safeloop.schedule import SCHEDULE


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_enqueue_each_slot_once():
    now = datetime(2026, 11, 28, 10, 0, 5, tzinfo=UTC)
    results: list[list[str]] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            results.append(enqueue_due(now))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(results) == 2
    assert sorted(name for r in results for name in r) == sorted(job.name for job in SCHEDULE)
    assert DBTaskResult.objects.count() == len(SCHEDULE)
    assert enqueue_due(now) == []
    assert ScheduleSlot.objects.count() == len(SCHEDULE)


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_enqueued_periodic_jobs():
    enqueue_due()
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}

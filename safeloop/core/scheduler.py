"""Enqueue due periodic jobs (safeloop/schedule.py) exactly once per slot, and beat the heartbeat."""

import logging
import threading
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from safeloop.core import audit
from safeloop.core.models import ScheduleSlot, WorkerHeartbeat
from safeloop.schedule import SCHEDULE, Job

logger = logging.getLogger(__name__)


def slot_start(job: Job, now: datetime) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % job.every_seconds, tz=UTC)


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue each job whose current slot has not been enqueued by any worker yet."""
    now = now or timezone.now()
    enqueued = []
    for job in SCHEDULE:
        try:
            with transaction.atomic():
                ScheduleSlot.objects.create(job=job.name, slot=slot_start(job, now))
                import_string(job.task).enqueue()
        except IntegrityError:
            continue  # another worker took this slot
        enqueued.append(job.name)
    return enqueued


def beat(name: str) -> None:
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


class SchedulerThread(threading.Thread):
    def __init__(self, name: str, interval: float = 15.0) -> None:
        super().__init__(daemon=True, name="safeloop-scheduler")
        self.worker_name = name
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                beat(self.worker_name)
                enqueue_due()
                audit.seal()
            except Exception:
                logger.exception("scheduler round failed")
            finally:
                close_old_connections()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()


def purge_old_slots(keep: timedelta = timedelta(days=7)) -> int:
    deleted, _ = ScheduleSlot.objects.filter(slot__lt=timezone.now() - keep).delete()
    return deleted

"""`safeloop worker`: django-tasks-db's db_worker plus a heartbeat and the periodic scheduler."""

import os
import socket
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from safeloop.core.scheduler import SchedulerThread


class Command(DbWorkerCommand):
    help = "Run a task worker with the heartbeat and the periodic-job scheduler."

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = SchedulerThread(name=f"{socket.gethostname()}:{os.getpid()}")
        scheduler.start()
        try:
            super().handle(*args, **options)
        finally:
            scheduler.stop()

"""Periodic hazard work, enqueued by the worker's scheduler (safeloop/schedule.py)."""

from typing import Any

from django.tasks import task

from safeloop.hazards import deadlines


@task()
def escalate_overdue_task() -> dict[str, Any]:
    result = deadlines.escalate_overdue()
    return {"escalated": result.escalated, "steps": {str(k): v for k, v in result.steps.items()}}


@task()
def send_reminders_task() -> int:
    return deadlines.send_reminders()

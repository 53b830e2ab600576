"""Tasks the worker's schedule runs (safeloop/schedule.py)."""

from django.tasks import task

from safeloop.risks import reminders, services


@task()
def generate_checks_task() -> dict[str, int]:
    return {"missed": services.mark_missed(), "created": services.generate_checks()}


@task()
def review_reminders_task() -> int:
    return reminders.send_review_reminders()

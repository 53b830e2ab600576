"""Background work for notifications: fan-out after a notify() commits, sending, and the periodic
sweep for due retries (safeloop/schedule.py)."""

from typing import Any

from django.tasks import task

from safeloop.notifications import dispatch


@task()
def fan_out_task(message_uuids: list[str]) -> dict[str, int]:
    """Resolve recipients, write inbox and delivery rows, then send the deliveries."""
    return dispatch.fan_out_messages(message_uuids)


@task()
def deliver_task(delivery_ids: list[int]) -> int:
    return dispatch.deliver_many(delivery_ids)


@task()
def deliver_due_notifications() -> dict[str, Any]:
    """Every minute: retries whose back-off has passed, lost claims, messages whose task was lost."""
    return dispatch.deliver_due()

"""Periodic work: one table in code. The worker's scheduler thread enqueues each (job, slot) once —
the slot row's unique key makes that safe with several workers (DESIGN.md "Periodic work")."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # dotted path of a django.tasks task
    every_seconds: int


SCHEDULE: tuple[Job, ...] = (
    Job("purge_expired_tokens", "safeloop.accounts.tasks.purge_expired_tokens", 3600),
    Job("prune_task_results", "safeloop.core.tasks.prune_task_results", 24 * 3600),
    Job("forget_import_files", "safeloop.orgs.tasks.enterprise_import_forget_files_task", 24 * 3600),
    Job("escalate_overdue_hazards", "safeloop.hazards.tasks.escalate_overdue_task", 15 * 60),
    Job("hazard_reminders", "safeloop.hazards.tasks.send_reminders_task", 3600),
    Job("forget_ledger_files", "safeloop.hazards.tasks_ledger.hazard_ledger_forget_files_task", 24 * 3600),
    Job("risk_checks", "safeloop.risks.tasks.generate_checks_task", 3600),
    Job("forget_risk_list_files", "safeloop.risks.tasks_io.risk_import_forget_files_task", 24 * 3600),
    Job("risk_review_reminders", "safeloop.risks.tasks.review_reminders_task", 6 * 3600),
    Job("deliver_due_notifications", "safeloop.notifications.tasks.deliver_due_notifications", 60),
)

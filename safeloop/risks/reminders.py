"""The register's periodic review (at least yearly, DOMAIN.md §4.5 [U], configurable): remind the
keepers once per due date inside the reminder window, and mark points past due for re-assessment."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from safeloop.core import audit
from safeloop.risks import config, notify
from safeloop.risks.choices import ReassessReason
from safeloop.risks.models import RiskPoint


def send_review_reminders(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    window = today + timedelta(days=int(config.get("review_reminder_days")))
    sent = 0
    # `reminded_on` is cleared by every new assessment, so each review date is reminded once.
    upcoming = RiskPoint.objects.filter(active=True, next_review_at__lte=window, reminded_on__isnull=True)
    for point in upcoming.iterator(chunk_size=1000):
        with transaction.atomic():
            RiskPoint.objects.filter(pk=point.pk).update(reminded_on=today)
            notify.review_due(point)
        sent += 1
    past_due = RiskPoint.objects.filter(active=True, next_review_at__lt=today, reassess_reason="")
    for point in past_due.iterator(chunk_size=1000):
        with transaction.atomic():
            RiskPoint.objects.filter(pk=point.pk, reassess_reason="").update(
                reassess_reason=ReassessReason.REVIEW_CYCLE
            )
            audit.record(
                actor="system",
                verb="risk_point.review_due",
                obj=point,
                before={"reassess_reason": ""},
                after={"reassess_reason": ReassessReason.REVIEW_CYCLE},
            )
    return sent

from datetime import timedelta

from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from safeloop.core.scheduler import purge_old_slots


@task()
def prune_task_results() -> int:
    """Forget finished task results after a week, and old schedule slots."""
    cutoff = timezone.now() - timedelta(days=7)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted + purge_old_slots()

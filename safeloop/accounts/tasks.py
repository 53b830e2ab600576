from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from safeloop.accounts.models import ApiToken


@task()
def purge_expired_tokens() -> int:
    """Drop tokens that expired or were revoked more than 30 days ago (their audit rows stay)."""
    cutoff = timezone.now() - timedelta(days=30)
    deleted, _ = ApiToken.objects.filter(expires_at__lt=cutoff).delete()
    revoked, _ = ApiToken.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted + revoked

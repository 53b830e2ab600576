from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safeloop.core.audit import verify_chain
from safeloop.core.models import AuditEvent


class Command(BaseCommand):
    help = "Re-compute the audit hash chain; exit non-zero naming the first bad row."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"audit chain broken at row #{broken.position}: {broken.reason}")
        self.stdout.write(f"audit chain intact: {AuditEvent.objects.count()} rows")

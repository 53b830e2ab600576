from typing import Any

from django.core.management.base import BaseCommand

from safeloop.hazards.tally import rebuild


class Command(BaseCommand):
    help = "Recount the tally of closed, invalid and duplicate hazards the overview reads."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{rebuild()} tally rows")

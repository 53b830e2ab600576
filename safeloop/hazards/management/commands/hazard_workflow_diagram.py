from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeloop.hazards.diagram import render_markdown

DEFAULT = Path(settings.BASE_DIR) / "docs" / "hazard-workflow.md"


class Command(BaseCommand):
    help = "Write docs/hazard-workflow.md from the workflow declaration (--check: fail when it is stale)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=str(DEFAULT))
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        text = render_markdown()
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is stale: run `safeloop hazard_workflow_diagram`.")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")

"""Background work for the hazard ledger import (safeloop/hazards/ledger.py)."""

from typing import Any

from django.tasks import task

from safeloop.hazards.ledger import HAZARD_IMPORT


@task()
def hazard_ledger_import_task(import_id: str, language: str | None = None) -> dict[str, Any]:
    """Run a large ledger import; row errors in the uploader's language."""
    return HAZARD_IMPORT.run_task(import_id, language)


@task()
def hazard_ledger_forget_files_task() -> int:
    """Daily: drop the stored files of ledger imports finished more than a week ago."""
    return HAZARD_IMPORT.forget_files()

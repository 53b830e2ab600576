"""Background work for the hazard ledger import (safeloop/hazards/ledger.py)."""

from typing import Any

from django.tasks import task
from django.utils import translation

from safeloop.hazards import ledger


@task()
def hazard_ledger_import_task(import_id: str, language: str | None = None) -> dict[str, Any]:
    """Run a large ledger import; row errors in the uploader's language."""
    with translation.override(language):
        record = ledger.hazard_import_run(import_id=import_id)
    return {
        "status": record.status,
        "created": record.created_count,
        "closed": record.closed_count,
        "errors": record.error_count,
    }


@task()
def hazard_ledger_forget_files_task() -> int:
    """Daily: drop the stored files of ledger imports finished more than a week ago."""
    return ledger.hazard_import_forget_files()

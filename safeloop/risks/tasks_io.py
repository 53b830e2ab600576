"""Background work of the 风险辨识清单 import (safeloop/risks/ledger.py)."""

from typing import Any

from django.tasks import task
from django.utils import translation

from safeloop.risks import ledger


@task()
def risk_import_task(import_id: str, language: str | None = None) -> dict[str, Any]:
    """Run a long list import; row errors in the uploader's language."""
    with translation.override(language):
        record = ledger.risk_import_run(import_id=import_id)
    return {
        "status": record.status,
        "created": record.created_count,
        "updated": record.updated_count,
        "unchanged": record.unchanged_count,
        "errors": record.error_count,
    }


@task()
def risk_import_forget_files_task() -> int:
    """Daily: drop the stored files of list imports finished more than a week ago."""
    return ledger.risk_import_forget_files()

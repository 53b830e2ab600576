"""Background work of the 风险辨识清单 import (safeloop/risks/ledger.py)."""

from typing import Any

from django.tasks import task

from safeloop.risks.ledger import RISK_IMPORT


@task()
def risk_import_task(import_id: str, language: str | None = None) -> dict[str, Any]:
    """Run a long list import; row errors in the uploader's language."""
    return RISK_IMPORT.run_task(import_id, language)


@task()
def risk_import_forget_files_task() -> int:
    """Daily: drop the stored files of list imports finished more than a week ago."""
    return RISK_IMPORT.forget_files()

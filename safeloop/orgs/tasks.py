"""Background work for organisation data."""

from typing import Any

from django.tasks import task

from safeloop.orgs.imports import ENTERPRISE_IMPORT


@task()
def enterprise_import_task(import_id: str, language: str | None = None) -> dict[str, Any]:
    """Run a large enterprise import; messages in the uploader's language."""
    return ENTERPRISE_IMPORT.run_task(import_id, language)


@task()
def enterprise_import_forget_files_task() -> int:
    """Daily: drop the stored files of imports finished more than a week ago."""
    return ENTERPRISE_IMPORT.forget_files()

"""Background work for organisation data."""

from typing import Any

from django.tasks import task
from django.utils import translation

from safeloop.orgs import imports


@task()
def enterprise_import_task(import_id: str, language: str | None = None) -> dict[str, Any]:
    """Run a large enterprise import; messages in the uploader's language."""
    with translation.override(language):
        record = imports.enterprise_import_run(import_id=import_id)
    return {"status": record.status, "created": record.created_count, "errors": record.error_count}


@task()
def enterprise_import_forget_files_task() -> int:
    """Daily: drop the stored files of imports finished more than a week ago."""
    return imports.enterprise_import_forget_files()

"""The 风险辨识清单 (risk identification list) as xlsx: the template, the import and the export of the
register (issue 4; DOMAIN.md §4).

Import. One row is one risk point with its assessment and its control measures. Every row is read and
checked first (without writing, ledger_read.py): errors name the row and the column (第5行 L: …). Then,
unless the uploader asked only for a check, or chose all-or-nothing and some row is bad, the rows are
written through the register's own services (ledger_write.py), each row in a savepoint. A check writes
the rows and rolls them back, so its counts say what an import would do. core/import_jobs.py runs it:
a list of up to `inline_max_rows` rows in the request, a longer one in the worker, `chunk_rows` rows to
a transaction (writing goes through the services at about 40 ms a row, measured: 1,000 rows in 45 s on
SQLite, so SQLite's single writer lock is never held long enough for other writers to time out).

The columns and the template are in ledger_columns.py, the export in ledger_export.py.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeloop.core.actors import SYSTEM
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.import_jobs import CHECK, ImportKind
from safeloop.core.xlsx import XLSX_CONTENT_TYPE, FileProblem, RowError, SheetRow
from safeloop.orgs.services import NotAllowed
from safeloop.risks.ledger_columns import (
    MAX_ROWS,
    TEMPLATE_COLUMNS,
    column_position,
    header_text,
    row_error,
    template_bytes,
)
from safeloop.risks.ledger_export import risk_list_export
from safeloop.risks.ledger_read import ListRow, can_import, check_context, check_row, read_list
from safeloop.risks.ledger_write import service_errors, write_row
from safeloop.risks.models import RiskImport

__all__ = [
    "MAX_ROWS",
    "TEMPLATE_COLUMNS",
    "XLSX_CONTENT_TYPE",
    "FileProblem",
    "can_import",
    "header_text",
    "risk_list_export",
    "template_bytes",
]

Status = RiskImport.Status
Mode = RiskImport.Mode


class RiskListImport(ImportKind[RiskImport, ListRow]):
    model = RiskImport
    task = "safeloop.risks.tasks_io.risk_import_task"
    log_name = "risk list import"
    audit_verb = "risk_point.import"
    default_file_name = "risks.xlsx"
    counters = {"created": "created_count", "updated": "updated_count", "unchanged": "unchanged_count"}
    not_allowed = gettext_lazy("You may not import risk lists.")
    choose_mode = gettext_lazy("Choose how to treat rows with errors.")
    too_large = gettext_lazy("The file is larger than 5 MB; split it into several files.")
    forgotten_files = gettext_lazy("uploaded files of finished risk list imports")
    write_refusals = (FieldErrors, NotAllowed, Conflict)
    max_upload_bytes = 5 * 1024 * 1024

    def can_import(self, actor: Any) -> bool:
        return can_import(actor)

    def read(self, content: bytes) -> list[SheetRow]:
        return read_list(content)

    def checker(self, actor: Any) -> Callable[[SheetRow], tuple[ListRow | None, list[RowError]]]:
        return partial(check_row, check_context(actor))

    def write(self, actor: Any, record: RiskImport, row: ListRow) -> tuple[str, ...]:
        return (write_row(actor, row),)

    def write_errors(self, row: ListRow, exc: Exception) -> list[RowError]:
        if isinstance(exc, FieldErrors):
            return service_errors(row, exc)
        return [row_error(row.number, "uscc" if row.enterprise else "location", str(exc))]

    def stopped_error(self, number: int) -> RowError:
        return row_error(number, "", _("The import stopped at this row; it and the rows after it were not imported."))

    def column_position(self, header: str) -> int:
        return column_position(header)

    def rerun_modes(self, record: RiskImport) -> list[str]:
        """How a finished import that wrote nothing may run again on its kept file, once: a check that
        found no errors may import everything; one with valid rows may import only those."""
        if (
            record.status != Status.DONE
            or record.written
            or record.valid_rows == 0
            or record.finished_at is None
            or record.finished_at <= timezone.now() - self.keep_files_for
            or RiskImport.objects.filter(rerun_of=record).exists()
        ):
            return []
        if record.error_count == 0:
            return [Mode.ALL_OR_NOTHING] if record.mode == Mode.CHECK else []
        return [Mode.VALID_ONLY]

    def may_rerun(self, actor: Any, record: RiskImport) -> bool:
        """Only the uploader runs their import again."""
        return can_import(actor) and record.created_by_id == getattr(actor, "pk", None)

    def finish_fields(self, record: RiskImport, written: bool) -> list[str]:
        record.written = written
        return ["written"]

    def audit_result(self, record: RiskImport, *, written: bool, failure: str) -> str:
        return "failed" if failure else "ok" if written else "checked" if record.mode == CHECK else "refused"

    def audit_after(self, record: RiskImport) -> dict[str, Any]:
        return {
            "file_name": record.file_name,
            "mode": record.mode,
            "rows": record.total_rows,
            "created": record.created_count,
            "updated": record.updated_count,
            "unchanged": record.unchanged_count,
            "errors": record.error_count,
            "rerun_of": str(record.rerun_of.uuid) if record.rerun_of else None,
        }


RISK_IMPORT = RiskListImport()
risk_import_list = RISK_IMPORT.imports
risk_import_get = RISK_IMPORT.get
risk_import_start = RISK_IMPORT.start
risk_import_run = RISK_IMPORT.run
rerun_modes = RISK_IMPORT.rerun_modes


def risk_import_rerun(*, actor: Any, risk_import: RiskImport, mode: str, language: str | None = None) -> RiskImport:
    """Run a finished import that wrote nothing again on its kept file (see `rerun_modes`)."""
    return RISK_IMPORT.rerun(actor=actor, record=risk_import, mode=mode, language=language)


def risk_import_forget_files(*, actor: Any = SYSTEM) -> int:
    """Drop the stored bytes of imports finished more than a week ago (a list names people and phone
    numbers); the record, its counts and its errors stay."""
    return RISK_IMPORT.forget_files(actor=actor)

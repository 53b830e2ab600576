"""Enterprise import and export as xlsx: services (they write, and audit) and the few reads they need.

Import: every row is checked with the rules of `enterprise_create` plus codes repeated inside the file,
then written through `enterprise_create`; core/import_jobs.py runs it (errors per row and column,
all-or-nothing or valid rows only, large files in the worker, writing in chunks).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeloop.accounts.choices import ORG_EDITORS, Role
from safeloop.core.actors import SYSTEM
from safeloop.core.errors import FieldErrors
from safeloop.core.filtering import filter_or_raise
from safeloop.core.import_jobs import ImportKind
from safeloop.core.scoping import scope_for
from safeloop.core.xlsx import Export, RowError, audited_export
from safeloop.orgs import xlsx
from safeloop.orgs.filters import EnterpriseFilterSet
from safeloop.orgs.models import Enterprise, EnterpriseImport, Sector
from safeloop.orgs.selectors import enterprise_list, sector_lookup
from safeloop.orgs.services import enterprise_create, enterprise_validate


def can_import(actor: Any) -> bool:
    """Whoever may add enterprises somewhere: a system administrator, the city office, division officers."""
    scope = scope_for(actor)
    if scope.has_role(Role.SYS_ADMIN):
        return True
    return any(grant.role in ORG_EDITORS and grant.division_prefix for grant in scope.grants)


def template_bytes() -> bytes:
    return xlsx.template_bytes(Sector.objects.values_list("code", "name_zh", "name_en"))


# ---- import --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseRow:
    number: int
    data: dict[str, Any]  # enterprise_create input


def _error(number: int, field: str, message: str) -> RowError:
    return {"row": number, "column": xlsx.column_for_field(field), "field": field, "message": message}


def _check_row(
    actor: Any, sectors: dict[str, str], seen: dict[str, int], row: xlsx.SheetRow
) -> tuple[EnterpriseRow | None, list[RowError]]:
    data, problems = xlsx.row_data(row, sectors=sectors)
    errors = [_error(row.number, xlsx.field_for_column(key), message) for key, message in problems]
    bad = {e["field"] for e in errors}
    for key, _message in problems:
        data.pop(key, None)
    for error in enterprise_validate(actor=actor, data=data).errors:
        name = error["field"]
        # A cell already reported as malformed is not reported again as missing.
        if name in bad or (name.startswith("location") and bad & {"location.lon", "location.lat"}):
            continue
        errors.append(_error(row.number, name, error["message"]))
    uscc = str(data.get("uscc") or "").strip().upper()
    if uscc and "uscc" not in {e["field"] for e in errors}:
        if uscc in seen:
            errors.append(
                _error(row.number, "uscc", _("The same code is in row %(row)s of this file.") % {"row": seen[uscc]})
            )
        else:
            seen[uscc] = row.number
    return (None if errors else EnterpriseRow(row.number, data)), errors


class EnterpriseImports(ImportKind[EnterpriseImport, EnterpriseRow]):
    model = EnterpriseImport
    task = "safeloop.orgs.tasks.enterprise_import_task"
    log_name = "enterprise import"
    audit_verb = "import"
    default_file_name = "upload.xlsx"
    counters = {"created": "created_count"}
    not_allowed = gettext_lazy("You may not import enterprises.")
    choose_mode = gettext_lazy("Choose all_or_nothing or valid_only.")
    too_large = gettext_lazy("The file is larger than 20 MB; split it into several files.")
    forgotten_files = gettext_lazy("uploaded files of finished imports")

    def can_import(self, actor: Any) -> bool:
        return can_import(actor)

    def visible(self, actor: Any, imports: QuerySet[EnterpriseImport], *, mine: bool) -> QuerySet[EnterpriseImport]:
        """The actor's own imports; a system administrator sees everyone's (unless `mine`)."""
        return imports if scope_for(actor).has_role(Role.SYS_ADMIN) and not mine else imports.filter(created_by=actor)

    def read(self, content: bytes) -> list[xlsx.SheetRow]:
        return xlsx.read_sheet(content).rows

    def checker(self, actor: Any) -> Callable[[xlsx.SheetRow], tuple[EnterpriseRow | None, list[RowError]]]:
        return partial(_check_row, actor, sector_lookup(), {})

    def write(self, actor: Any, record: EnterpriseImport, row: EnterpriseRow) -> tuple[str, ...]:
        enterprise_create(actor=actor, data=row.data)
        return ("created",)

    def write_errors(self, row: EnterpriseRow, exc: Exception) -> list[RowError]:
        if isinstance(exc, FieldErrors):
            return [_error(row.number, e["field"], e["message"]) for e in exc.errors]
        return [_error(row.number, "division_code", str(exc))]

    def column_position(self, header: str) -> int:
        return xlsx.column_position(header)


ENTERPRISE_IMPORT = EnterpriseImports()
enterprise_import_start = ENTERPRISE_IMPORT.start
enterprise_import_run = ENTERPRISE_IMPORT.run
enterprise_import_get = ENTERPRISE_IMPORT.get
enterprise_import_list = ENTERPRISE_IMPORT.imports


def rerun_possible(record: EnterpriseImport) -> bool:
    """An all-or-nothing import refused for some bad rows may be run again for its valid rows, once,
    while its file is kept."""
    return bool(ENTERPRISE_IMPORT.rerun_modes(record))


def enterprise_import_rerun(
    *, actor: Any, enterprise_import: EnterpriseImport, language: str | None = None
) -> EnterpriseImport:
    """Run a refused all-or-nothing import again, importing only its valid rows."""
    return ENTERPRISE_IMPORT.rerun(actor=actor, record=enterprise_import, language=language)


def enterprise_import_forget_files(*, actor: Any = SYSTEM) -> int:
    """Drop the stored bytes of imports finished more than a week ago (the uploaded file may hold
    personal data: phone numbers); the record, its counts and errors stay."""
    return ENTERPRISE_IMPORT.forget_files(actor=actor)


# ---- export --------------------------------------------------------------------------------------


def enterprise_export(*, actor: Any, params: Any) -> Export:
    """The enterprise list as the caller sees it (scope, then the list's filters) in the template's
    columns; audited with the row count and the filters (DOMAIN.md §10.2: exports are audited)."""
    filtered = filter_or_raise(EnterpriseFilterSet, params, enterprise_list(actor=actor))
    enterprises = filtered.prefetch_related("sectors").order_by("division_id", "name", "pk")
    filters = {
        name: value
        for name, value in params.items()
        if name in EnterpriseFilterSet.base_filters and value not in (None, "")
    }
    return audited_export(
        actor=actor,
        write=lambda target: xlsx.write_export(target, enterprises.iterator(chunk_size=2000)),
        verb="export",
        object_type=Enterprise._meta.label_lower,
        object_repr=_("enterprise list (xlsx)"),
        filters=filters,
        file_name=lambda: f"{_('enterprises')}-{timezone.localdate():%Y%m%d}.xlsx",
    )

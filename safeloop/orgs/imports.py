"""Enterprise import and export as xlsx: services (they write, and audit) and the few reads they need.

Import (DESIGN.md "Errors"): every row is checked with the rules of `enterprise_create` plus codes
repeated inside the file; errors are reported per row and column; nothing is written unless every row is
valid or the uploader chose to import only the valid rows. Files of up to INLINE_MAX_ROWS rows run inside
the request; bigger ones run in the task worker and report progress on their `EnterpriseImport` row.

Writing happens in transactions of CHUNK_ROWS rows, so neither SQLite's writer lock nor the audit chain's
head row is held for minutes by a large file. A file of up to CHUNK_ROWS rows is therefore written
all-or-nothing in the strict sense; for a bigger all-or-nothing file the check of every row comes first,
and only a conflicting write by someone else between that check and the write (the same code added
meanwhile) can stop it part-way; the import then names the row and the enterprises committed so far stay.
"""

import logging
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from itertools import batched
from pathlib import PurePath
from typing import IO, Any
from uuid import UUID

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from safeloop.accounts.choices import ORG_EDITORS, Role
from safeloop.core import audit
from safeloop.core.actors import SYSTEM
from safeloop.core.errors import FieldErrors
from safeloop.core.filtering import filter_or_raise
from safeloop.core.scoping import scope_for
from safeloop.orgs import xlsx
from safeloop.orgs.filters import EnterpriseFilterSet
from safeloop.orgs.models import Enterprise, EnterpriseImport, Sector
from safeloop.orgs.selectors import enterprise_list
from safeloop.orgs.services import NotAllowed, enterprise_create, enterprise_validate

logger = logging.getLogger(__name__)

INLINE_MAX_ROWS = 200
CHUNK_ROWS = 200
PROGRESS_EVERY = 50
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_STORED_ERRORS = 1000
KEEP_FILES_FOR = timedelta(days=7)  # a refused import's file, for the "valid rows only" re-run

Status = EnterpriseImport.Status
Mode = EnterpriseImport.Mode
RowError = dict[str, Any]


def can_import(actor: Any) -> bool:
    """Whoever may add enterprises somewhere: a system administrator, the city office, division officers."""
    scope = scope_for(actor)
    if scope.has_role(Role.SYS_ADMIN):
        return True
    return any(grant.role in ORG_EDITORS and grant.division_prefix for grant in scope.grants)


# ---- reads ---------------------------------------------------------------------------------------


def enterprise_import_list(*, actor: Any, mine: bool = False) -> QuerySet[EnterpriseImport]:
    """The actor's own imports (a system administrator sees everyone's), without the stored file."""
    qs = EnterpriseImport.objects.defer("content").select_related("created_by", "rerun_of")
    if not can_import(actor):
        return qs.none()
    return qs if scope_for(actor).has_role(Role.SYS_ADMIN) and not mine else qs.filter(created_by=actor)


def enterprise_import_get(*, actor: Any, uuid: UUID | str) -> EnterpriseImport:
    return enterprise_import_list(actor=actor).get(uuid=uuid)


def rerun_possible(record: EnterpriseImport) -> bool:
    """An all-or-nothing import refused for some bad rows may be run again for its valid rows, once,
    while its file is kept (KEEP_FILES_FOR)."""
    return (
        record.status == Status.DONE
        and record.mode == Mode.ALL_OR_NOTHING
        and record.error_count > 0
        and record.created_count == 0
        and record.valid_rows > 0
        and record.finished_at is not None
        and record.finished_at > timezone.now() - KEEP_FILES_FOR
        and not record.reruns.exists()
    )


def template_bytes() -> bytes:
    return xlsx.template_bytes(Sector.objects.values_list("code", "name_zh", "name_en"))


# ---- import --------------------------------------------------------------------------------------


def enterprise_import_start(
    *, actor: Any, upload: "UploadedFile[bytes]", mode: str, language: str | None = None
) -> EnterpriseImport:
    """Accept an upload: check the file as a whole (FieldErrors on `file`), store it, and run it now
    (small files) or in the worker once this transaction commits (large ones)."""
    if not can_import(actor):
        raise NotAllowed(_("You may not import enterprises."))
    errors = FieldErrors()
    if mode not in Mode.values:
        errors.add("mode", _("Choose all_or_nothing or valid_only."))
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        errors.add("file", _("The file is larger than 20 MB; split it into several files."))
    errors.raise_if_any()
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise FieldErrors.single("file", _("The file is larger than 20 MB; split it into several files."))
    try:
        sheet = xlsx.read_sheet(content)
    except xlsx.FileProblem as exc:
        raise FieldErrors.single("file", exc.message) from exc
    record = EnterpriseImport.objects.create(
        created_by=actor,
        file_name=PurePath(upload.name or "upload.xlsx").name[:255],
        content=content,
        mode=mode,
        total_rows=len(sheet.rows),
    )
    return _dispatch(record, language)


def enterprise_import_rerun(
    *, actor: Any, enterprise_import: EnterpriseImport, language: str | None = None
) -> EnterpriseImport:
    """Run a refused all-or-nothing import again, importing only its valid rows."""
    if not can_import(actor) or not rerun_possible(enterprise_import):
        raise NotAllowed(_("This import cannot be run again."))
    content = EnterpriseImport.objects.values_list("content", flat=True).get(pk=enterprise_import.pk)
    with transaction.atomic():
        record = EnterpriseImport.objects.create(
            created_by=actor,
            file_name=enterprise_import.file_name,
            content=bytes(content),
            mode=Mode.VALID_ONLY,
            total_rows=enterprise_import.total_rows,
            rerun_of=enterprise_import,
        )
        EnterpriseImport.objects.filter(pk=enterprise_import.pk).update(content=b"")
    return _dispatch(record, language)


def _dispatch(record: EnterpriseImport, language: str | None) -> EnterpriseImport:
    if record.total_rows <= INLINE_MAX_ROWS:
        return enterprise_import_run(import_id=record.uuid, reraise=False)
    from safeloop.orgs.tasks import enterprise_import_task

    transaction.on_commit(partial(enterprise_import_task.enqueue, str(record.uuid), language or get_language()))
    return record


def enterprise_import_run(*, import_id: UUID | str, reraise: bool = True) -> EnterpriseImport:
    """Run a queued import. It is claimed with compare-and-set, so a second worker leaves it alone.
    An unexpected failure marks the import failed (and is re-raised for the task runner to record)."""
    claimed = EnterpriseImport.objects.filter(uuid=import_id, status=Status.QUEUED).update(status=Status.VALIDATING)
    record = EnterpriseImport.objects.select_related("created_by", "rerun_of").get(uuid=import_id)
    if not claimed:
        return record
    try:
        _run(record)
    except Exception as exc:
        logger.exception("enterprise import %s failed", record.uuid)
        _finish(record, created=0, errors=[], valid=0, failure=f"{exc.__class__.__name__}: {exc}")
        if reraise:
            raise
    record.refresh_from_db()
    return record


def _sector_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, name_zh, name_en in Sector.objects.values_list("code", "name_zh", "name_en"):
        lookup[code] = lookup[name_zh] = lookup[name_en.lower()] = code
    return lookup


def _error(number: int, field: str, message: str) -> RowError:
    return {"row": number, "column": xlsx.column_for_field(field), "field": field, "message": message}


def _check_row(
    actor: Any, row: xlsx.SheetRow, sectors: dict[str, str], seen: dict[str, int]
) -> tuple[dict[str, Any], list[RowError]]:
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
    return data, errors


def _progress(record: EnterpriseImport, **fields: Any) -> None:
    EnterpriseImport.objects.filter(pk=record.pk).update(**fields)


class _Stop(Exception):
    """Rolls back the chunk being written when an all-or-nothing import meets a row it cannot write."""


def _run(record: EnterpriseImport) -> None:
    actor = record.created_by
    rows = xlsx.read_sheet(bytes(record.content)).rows
    sectors = _sector_lookup()
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    _progress(record, total_rows=len(rows), processed_rows=0)
    for done, row in enumerate(rows, 1):
        data, row_errors = _check_row(actor, row, sectors, seen)
        if row_errors:
            errors.extend(row_errors)
        else:
            valid.append((row.number, data))
        if done % PROGRESS_EVERY == 0:
            _progress(record, processed_rows=done, error_count=len(errors))
    _progress(record, processed_rows=len(rows), error_count=len(errors))
    if errors and record.mode == Mode.ALL_OR_NOTHING:
        _finish(record, created=0, errors=errors, valid=len(valid))
        return
    _progress(record, status=Status.IMPORTING, processed_rows=0, error_count=len(errors))
    created = written = 0
    try:
        for chunk in batched(valid, CHUNK_ROWS):
            with transaction.atomic():
                created_here = 0
                for number, data in chunk:
                    try:
                        enterprise_create(actor=actor, data=data)
                    except FieldErrors as exc:
                        errors.extend(_error(number, e["field"], e["message"]) for e in exc.errors)
                    except NotAllowed as exc:
                        errors.append(_error(number, "division_code", str(exc)))
                    else:
                        created_here += 1
                        continue
                    if record.mode == Mode.ALL_OR_NOTHING:
                        raise _Stop
                written += len(chunk)
                created += created_here
                _progress(record, processed_rows=written, created_count=created)
    except _Stop:
        pass
    _finish(record, created=created, errors=errors, valid=len(valid))


def _finish(record: EnterpriseImport, *, created: int, errors: list[RowError], valid: int, failure: str = "") -> None:
    errors.sort(key=lambda e: (e["row"], xlsx.column_position(e["column"])))
    with transaction.atomic():
        record.refresh_from_db(fields=["total_rows", "processed_rows"])
        record.status = Status.FAILED if failure else Status.DONE
        record.created_count = created
        record.error_count = len(errors)
        record.valid_rows = valid
        record.errors = errors[:MAX_STORED_ERRORS]
        record.failure = failure[:500]
        record.finished_at = timezone.now()
        fields = ["status", "created_count", "error_count", "valid_rows", "errors", "failure", "finished_at"]
        if not failure and not rerun_possible(record):
            record.content = b""  # no longer needed: nothing can re-run it
            fields.append("content")
        record.save(update_fields=fields)
        audit.record(
            actor=record.created_by,
            verb="import",
            obj=record,
            result="failed" if failure else "ok",
            after={
                "file_name": record.file_name,
                "mode": record.mode,
                "total_rows": record.total_rows,
                "created": created,
                "errors": len(errors),
                "rerun_of": str(record.rerun_of.uuid) if record.rerun_of else None,
            },
        )


def enterprise_import_forget_files(*, actor: Any = SYSTEM) -> int:
    """Drop the stored bytes of imports that finished more than KEEP_FILES_FOR ago (the uploaded
    file may hold personal data: phone numbers); the record, its counts and errors stay."""
    stale = EnterpriseImport.objects.filter(finished_at__lt=timezone.now() - KEEP_FILES_FOR).exclude(content=b"")
    with transaction.atomic():
        forgotten = stale.update(content=b"")
        if forgotten:
            audit.record(
                actor=actor,
                verb="delete",
                object_type=EnterpriseImport._meta.label_lower,
                object_repr=_("uploaded files of finished imports"),
                after={"files": forgotten, "older_than_days": KEEP_FILES_FOR.days},
            )
    return forgotten


# ---- export --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    file: IO[bytes]  # a temporary file, positioned at its start; closing it removes it
    rows: int
    file_name: str


def enterprise_export(*, actor: Any, params: Any) -> Export:
    """The enterprise list as the caller sees it (scope, then the list's filters) in the template's
    columns; audited with the row count and the filters (DOMAIN.md §10.2: exports are audited)."""
    filtered = filter_or_raise(EnterpriseFilterSet, params, enterprise_list(actor=actor))
    enterprises = filtered.prefetch_related("sectors").order_by("division_id", "name", "pk")
    target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    # Written outside a transaction: a long export must not hold the database's writer lock.
    rows = xlsx.write_export(target, enterprises.iterator(chunk_size=2000))
    target.seek(0)
    filters = {
        name: value
        for name, value in params.items()
        if name in EnterpriseFilterSet.base_filters and value not in (None, "")
    }
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="export",
            object_type=Enterprise._meta.label_lower,
            object_repr=_("enterprise list (xlsx)"),
            after={"rows": rows, "filters": filters, "format": "xlsx"},
        )
    return Export(file=target, rows=rows, file_name=f"{_('enterprises')}-{timezone.localdate():%Y%m%d}.xlsx")

"""The life of an xlsx import (enterprises, hazard ledgers, risk lists), written once: accept an upload,
run it in the request or queue it for the worker, claim it, check every row, write the valid ones in
chunks, finish, offer a re-run, forget the file. An app describes its import by subclassing ImportKind
(how to read, check and write a row, what it counts) and gets these services.

Import (DESIGN.md "Errors"): every row is checked first, without writing; errors name the row and the
column. Nothing is written unless every row is valid or the uploader chose to import only the valid rows
(or, in a CHECK mode, the rows are written and rolled back, so the counts say what an import would do).
Files of up to `inline_max_rows` rows run inside the request; bigger ones in the task worker, with
progress on their ImportJob row.

Writing happens in transactions of `chunk_rows` rows, each row in a savepoint, so neither SQLite's writer
lock nor the audit chain's head row is held for minutes by a large file. A file of up to `chunk_rows`
rows is therefore written all-or-nothing in the strict sense; for a bigger all-or-nothing file the check
of every row comes first, and only a conflicting write by someone else between that check and the write
can stop it part-way; the chunks committed before stay.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from functools import partial
from itertools import batched
from pathlib import PurePath
from typing import Any, Protocol
from uuid import UUID

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from safeloop.core import audit
from safeloop.core.actors import SYSTEM
from safeloop.core.errors import FieldErrors
from safeloop.core.models import ImportJob
from safeloop.core.xlsx import FileProblem, RowError
from safeloop.orgs.services import NotAllowed

logger = logging.getLogger(__name__)

Status = ImportJob.Status
Mode = ImportJob.Mode
# A subclass's Mode may add this value: the rows are written and rolled back (risks.RiskImport).
CHECK = "check"


class Numbered(Protocol):
    """A checked row ready to write: it knows its row number in the sheet."""

    @property
    def number(self) -> int: ...


class _Stop(Exception):
    """Rolls back the chunk being written when an all-or-nothing import meets a row it cannot write."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class _Undo(Exception):
    """Rolls back a chunk that was written only to see what an import would do (a check)."""

    def __init__(self, counts: Counter[str]) -> None:
        super().__init__(counts)
        self.counts = counts


class ImportKind[J: ImportJob, R: Numbered]:
    """One kind of import: its model, limits and words, and the hooks that read, check and write its
    rows. Subclasses set the class attributes and implement the hooks; an instance is the app's
    services (`start`, `rerun`, `run`, `forget_files`, …)."""

    model: type[J]
    task: str  # dotted path of the task that runs a queued import: f(import_id, language)
    log_name: str  # in the log line of a failed run
    audit_verb: str
    default_file_name: str
    # count key (as `write` returns it) → the model's field, e.g. {"created": "created_count"}
    counters: Mapping[str, str]
    not_allowed: Promise  # the actor may not import
    choose_mode: Promise  # an unknown mode
    too_large: Promise  # the upload exceeds max_upload_bytes
    forgotten_files: Promise  # the audit row's object for dropped files
    # Exceptions a row's write may raise that make it an error of that row (others fail the import).
    write_refusals: tuple[type[Exception], ...] = (FieldErrors, NotAllowed)

    inline_max_rows = 200
    chunk_rows = 200
    progress_every = 50
    max_upload_bytes = 20 * 1024 * 1024
    max_stored_errors = 1000
    keep_files_for = timedelta(days=7)  # a finished import's file, for a re-run

    # ---- hooks -----------------------------------------------------------------------------------

    def can_import(self, actor: Any) -> bool:
        raise NotImplementedError

    def read(self, content: bytes) -> Sequence[Any]:
        """The data rows of the file; raises FileProblem for the file as a whole."""
        raise NotImplementedError

    def checker(self, actor: Any) -> Callable[[Any], tuple[R | None, list[RowError]]]:
        """A function that converts and checks one row without writing: the row ready to write, or None
        and its errors. It may remember earlier rows (the same code twice in a file)."""
        raise NotImplementedError

    def after_check(self, valid: list[R], errors: list[RowError]) -> list[R]:
        """The valid rows once all are checked; a kind may refuse some now (adding to `errors`)."""
        return valid

    def write(self, actor: Any, record: J, row: R) -> Iterable[str]:
        """Write one row through the app's services; returns the count keys it adds to."""
        raise NotImplementedError

    def write_errors(self, row: R, exc: Exception) -> list[RowError]:
        """The errors of a row whose write raised one of `write_refusals`."""
        raise NotImplementedError

    def stopped_error(self, number: int) -> RowError | None:
        """The error that says where an all-or-nothing import stopped after earlier chunks were written."""
        return None

    def column_position(self, header: str) -> int:
        """Where a column stands in the template, for sorting errors the way the sheet reads."""
        raise NotImplementedError

    def visible(self, actor: Any, imports: QuerySet[J], *, mine: bool) -> QuerySet[J]:
        """The imports the actor sees: their own."""
        return imports.filter(created_by=actor)

    def rerun_modes(self, record: J) -> list[str]:
        """How a finished import may run again on its kept file, once, while it is kept: an all-or-nothing
        import refused for some bad rows (nothing written) may import its valid rows."""
        if (
            record.status == Status.DONE
            and record.mode == Mode.ALL_OR_NOTHING
            and record.error_count > 0
            and not any(getattr(record, name) for name in self.counters.values())
            and record.valid_rows > 0
            and record.finished_at is not None
            and record.finished_at > timezone.now() - self.keep_files_for
            and not self._manager().filter(rerun_of=record).exists()
        ):
            return [Mode.VALID_ONLY]
        return []

    def may_rerun(self, actor: Any, record: J) -> bool:
        return self.can_import(actor)

    def finish_fields(self, record: J, written: bool) -> list[str]:
        """Set a kind's own outcome fields at the finish; returns their names."""
        return []

    def audit_result(self, record: J, *, written: bool, failure: str) -> str:
        return "failed" if failure else "ok"

    def audit_after(self, record: J) -> dict[str, Any]:
        return {
            "file_name": record.file_name,
            "mode": record.mode,
            "total_rows": record.total_rows,
            **{key: getattr(record, name) for key, name in self.counters.items()},
            "errors": record.error_count,
            "rerun_of": str(record.rerun_of.uuid) if record.rerun_of else None,
        }

    # ---- reads -----------------------------------------------------------------------------------

    def _manager(self) -> Any:
        return self.model._default_manager

    def imports(self, *, actor: Any, mine: bool = False) -> QuerySet[J]:
        """The imports the actor sees, newest first, without the stored file."""
        imports: QuerySet[J] = self._manager().defer("content").select_related("created_by", "rerun_of")
        return self.visible(actor, imports, mine=mine) if self.can_import(actor) else imports.none()

    def get(self, *, actor: Any, uuid: UUID | str) -> J:
        return self.imports(actor=actor).get(uuid=uuid)

    # ---- services --------------------------------------------------------------------------------

    def start(self, *, actor: Any, upload: "UploadedFile[bytes]", mode: str, language: str | None = None) -> J:
        """Accept an upload: check the file as a whole (FieldErrors on `file`), store it, and run it now
        (up to inline_max_rows rows) or in the worker once this transaction commits."""
        if not self.can_import(actor):
            raise NotAllowed(str(self.not_allowed))
        errors = FieldErrors()
        if mode not in self.model.Mode.values:
            errors.add("mode", self.choose_mode)
        if (upload.size or 0) > self.max_upload_bytes:
            errors.add("file", self.too_large)
        errors.raise_if_any()
        content = upload.read(self.max_upload_bytes + 1)
        if len(content) > self.max_upload_bytes:
            raise FieldErrors.single("file", self.too_large)
        try:
            rows = self.read(content)
        except FileProblem as exc:
            raise FieldErrors.single("file", exc.message) from exc
        record: J = self._manager().create(
            created_by=actor,
            file_name=PurePath(upload.name or self.default_file_name).name[:255],
            content=content,
            mode=mode,
            total_rows=len(rows),
        )
        return self._dispatch(record, language)

    def rerun(self, *, actor: Any, record: J, mode: str | None = None, language: str | None = None) -> J:
        """Run a finished import again on its kept file (see `rerun_modes`; by default its first mode)."""
        modes = self.rerun_modes(record)
        if mode is None and modes:
            mode = modes[0]
        if not self.may_rerun(actor, record) or mode not in modes:
            raise NotAllowed(_("This import cannot be run again."))
        content = self._manager().values_list("content", flat=True).get(pk=record.pk)
        with transaction.atomic():
            again: J = self._manager().create(
                created_by=actor,
                file_name=record.file_name,
                content=bytes(content),
                mode=mode,
                total_rows=record.total_rows,
                rerun_of=record,
            )
            self._manager().filter(pk=record.pk).update(content=b"")
        return self._dispatch(again, language)

    def _dispatch(self, record: J, language: str | None) -> J:
        if record.total_rows <= self.inline_max_rows:
            return self.run(import_id=record.uuid, reraise=False)
        task = import_string(self.task)
        transaction.on_commit(partial(task.enqueue, str(record.uuid), language or get_language()))
        return record

    def run(self, *, import_id: UUID | str, reraise: bool = True) -> J:
        """Run a queued import, claimed with compare-and-set so a second worker leaves it alone. An
        unexpected failure marks the import failed (re-raised for the task runner to record)."""
        claimed = self._manager().filter(uuid=import_id, status=Status.QUEUED).update(status=Status.VALIDATING)
        record: J = self._manager().select_related("created_by", "rerun_of").get(uuid=import_id)
        if not claimed:
            return record
        try:
            self._run(record)
        except Exception as exc:
            logger.exception("%s %s failed", self.log_name, record.uuid)
            self._finish(record, Counter(), errors=[], valid=0, written=False, failure=f"{type(exc).__name__}: {exc}")
            if reraise:
                raise
        record.refresh_from_db()
        return record

    def run_task(self, import_id: str, language: str | None) -> dict[str, Any]:
        """The body of the app's task: run the import in the uploader's language; its outcome."""
        with translation.override(language):
            record = self.run(import_id=import_id)
        counts = {key: getattr(record, name) for key, name in self.counters.items()}
        return {"status": record.status, **counts, "errors": record.error_count}

    def forget_files(self, *, actor: Any = SYSTEM) -> int:
        """Drop the stored bytes of imports finished more than keep_files_for ago (an uploaded file names
        people and phone numbers); the record, its counts and its errors stay."""
        stale = self._manager().filter(finished_at__lt=timezone.now() - self.keep_files_for).exclude(content=b"")
        with transaction.atomic():
            forgotten: int = stale.update(content=b"")
            if forgotten:
                audit.record(
                    actor=actor,
                    verb="delete",
                    object_type=self.model._meta.label_lower,
                    object_repr=str(self.forgotten_files),
                    after={"files": forgotten, "older_than_days": self.keep_files_for.days},
                )
        return forgotten

    # ---- a run -----------------------------------------------------------------------------------

    def _progress(self, record: J, **fields: Any) -> None:
        self._manager().filter(pk=record.pk).update(**fields)

    def _run(self, record: J) -> None:
        actor = record.created_by
        rows = self.read(bytes(record.content))
        check = self.checker(actor)
        errors: list[RowError] = []
        valid: list[R] = []
        self._progress(record, total_rows=len(rows), processed_rows=0)
        for done, row in enumerate(rows, 1):
            checked, row_errors = check(row)
            errors.extend(row_errors)
            if checked is not None:
                valid.append(checked)
            if done % self.progress_every == 0:
                self._progress(record, processed_rows=done, error_count=len(errors))
        valid = self.after_check(valid, errors)
        self._progress(record, processed_rows=len(rows), error_count=len(errors), valid_rows=len(valid))
        if errors and record.mode == Mode.ALL_OR_NOTHING:
            self._finish(record, Counter(), errors=errors, valid=len(valid), written=False)
            return
        self._progress(record, status=Status.IMPORTING, processed_rows=0, error_count=len(errors))
        counts: Counter[str] = Counter()
        written = processed = 0
        try:
            for chunk in batched(valid, self.chunk_rows):
                try:
                    with transaction.atomic():
                        counts += self._write_chunk(actor, record, chunk, errors)
                        written += 1
                except _Undo as undone:
                    counts += undone.counts
                processed += len(chunk)
                self._progress(
                    record,
                    processed_rows=processed,
                    error_count=len(errors),
                    **{name: counts[key] for key, name in self.counters.items()},
                )
        except _Stop as stop:
            stopped = self.stopped_error(stop.number) if written else None
            if stopped is not None:  # earlier chunks are committed; say where it ended
                errors.append(stopped)
        self._finish(record, counts, errors=errors, valid=len(valid), written=written > 0)

    def _write_chunk(self, actor: Any, record: J, chunk: Iterable[R], errors: list[RowError]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for row in chunk:
            try:
                with transaction.atomic():
                    counts.update(self.write(actor, record, row))
            except self.write_refusals as exc:
                errors.extend(self.write_errors(row, exc))
            else:
                continue
            if record.mode == Mode.ALL_OR_NOTHING:
                raise _Stop(row.number)
        if record.mode == CHECK:
            raise _Undo(counts)
        return counts

    def _finish(
        self, record: J, counts: Counter[str], *, errors: list[RowError], valid: int, written: bool, failure: str = ""
    ) -> None:
        errors.sort(key=lambda e: (e["row"], self.column_position(e["column"])))
        with transaction.atomic():
            record.refresh_from_db(fields=["total_rows", "processed_rows"])
            record.status = Status.FAILED if failure else Status.DONE
            for key, name in self.counters.items():
                setattr(record, name, counts[key])
            record.error_count = len(errors)
            record.valid_rows = valid
            record.errors = errors[: self.max_stored_errors]
            record.failure = failure[:500]
            record.finished_at = timezone.now()
            fields = ["status", *self.counters.values(), "error_count", "valid_rows", "errors", "failure"]
            fields += ["finished_at", *self.finish_fields(record, written)]
            if not failure and not self.rerun_modes(record):
                record.content = b""  # no longer needed: nothing can re-run it
                fields.append("content")
            record.save(update_fields=fields)
            audit.record(
                actor=record.created_by,
                verb=self.audit_verb,
                obj=record,
                result=self.audit_result(record, written=written, failure=failure),
                after=self.audit_after(record),
            )

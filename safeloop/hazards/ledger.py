"""The hazard 台账 (ledger) as xlsx: the export of the filtered list in the official ledger's columns
(ledger_export.py), and the import of historical ledgers (issue 3; DOMAIN.md §10.2: exports are audited).

Import. A historical ledger (the template, or an office's own sheet with the same headers, found in
any of its first rows) becomes hazards: each row through `services.hazard_create` with notifications muted,
then `hazard_import_closed` / `hazard_import_open` record the ledger's status as a historical fact (an
`import` event and an audit row, no notifications, no parties asked). Rows are checked first
(ledger_read.py); errors name the row and the column (第5行 整改期限: …). All-or-nothing writes nothing
when any row is bad; valid-only writes the good rows. core/import_jobs.py runs it like the enterprise
import: files over `inline_max_rows` rows in the task worker with progress on their `HazardImport` row,
writing in chunks of `chunk_rows` rows, each one transaction, so no lock is held for minutes.
"""

import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeloop.core import audit
from safeloop.core.actors import SYSTEM
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.import_jobs import ImportKind
from safeloop.core.xlsx import XLSX_CONTENT_TYPE, CellError, FileProblem, RowError, SheetRow
from safeloop.hazards import numbering, services, tally
from safeloop.hazards.choices import HazardLevel, HazardStatus
from safeloop.hazards.ledger_columns import (
    CLOSED,
    FIELD_KEYS,
    RECTIFYING,
    TEMPLATE_COLUMNS,
    column_position,
    row_error,
    template_bytes,
)
from safeloop.hazards.ledger_export import actor_name, hazard_ledger_export
from safeloop.hazards.ledger_read import (
    CheckContext,
    LedgerRow,
    can_import,
    cell_moment,
    check_row,
    default_source,
    existing_codes,
    read_ledger,
)
from safeloop.hazards.models import Hazard, HazardEvent, HazardImport
from safeloop.notifications.services import muted
from safeloop.orgs.selectors import sector_lookup
from safeloop.orgs.services import NotAllowed

__all__ = [
    "TEMPLATE_COLUMNS",
    "XLSX_CONTENT_TYPE",
    "CellError",
    "FileProblem",
    "can_import",
    "cell_moment",
    "hazard_ledger_export",
    "read_ledger",
    "template_bytes",
]


# ---- recording the ledger's status (services) ----------------------------------------------------


_OUR_CODE = re.compile(r"^(?P<prefix>[A-Z]+-[A-Z0-9]+-\d{4})-(?P<value>\d{6})$")


def _advance_sequence(code: str) -> None:
    """An imported number in our own format (YT-YH-2025-000123) moves that sequence past it, so a
    later report never draws the same number."""
    match = _OUR_CODE.match(code)
    if match is None:
        return
    numbering.advance_past(match["prefix"], int(match["value"]))


def _import_settle(
    *,
    actor: Any,
    hazard: Hazard,
    status: str,
    ledger_status: str,
    fields: dict[str, Any],
    data: dict[str, Any],
    code: str = "",
    unit_name: str = "",
) -> Hazard:
    if hazard.status != HazardStatus.REPORTED:
        raise Conflict(_("Only a hazard just created by the import can take its ledger status."))
    fields = dict(fields)
    fields["confirmed_at"] = hazard.reported_at  # on the ledger, i.e. registered, since it was found
    if code and code != hazard.code:
        fields["code"] = code
    if unit_name and not hazard.enterprise_id:
        fields["rectifier_name"] = unit_name
    with transaction.atomic():
        if "code" in fields:
            _advance_sequence(code)
        before = audit.snapshot(hazard, services.AUDITED_FIELDS)
        moved = Hazard.objects.filter(pk=hazard.pk, version=hazard.version, status=HazardStatus.REPORTED).update(
            status=status, version=F("version") + 1, updated_at=timezone.now(), **fields
        )
        if moved != 1:
            raise services.TransitionConflict(str(services.CHANGED_MEANWHILE))
        hazard.refresh_from_db()
        tally.tally_move(hazard, HazardStatus.REPORTED, status)
        event_data = {"ledger_status": ledger_status, **data}
        if code and before["code"] != code:
            event_data["assigned_code"] = before["code"]
        HazardEvent.objects.create(
            hazard=hazard,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_name=actor_name(actor),
            action="import",
            from_status=HazardStatus.REPORTED,
            to_status=status,
            note=_("Imported from a historical ledger."),
            data=event_data,
        )
        after = audit.snapshot(hazard, services.AUDITED_FIELDS) | {
            "ledger_status": ledger_status,
            "closed_at": hazard.closed_at,
            "verified_at": hazard.verified_at,
        }
        audit.record(actor=actor, verb="hazard.import", obj=hazard, before=before, after=after)
    return hazard


def hazard_import_closed(
    *,
    actor: Any,
    hazard: Hazard,
    ledger_status: str,
    closed_at: datetime,
    verified_at: datetime | None = None,
    verifier_name: str = "",
    code: str = "",
    unit_name: str = "",
    source: dict[str, Any] | None = None,
) -> Hazard:
    """A historical ledger says this hazard was rectified and written off: record that fact (closed,
    with the ledger's times and verifier's name) on a hazard the import has just created. No workflow
    parties, no notifications; an `import` event and an audit row say where it came from."""
    return _import_settle(
        actor=actor,
        hazard=hazard,
        status=HazardStatus.CLOSED,
        ledger_status=ledger_status,
        fields={"closed_at": closed_at, "verified_at": verified_at or closed_at, "escalation_tier": 0},
        data={"verifier": verifier_name, **(source or {})},
        code=code,
        unit_name=unit_name,
    )


def hazard_import_open(
    *,
    actor: Any,
    hazard: Hazard,
    ledger_status: str,
    rectifying: bool,
    code: str = "",
    unit_name: str = "",
    source: dict[str, Any] | None = None,
) -> Hazard:
    """A historical ledger lists this hazard as still open: it arrives confirmed (a major one: plan
    required), or being rectified (a major one: under governance), with its deadline; from then on the
    loop treats it like any other open hazard (reminders, escalation when overdue)."""
    major = hazard.level == HazardLevel.MAJOR
    if rectifying:
        status = HazardStatus.GOVERNING if major else HazardStatus.RECTIFYING
    else:
        status = HazardStatus.PLAN_REQUIRED if major else HazardStatus.CONFIRMED
    return _import_settle(
        actor=actor,
        hazard=hazard,
        status=status,
        ledger_status=ledger_status,
        fields={},
        data=dict(source or {}),
        code=code,
        unit_name=unit_name,
    )


# ---- running an import ---------------------------------------------------------------------------


def _write_row(actor: Any, record: HazardImport, row: LedgerRow) -> None:
    source = {"import": str(record.uuid), "row": row.number}
    with muted():  # a historical record: nobody is to act on it because it was imported
        intake = services.hazard_create(actor=actor, data=row.data)
    if row.kind == CLOSED:
        assert row.closed_at is not None
        hazard_import_closed(
            actor=actor,
            hazard=intake.hazard,
            ledger_status=row.ledger_status,
            closed_at=row.closed_at,
            verified_at=row.verified_at,
            verifier_name=row.verifier,
            code=row.code,
            unit_name=row.unit,
            source=source,
        )
    else:
        hazard_import_open(
            actor=actor,
            hazard=intake.hazard,
            ledger_status=row.ledger_status,
            rectifying=row.kind == RECTIFYING,
            code=row.code,
            unit_name=row.unit,
            source=source,
        )


class HazardLedgerImport(ImportKind[HazardImport, LedgerRow]):
    model = HazardImport
    task = "safeloop.hazards.tasks_ledger.hazard_ledger_import_task"
    log_name = "hazard ledger import"
    audit_verb = "hazard.ledger_import"
    default_file_name = "ledger.xlsx"
    counters = {"created": "created_count", "closed": "closed_count"}
    not_allowed = gettext_lazy("You may not import hazard ledgers.")
    choose_mode = gettext_lazy("Choose all_or_nothing or valid_only.")
    too_large = gettext_lazy("The file is larger than 20 MB; split it into several files.")
    forgotten_files = gettext_lazy("uploaded files of finished hazard ledger imports")
    write_refusals = (FieldErrors, NotAllowed, Conflict, IntegrityError)

    def can_import(self, actor: Any) -> bool:
        return can_import(actor)

    def read(self, content: bytes) -> list[SheetRow]:
        return read_ledger(content).rows

    def checker(self, actor: Any) -> Callable[[SheetRow], tuple[LedgerRow | None, list[RowError]]]:
        context = CheckContext(actor=actor, sectors=sector_lookup(), source=default_source(actor))
        return partial(check_row, context)

    def after_check(self, valid: list[LedgerRow], errors: list[RowError]) -> list[LedgerRow]:
        """A number already in the system is refused once every row is checked (one query per 500)."""
        taken = existing_codes(r.code for r in valid if r.code)
        if not taken:
            return valid
        message = _("A hazard with this number is already in the system.")
        errors.extend(row_error(r.number, "code", message) for r in valid if r.code in taken)
        return [r for r in valid if r.code not in taken]

    def write(self, actor: Any, record: HazardImport, row: LedgerRow) -> tuple[str, ...]:
        _write_row(actor, record, row)
        return ("created", "closed") if row.kind == CLOSED else ("created",)

    def write_errors(self, row: LedgerRow, exc: Exception) -> list[RowError]:
        if isinstance(exc, FieldErrors):
            return [row_error(row.number, FIELD_KEYS.get(e["field"], "description"), e["message"]) for e in exc.errors]
        if isinstance(exc, IntegrityError):
            return [row_error(row.number, "code", _("A hazard with this number is already in the system."))]
        return [row_error(row.number, "location", str(exc))]

    def column_position(self, header: str) -> int:
        return column_position(header)


HAZARD_IMPORT = HazardLedgerImport()
hazard_import_list = HAZARD_IMPORT.imports
hazard_import_get = HAZARD_IMPORT.get
hazard_import_start = HAZARD_IMPORT.start
hazard_import_run = HAZARD_IMPORT.run


def rerun_possible(record: HazardImport) -> bool:
    """A refused all-or-nothing import may be run again for its valid rows, once, while its file is kept."""
    return bool(HAZARD_IMPORT.rerun_modes(record))


def hazard_import_rerun(*, actor: Any, hazard_import: HazardImport, language: str | None = None) -> HazardImport:
    """Run a refused all-or-nothing import again, importing only its valid rows."""
    return HAZARD_IMPORT.rerun(actor=actor, record=hazard_import, language=language)


def hazard_import_forget_files(*, actor: Any = SYSTEM) -> int:
    """Drop the stored bytes of imports finished more than a week ago (a ledger names people); the
    record, its counts and its errors stay."""
    return HAZARD_IMPORT.forget_files(actor=actor)

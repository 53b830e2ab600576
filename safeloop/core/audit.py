"""The audit trail: `record()` appends a hash-chained row in the caller's transaction.

Each row's hash covers its own content and the previous row's hash, and positions are dense, so a
changed, removed or re-ordered row breaks the chain where `verify_chain()` (and `safeloop
audit_verify`) will name it.
"""

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.core import bulk
from safeloop.core.models import AuditChainHead, AuditEvent
from safeloop.core.request_context import current_source_ip


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def snapshot(obj: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named fields of `obj` as JSON-ready values (foreign keys by their stored key)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _jsonable(getattr(obj, attname))
    return out


def _digest(prev_hash: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "position": event.position,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "source_ip": event.source_ip,
        "verb": event.verb,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "result": event.result,
        "before": event.before,
        "after": event.after,
    }


def _event(
    *, actor: Any, verb: str, object_type: str, object_id: str, object_repr: str, before: Any, after: Any, result: str
) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        at=timezone.now(),
        actor=user,
        actor_name=(user.get_username() if user else str(actor or "system"))[:150],
        source_ip=current_source_ip(),
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        result=result,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )


def _identify(obj: models.Model) -> tuple[str, str, str]:
    # The public identifier people search by: the UUID, else the code (divisions, grids), else the key.
    object_id = str(getattr(obj, "uuid", None) or getattr(obj, "code", None) or obj.pk)
    return obj._meta.label_lower, object_id, str(obj)[:255]


def record(
    *,
    actor: Any,
    verb: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    result: str = "ok",
) -> AuditEvent:
    """Append one audit row in the caller's transaction, so both commit or neither. The row is
    sealed into the hash chain shortly after by `seal()` (the worker does it every few seconds):
    writers never wait on one another for the chain."""
    if obj is not None:
        kind, key, text = _identify(obj)
        object_type, object_id, object_repr = object_type or kind, object_id or key, object_repr or text
    event = _event(
        actor=actor,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        before=before,
        after=after,
        result=result,
    )
    event.save(force_insert=True)
    return event


AuditRow = tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]


def record_many(*, actor: Any, verb: str, rows: Sequence[AuditRow]) -> int:
    """One row per (object, before, after) in one bulk insert: what a sweep that changes thousands
    of records at once uses instead of `record()` in a loop."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    common = {
        "at": timezone.now(),
        "actor_id": user.pk if user else None,
        "actor_name": (user.get_username() if user else str(actor or "system"))[:150],
        "source_ip": current_source_ip(),
        "verb": verb,
        "result": "ok",
    }
    events = []
    for obj, before, after in rows:
        object_type, object_id, object_repr = _identify(obj)
        events.append(
            {
                **common,
                "object_type": object_type,
                "object_id": object_id,
                "object_repr": object_repr,
                "before": _jsonable(before) if before is not None else None,
                "after": _jsonable(after) if after is not None else None,
            }
        )
    return bulk.insert_rows(AuditEvent, events)


def seal(batch_size: int = 5000) -> int:
    """Give committed, unsealed rows their positions and hashes, in insertion order, under one lock
    of the chain head. Safe to run from several workers at once; returns how many rows it sealed.
    A row is open to undetected change only between its commit and its sealing (seconds)."""
    sealed = 0
    while True:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            pending = list(AuditEvent.objects.filter(position__isnull=True).order_by("id")[:batch_size])
            position, prev_hash = head.position, head.hash
            for event in pending:
                position += 1
                event.position, event.prev_hash = position, prev_hash
                event.hash = prev_hash = _digest(prev_hash, _payload(event))
            if pending:
                table = AuditEvent._meta.db_table
                with connection.cursor() as cursor:
                    # One statement per row, pipelined by the driver: far cheaper than bulk_update's CASE.
                    cursor.executemany(
                        f"UPDATE {table} SET position = %s, prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
                        [(e.position, e.prev_hash, e.hash, e.pk) for e in pending],
                    )
                head.position, head.hash = position, prev_hash
                head.save(update_fields=["position", "hash"])
        sealed += len(pending)
        if len(pending) < batch_size:
            return sealed


@dataclass(frozen=True)
class ChainBreak:
    position: int
    reason: str


def verify_chain(batch_size: int = 5000, *, seal_first: bool = True) -> ChainBreak | None:
    """Seal what is pending, then re-compute the chain; return the first broken row, or None."""
    if seal_first:
        seal()
    expected_position, prev_hash = 1, ""
    for event in _iterate(batch_size):
        if event.position != expected_position:
            return ChainBreak(expected_position, _("row #%(n)d is missing") % {"n": expected_position})
        if event.prev_hash != prev_hash:
            return ChainBreak(event.position, _("its link to the previous row does not match"))
        if event.hash != _digest(prev_hash, _payload(event)):
            return ChainBreak(event.position, _("its content does not match its hash"))
        prev_hash, expected_position = event.hash, expected_position + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.position != expected_position - 1:
        return ChainBreak(head.position, _("rows after #%(n)d are missing") % {"n": expected_position - 1})
    return None


def _iterate(batch_size: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(AuditEvent.objects.filter(position__gt=last).order_by("position")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].position or last

"""Sequence numbers behind readable hazard codes (YT-YH-2026-000123), one series per prefix.

On PostgreSQL each prefix is a database SEQUENCE: `nextval` takes no row lock, so concurrent reports
in one district never wait for each other's commit (a rolled-back report leaves a gap, as
sequences do). On SQLite, whose writers are serialised anyway, a counter row per prefix does it."""

import re
import threading

from django.db import DatabaseError, IntegrityError, connection, transaction

from safeloop.hazards.models import HazardSequence

_known: set[str] = set()
_known_lock = threading.Lock()


def sequence_name(prefix: str) -> str:
    return "hazard_seq_" + re.sub(r"[^a-z0-9]", "_", prefix.lower())[:48]


def _ensure_sequence(prefix: str) -> str:
    name = sequence_name(prefix)
    if name in _known:
        return name
    start = HazardSequence.objects.filter(prefix=prefix).values_list("value", flat=True).first() or 0
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}"')
                if start:
                    cursor.execute(f'SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM "{name}")))', [name, start])  # noqa: S608
        except (IntegrityError, DatabaseError):
            pass  # another session created it at the same moment
    # Remembered once committed: a rolled-back transaction takes the new sequence with it.
    transaction.on_commit(lambda: _remember(name))
    return name


def _remember(name: str) -> None:
    with _known_lock:
        _known.add(name)


def forget_sequences() -> None:
    """Forget which sequences exist (after they were dropped, as the test suite's flush does)."""
    with _known_lock:
        _known.clear()


def next_number(prefix: str) -> int:
    if connection.vendor == "postgresql":
        name = _ensure_sequence(prefix)
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [name])
            return int(cursor.fetchone()[0])
    table = HazardSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE prefix = %s RETURNING value", [prefix])  # noqa: S608
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    try:
        with transaction.atomic():
            HazardSequence.objects.create(prefix=prefix, value=1)
        return 1
    except IntegrityError:
        return next_number(prefix)


def advance_past(prefix: str, value: int) -> None:
    """Make sure the series never hands out `value` or anything below it (imported codes)."""
    if connection.vendor == "postgresql":
        name = _ensure_sequence(prefix)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM "{name}")))', [name, value])  # noqa: S608
        return
    moved = HazardSequence.objects.filter(prefix=prefix, value__lt=value).update(value=value)
    if not moved and not HazardSequence.objects.filter(prefix=prefix).exists():
        HazardSequence.objects.create(prefix=prefix, value=value)

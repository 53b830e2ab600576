"""Appending thousands of rows to an append-only table (events, audit rows, outbox messages) in one go.

The rows are plain dicts, not model instances: building and adapting 10,000 instances costs more
than the insert itself. On PostgreSQL they go in with COPY (several times faster than a multi-row
INSERT for this many rows); elsewhere (SQLite in tests) through `bulk_create`."""

import json
from collections.abc import Sequence
from typing import Any, cast

from django.db import connection, models


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> int:
    """Insert `rows` ({attname: value}, every row with the same keys) into `model`'s table; fields a
    row leaves out take their defaults (give `auto_now_add` fields and anything you need back, such
    as a uuid, yourself). No save(), no signals, no primary keys returned. Returns the row count."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**row) for row in rows], batch_size=500)
        return len(rows)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    named = [f for f in fields if f.attname in rows[0]]
    defaulted = [f for f in fields if f.attname not in rows[0]]
    json_at = [(i, f.encoder) for i, f in enumerate(named + defaulted) if isinstance(f, models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in named + defaulted)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    # wrap_database_errors: raise Django's IntegrityError etc., as the ORM would, not psycopg's own.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = [row[f.attname] for f in named] + [f.get_default() for f in defaulted]
            for index, encoder in json_at:
                if values[index] is not None:  # None is SQL NULL, as the ORM stores it
                    values[index] = json.dumps(values[index], cls=encoder)
            copy.write_row(values)
    return len(rows)


def rewrite_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """`UPDATE … SET names WHERE pk` for rows of (pk, *values), one executemany (the demo loaders write
    simulated past moments over service-stamped ones this way). bulk_update's CASE expressions cost about
    2 ms a row here; values are prepared as the ORM prepares them (get_db_prep_save)."""
    if not rows:
        return
    fields = [cast(models.Field[Any, Any], model._meta.get_field(name)) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    table, key = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 - names come from _meta
    params = [
        [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)] + [pk]
        for pk, *values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)

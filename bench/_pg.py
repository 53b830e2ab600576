"""Shared bits for the PostgreSQL benchmarks: which database, creating it, Django against it, and the
one-JSON-line output (DESIGN.md "Benchmarks").

`SAFELOOP_BENCH_DATABASE_URL` (default below) names the server and the shared bench database; a bench
that must not disturb the others' data uses its own database on that server, named with a suffix
(`safeloop_bench` + `_intake` → `safeloop_bench_intake`), created when missing."""

import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://safeloop:safeloop@127.0.0.1:5432/safeloop_bench"
ROOT = Path(__file__).resolve().parent.parent


def bench_database_url(suffix: str = "") -> str:
    """The bench database URL; with a suffix, the same server and role with `<name><suffix>`."""
    url = os.environ.get("SAFELOOP_BENCH_DATABASE_URL", DEFAULT_URL)
    if not suffix:
        return url
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "safeloop_bench"
    return urlunsplit(parts._replace(path="/" + name + suffix))


def _connect(url: str, dbname: str, user: str | None = None) -> Any:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=user or parts.username or "postgres",
        password=parts.password if user is None else None,
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
    )


def ensure_database(url: str) -> str | None:
    """Create the database of `url` when missing (as its role, else as `postgres` under trust auth).
    Returns None when it is there, else why the bench must be skipped."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        return "psycopg is not installed"
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    owner = parts.username or "postgres"
    reasons = []
    for user in (None, "postgres"):
        try:
            with _connect(url, "postgres", user) as conn:
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                    return None
                statement = sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner))
                conn.execute(statement)
                return None
        except psycopg.Error as exc:
            reasons.append(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    return f"PostgreSQL at {parts.hostname}:{parts.port or 5432} unusable: {'; '.join(reasons)}"


def django_setup(url: str, var_dir: str) -> None:
    """Point Django at `url` (persistent connections, DEBUG off, as in production) and set it up."""
    sys.path.insert(0, str(ROOT))
    os.environ["SAFELOOP_DATABASE_URL"] = url
    os.environ["SAFELOOP_VAR_DIR"] = var_dir
    os.environ.setdefault("SAFELOOP_DB_CONN_MAX_AGE", "60")
    os.environ["SAFELOOP_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "safeloop.settings"
    import django

    django.setup()


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


def skip(bench: str, reason: str) -> int:
    emit({"bench": bench, "skipped": reason})
    return 0

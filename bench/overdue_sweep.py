"""The overdue sweep at city scale (issue 3): 1,000,000 open hazards of which 10,000 are past due and
not yet escalated; `escalate_overdue` must move exactly those 10,000 one tier up in ≤ 2 s, with one
escalate event, one hash-chained audit row and one outbox message each.

    .venv/bin/python bench/overdue_sweep.py [--hazards 1000000] [--due 10000]

Uses its own database (`SAFELOOP_BENCH_DATABASE_URL`'s name + `_sweep`), seeded once with COPY and
reused: before each run the due rows are put back (tier 0, past due) and their earlier escalate events
and messages removed; audit rows accumulate. The figure is the first ladder step (township, 0 days past
due) alone; the whole default ladder over the same rows (due 10 days ago, so three steps) is timed
afterwards for information. Prints one JSON line and exits 1 when a check fails, 2 below the floor."""

import argparse
import io
import os
import random
import secrets
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pg import bench_database_url, django_setup, emit, ensure_database, skip

BENCH = "overdue_sweep_10k_of_1m"
FLOOR_SECONDS = 2.0
SEED = 2026
DUE_YEAR, OTHER_YEAR = 2025, 2026  # the due rows carry 2025 codes, so they are found by code prefix
OPEN_MIX = (("confirmed", 45), ("rectifying", 35), ("reported", 10), ("submitted", 8), ("listed", 1), ("governing", 1))
SECTORS = ("gas", "fire", "industry", "construction", "road", "hazchem", "campus", "tourism")
TITLES = (
    "燃气管道阀门锈蚀",
    "消防通道堵塞",
    "配电箱未接地",
    "脚手架未设防护网",
    "危化品仓库通风不良",
    "疏散指示灯损坏",
)
COLUMNS = (
    "uuid",
    "created_at",
    "updated_at",
    "code",
    "title",
    "description",
    "category",
    "level",
    "level_reason",
    "source",
    "lon",
    "lat",
    "address",
    "county_code",
    "territorial_unit",
    "rectifier_name",
    "responsible_person",
    "responsible_phone",
    "measures",
    "rectifying_unit",
    "status",
    "version",
    "due_at",
    "reported_at",
    "confirmed_at",
    "invalid_reason",
    "escalation_tier",
    "suspended",
    "listing_level",
    "supervising_unit",
    "evaluation_report",
    "resume_application",
    "division_id",
    "sector_id",
    "territorial_division_id",
    "industry_department_id",
)


# ---- seeding ----------------------------------------------------------------------------------------


def _places() -> list[tuple[str, str, int | None]]:
    """(township code, its name, a department of its county or None) for every township/street."""
    from safeloop.orgs.models import Department, Division

    departments: dict[str, list[int]] = defaultdict(list)
    for pk, code in Department.objects.values_list("pk", "division_id"):
        departments[code[:6]].append(pk)
    townships = list(Division.objects.filter(code__regex=r"^[0-9]{9}$").values_list("code", "name"))
    if not townships:
        raise RuntimeError("no township divisions: run the migrations (they load the division tree)")
    return [(code, name, (departments.get(code[:6]) or [None])[0]) for code, name in sorted(townships)]


def hazard_rows(total: int, due: int, now: datetime) -> Iterator[dict[str, Any]]:
    """`total` open hazards as column → value; the first `due` are past due (tier 0), the others due
    30–400 days from now. Deterministic but for the uuids' randomness source (seeded)."""
    rng = random.Random(SEED)
    places = _places()
    statuses = [s for s, weight in OPEN_MIX for _ in range(weight)]
    serial: dict[str, int] = defaultdict(int)
    for i in range(total):
        township, name, department = places[i % len(places)]
        county = township[:6]
        is_due = i < due
        year = DUE_YEAR if is_due else OTHER_YEAR
        prefix = f"YT-{county[4:6]}-{year}"
        serial[prefix] += 1
        reported = now - timedelta(days=40 + rng.random() * 300) if is_due else now - timedelta(days=rng.random() * 30)
        due_at = now - timedelta(days=10, minutes=i % 1440) if is_due else now + timedelta(days=30 + rng.random() * 370)
        status = statuses[i % len(statuses)]
        yield {
            "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
            "created_at": reported,
            "updated_at": reported,
            "code": f"{prefix}-{serial[prefix]:06d}",
            "title": f"{TITLES[i % len(TITLES)]} #{i}",
            "description": "",
            "category": "thing",
            "level": "major" if i % 100 == 7 else "general",
            "level_reason": "",
            "source": "grid_patrol",
            "lon": round(116.8 + rng.random() * 0.6, 6),
            "lat": round(27.9 + rng.random() * 0.7, 6),
            "address": "",
            "county_code": county,
            "territorial_unit": name,
            "rectifier_name": name,
            "responsible_person": "",
            "responsible_phone": "",
            "measures": "",
            "rectifying_unit": f"division:{township}",
            "status": status,
            "version": 1,
            "due_at": due_at,
            "reported_at": reported,
            "confirmed_at": None if status == "reported" else reported + timedelta(hours=4),
            "invalid_reason": "",
            "escalation_tier": 0,
            "suspended": False,
            "listing_level": "",
            "supervising_unit": "",
            "evaluation_report": "",
            "resume_application": "",
            "division_id": township,
            "sector_id": SECTORS[i % len(SECTORS)],
            "territorial_division_id": township,
            "industry_department_id": department,
        }


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)  # our values hold no tab, newline or backslash


def seed(total: int, due: int, now: datetime, chunk: int = 100_000) -> float:
    """Write the hazards: COPY on PostgreSQL (in chunks of `chunk` rows, one transaction each, so the
    deferred foreign-key checks stay bounded), bulk_create elsewhere (tests on SQLite). Returns seconds."""
    from django.db import connection, transaction

    from safeloop.hazards.models import Hazard

    started = time.perf_counter()
    rows = hazard_rows(total, due, now)
    if connection.vendor != "postgresql":
        Hazard.objects.bulk_create((Hazard(**row) for row in rows), batch_size=500)
        return time.perf_counter() - started
    statement = f"COPY {Hazard._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN"
    done = 0
    while done < total:
        buffer = io.StringIO()
        for row in (next(rows) for _ in range(min(chunk, total - done))):
            buffer.write("\t".join(_copy_text(row[name]) for name in COLUMNS))
            buffer.write("\n")
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3's own cursor under Django's wrapper
            with raw.copy(statement) as copy:
                copy.write(buffer.getvalue())
        done += min(chunk, total - done)
        print(f"seeded {done:,} of {total:,} hazards", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Hazard._meta.db_table}")
    return time.perf_counter() - started


def due_rows() -> Any:
    from safeloop.hazards.models import Hazard

    return Hazard.objects.filter(code__regex=rf"^YT-[0-9]{{2}}-{DUE_YEAR}-")


def reset(due: int, now: datetime) -> None:
    """Put the due rows back (tier 0, 10 days past due), push any other row that has fallen due since
    the seed into the future, and remove the escalate events and messages of earlier runs."""
    from django.db import connection, transaction
    from django.db.models import F

    from safeloop.hazards.models import Hazard, HazardEvent
    from safeloop.notifications.models import Message

    with transaction.atomic():
        HazardEvent.objects.filter(action="escalate").delete()
        Message.objects.filter(kind="hazard.escalated").delete()
        due_rows().update(escalation_tier=0, due_at=now - timedelta(days=10))
        late = Hazard.objects.filter(due_at__lt=now + timedelta(days=1), escalation_tier=0).exclude(
            pk__in=due_rows().values("pk")
        )
        late.update(due_at=F("due_at") + timedelta(days=400))
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Each run leaves 10k dead row versions and index entries behind; autovacuum would clear them
        # in production, so clear them here too, and every run starts from the same state.
        with connection.cursor() as cursor:
            for model in (Hazard, HazardEvent, Message):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


def state(due: int) -> dict[str, int]:
    from safeloop.hazards.models import Hazard

    return {"hazards": Hazard.objects.count(), "due": due_rows().filter(escalation_tier=0).count()}


# ---- timing the parts -------------------------------------------------------------------------------


@contextmanager
def timed_parts() -> Iterator[dict[str, float]]:
    """Wall time per part of the sweep, by wrapping the functions it calls (for this run only)."""
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.query import QuerySet

    from safeloop.core import audit, bulk
    from safeloop.hazards import deadlines

    parts: dict[str, float] = defaultdict(float)
    patches: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, label: Callable[..., str] | str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                key = label(*args) if callable(label) else label
                parts[key] += time.perf_counter() - started

        patches.append((owner, name, original))
        setattr(owner, name, timed)

    # On PostgreSQL the claim also moves the rows (one UPDATE … RETURNING): "update" then stays empty.
    wrap(deadlines, "_claim", "claim (SELECT … FOR UPDATE SKIP LOCKED)")
    wrap(QuerySet, "update", "update escalation_tier")
    wrap(QuerySet, "bulk_create", lambda qs, *a: f"  bulk insert {qs.model._meta.label_lower}")
    wrap(bulk, "insert_rows", lambda model, *a: f"  bulk insert {model._meta.label_lower}")
    wrap(deadlines, "_record_escalations", "record (events + audit + notify)")
    wrap(audit, "record_many", "  audit.record_many (insert; sealed later)")
    wrap(deadlines, "notify_many", "  notify_many (dedupe + insert)")
    wrap(BaseDatabaseWrapper, "commit", "commit")
    wrap(BaseDatabaseWrapper, "run_and_clear_commit_hooks", "on_commit (fan-out task enqueue)")
    try:
        yield parts
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)


# ---- checks -----------------------------------------------------------------------------------------


def audit_tail_breaks(after_position: int) -> str:
    """Re-compute the chain from `after_position` to the head (not the whole trail): dense positions,
    each row linked to the one before and hashing to its stored hash. '' when whole."""
    from safeloop.core import audit
    from safeloop.core.models import AuditChainHead, AuditEvent

    previous = AuditEvent.objects.filter(position=after_position).first()
    prev_hash = previous.hash if previous else ""
    expected = after_position + 1
    for event in AuditEvent.objects.filter(position__gt=after_position).order_by("position").iterator(2000):
        if event.position != expected:
            return f"row #{expected} missing"
        if event.prev_hash != prev_hash:
            return f"row #{event.position} is not linked to the row before"
        if event.hash != audit._digest(prev_hash, audit._payload(event)):
            return f"row #{event.position} does not match its hash"
        prev_hash, expected = event.hash, expected + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.position != expected - 1 or head.hash != prev_hash:
        return "the chain head does not point at the last row"
    return ""


def head_position() -> int:
    from safeloop.core.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).first()
    return head.position if head else 0


def sweep(due: int, ladder: tuple[tuple[int, int], ...] | None, now: datetime) -> dict[str, Any]:
    """Reset, run `escalate_overdue` (with `ladder` when given) and check what it wrote."""
    from django.conf import settings
    from django.test import override_settings

    from safeloop.core.models import AuditEvent
    from safeloop.hazards.deadlines import escalate_overdue
    from safeloop.hazards.models import Hazard, HazardEvent
    from safeloop.notifications.models import Message

    reset(due, now)
    position = head_position()
    config = dict(getattr(settings, "SAFELOOP_HAZARDS", {}))
    if ladder is not None:
        config["escalation_ladder"] = ladder
    with override_settings(SAFELOOP_HAZARDS=config), timed_parts() as parts:
        started = time.perf_counter()
        result = escalate_overdue(now=now)
        seconds = time.perf_counter() - started
    # The worker seals new audit rows into the hash chain right after (off the sweep's path): timed apart.
    from safeloop.core import audit

    sealing_started = time.perf_counter()
    audit.seal()
    seal_seconds = time.perf_counter() - sealing_started
    steps = len(ladder) if ladder is not None else 3
    expected = due * steps
    top_tier = max(tier for tier, _days in ladder) if ladder else 3
    checks = {
        "escalated": result.escalated,
        "moved": due_rows().filter(escalation_tier=top_tier).count(),
        "moved_outside_due_rows": Hazard.objects.exclude(escalation_tier=0).count()
        - due_rows().exclude(escalation_tier=0).count(),
        "events": HazardEvent.objects.filter(action="escalate").count(),
        "audit_rows": AuditEvent.objects.filter(position__gt=position, verb="hazard.escalate").count(),
        "messages": Message.objects.filter(kind="hazard.escalated").count(),
    }
    problems = [
        f"{name} = {value}, expected {want}"
        for name, value, want in (
            ("escalated", checks["escalated"], expected),
            ("moved", checks["moved"], due),
            ("moved_outside_due_rows", checks["moved_outside_due_rows"], 0),
            ("events", checks["events"], expected),
            ("audit_rows", checks["audit_rows"], expected),
            ("messages", checks["messages"], expected),
        )
        if value != want
    ]
    broken = audit_tail_breaks(position)
    if broken:
        problems.append(f"audit chain: {broken}")
    return {
        "seconds": seconds,
        "seal_seconds": round(seal_seconds, 3),
        "steps": {str(k): v for k, v in result.steps.items()},
        "checks": checks,
        "problems": problems,
        "parts": {k: round(v, 3) for k, v in sorted(parts.items(), key=lambda kv: -kv[1])},
    }


# ---- main -------------------------------------------------------------------------------------------


def warm_up() -> None:
    """Load what a long-running worker has loaded already (the URLconf behind `hazard_url`, the
    translation catalogues), so the figure is the sweep's, not the process start-up's."""
    from django.urls import reverse
    from django.utils.translation import gettext

    from safeloop.hazards.choices import EscalationTier

    reverse("hazards:detail", args=[uuid.uuid4()])
    gettext(str(EscalationTier.TOWNSHIP.label))


def prepare(total: int, due: int, now: datetime) -> dict[str, Any]:
    """Migrate, and seed unless the database holds exactly this data set already."""
    from django.core.management import call_command
    from django.db import connection

    from safeloop.hazards.models import Hazard

    call_command("migrate", interactive=False, verbosity=0)
    if Hazard.objects.count() == total and due_rows().count() == due:
        return {"seeded_now": False, "seed_seconds": 0.0}
    with connection.cursor() as cursor:  # our own database: start over
        cursor.execute(f"TRUNCATE {Hazard._meta.db_table} RESTART IDENTITY CASCADE")
    return {"seeded_now": True, "seed_seconds": round(seed(total, due, now), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--no-full-ladder", action="store_true", help="skip the informational full-ladder run")
    parser.add_argument("--database-url", default=None, help="default: SAFELOOP_BENCH_DATABASE_URL + _sweep")
    args = parser.parse_args()

    url = args.database_url or bench_database_url("_sweep")
    reason = ensure_database(url)
    if reason:
        return skip(BENCH, reason)
    os.environ.setdefault("SAFELOOP_SECRET_KEY", secrets.token_urlsafe(40))
    django_setup(url, tempfile.mkdtemp(prefix="safeloop-bench-sweep-"))
    from django.utils import timezone

    now = timezone.now()
    prepared = prepare(args.hazards, args.due, now)
    warm_up()
    first = sweep(args.due, ((1, 0),), now)
    full = None if args.no_full_ladder else sweep(args.due, None, now)
    problems = first["problems"] + (["full ladder: " + p for p in full["problems"]] if full else [])
    seconds = first["seconds"]
    emit(
        {
            "bench": BENCH,
            "value": round(seconds, 3),
            "unit": "s",
            "floor": FLOOR_SECONDS,
            "ratio": round(FLOOR_SECONDS / seconds, 2),
            "hazards": state(args.due)["hazards"],
            "due": args.due,
            "rows_per_s": round(args.due / seconds),
            "checks": first["checks"],
            "audit_tail_verified": not any(p.startswith("audit chain") for p in first["problems"]),
            "audit_seal_s": first["seal_seconds"],
            "parts_s": first["parts"],
            "full_ladder_s": round(full["seconds"], 3) if full else None,
            "full_ladder_steps": full["steps"] if full else None,
            "full_ladder_parts_s": full["parts"] if full else None,
            **prepared,
        }
    )
    if problems:
        print("checks failed: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0 if seconds <= FLOOR_SECONDS else 2


if __name__ == "__main__":
    sys.exit(main())

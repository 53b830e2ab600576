"""Hazard overview latency (issue 3): `hazards.overview.hazard_overview(actor=<city office>)` over N
seeded hazards on PostgreSQL, against a hand-written SQL query computing the same numbers.

    .venv/bin/python bench/overview.py [--rows N] [--runs R] [--reseed]

The database is `SAFELOOP_BENCH_DATABASE_URL` (default
postgres://safeloop:safeloop@127.0.0.1:5432/safeloop_bench), created when missing, migrated, and seeded
once with COPY (a marker table remembers what was seeded; a re-run with the same --rows and --seed reuses
it). Prints one JSON line per figure (DESIGN.md "Benchmarks"):

    overview_p95          p95 of hazard_overview in ms, floor 100 (ratio = floor / value)
    overview_vs_raw_sql   p95(hazard_overview) ÷ p95(raw SQL), floor 1.2 (ratio = floor / value)

Exits 1 when the two disagree, 2 when a floor is missed, 0 otherwise; prints {"bench", "skipped"} and
exits 0 when PostgreSQL cannot be reached."""

import argparse
import math
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pg import bench_database_url, django_setup, emit, ensure_database, skip

P95_FLOOR_MS = 100.0
RAW_RATIO_FLOOR = 1.2
SEED = 20260301
BENCH_USER = "bench_city_office"
MARKER_TABLE = "bench_overview_marker"

# Ten districts: the real ones under 鹰潭 (3606) plus synthetic ones, with unequal weights.
SYNTHETIC_COUNTIES = [(f"3606{n}", f"合成区{n - 90}") for n in range(91, 98)]
COUNTY_WEIGHTS = (24, 16, 18, 9, 8, 7, 6, 5, 4, 3)
# Status mix: ~92 % closed, ~5 % open (of which ~1 % of all is overdue), the rest invalid / duplicate.
STATUS_WEIGHTS = (
    ("closed", 9200),
    ("invalid", 200),
    ("duplicate", 100),
    ("reported", 100),
    ("confirmed", 80),
    ("rectifying", 200),
    ("submitted", 70),
    ("plan_required", 10),
    ("listed", 10),
    ("governing", 20),
    ("evaluated", 5),
    ("acceptance_pending", 5),
)
MAJOR_ONLY = {"plan_required", "listed", "governing", "evaluated", "acceptance_pending"}
OPEN = {"reported", "confirmed", "rectifying", "submitted"} | MAJOR_ONLY
OVERDUE_SHARE_OF_OPEN = 0.2  # 5 % open × 0.2 ≈ 1 % of all hazards overdue
TIER_WEIGHTS = (30, 30, 25, 15)  # overdue hazards by escalation tier 0..3

TITLES = (
    "消防通道堵塞",
    "燃气管道阀门锈蚀漏气",
    "配电箱线路老化",
    "危化品仓库通风不良",
    "脚手架未设防护网",
    "特种设备未定期检验",
)
DESCRIPTIONS = (
    "巡查发现现场存在安全隐患，已拍照留存，需责任单位限期整改并反馈整改情况。",
    "检查发现应急照明损坏、灭火器过期，安全出口指示标志不亮，需立即整改。",
    "企业自查上报：设备防护装置缺失，操作人员未按规程作业，存在机械伤害风险。",
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
    "closed_at",
    "invalid_reason",
    "escalation_tier",
    "suspended",
    "listing_level",
    "supervising_unit",
    "evaluation_report",
    "resume_application",
    "division_id",
    "sector_id",
)


# ---- seeding ----------------------------------------------------------------------------------------


def ensure_counties() -> list[str]:
    """Ten district codes under 3606: the real ones, then synthetic ones (each with one township)."""
    from safeloop.orgs.models import Division

    real = list(Division.objects.filter(parent_id="360600", level=6).order_by("code").values_list("code", flat=True))
    counties = real[:10]
    for code, name in SYNTHETIC_COUNTIES[: max(0, 10 - len(counties))]:
        Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": 6, "parent_id": "360600", "synthetic": True}
        )
        Division.objects.get_or_create(
            code=code + "001", defaults={"name": f"{name}街道", "level": 9, "parent_id": code, "synthetic": True}
        )
        counties.append(code)
    return counties


def townships_by_county(counties: list[str]) -> dict[str, list[str]]:
    from safeloop.orgs.models import Division

    towns: dict[str, list[str]] = {code: [] for code in counties}
    for code in Division.objects.filter(level=9, parent_id__in=counties).values_list("code", flat=True):
        towns[code[:6]].append(code)
    return {county: codes or [county] for county, codes in towns.items()}


def hazard_rows(rows: int, seed: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """`rows` hazards as tuples in COLUMNS order, reproducible from `seed`. The reference look-ups run
    before the first row is asked for: the rows are consumed inside COPY, when the connection is busy."""
    from safeloop.orgs.models import Sector

    counties = ensure_counties()
    towns = townships_by_county(counties)
    sectors = list(Sector.objects.values_list("code", flat=True))
    return _rows(rows, random.Random(seed), now, counties, towns, sectors)


def _rows(
    rows: int, rng: random.Random, now: datetime, counties: list[str], towns: dict[str, list[str]], sectors: list[str]
) -> Iterator[tuple[Any, ...]]:
    county_weights = COUNTY_WEIGHTS[: len(counties)]
    statuses = [s for s, _ in STATUS_WEIGHTS]
    status_weights = [w for _, w in STATUS_WEIGHTS]
    span = 5 * 365 * 86400
    batch = 10_000
    for start in range(0, rows, batch):
        n = min(batch, rows - start)
        county_pick = rng.choices(counties, county_weights, k=n)
        status_pick = rng.choices(statuses, status_weights, k=n)
        for i in range(n):
            county = county_pick[i]
            status = status_pick[i]
            level = "major" if status in MAJOR_ONLY or rng.random() < 0.02 else "general"
            reported = now - timedelta(seconds=rng.randrange(span))
            is_open = status in OPEN
            overdue = is_open and rng.random() < OVERDUE_SHARE_OF_OPEN
            if overdue:
                due = now - timedelta(days=rng.randint(1, 90))
                tier = rng.choices((0, 1, 2, 3), TIER_WEIGHTS)[0]
            elif status in ("invalid", "duplicate", "reported"):
                due, tier = None, 0
            else:
                due, tier = (now + timedelta(days=rng.randint(1, 60))) if is_open else reported + timedelta(days=30), 0
            closed = status == "closed"
            number = start + i + 1
            yield (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                reported,
                reported,
                f"BENCH-{county}-{number:08d}",
                rng.choice(TITLES),
                rng.choice(DESCRIPTIONS),
                "thing",
                level,
                "",
                "grid_patrol",
                117.0 + rng.random() * 0.3,
                28.2 + rng.random() * 0.2,
                f"鹰潭市某路{number % 997}号",
                county,
                "",
                "",
                "",
                "",
                "已完成整改，经复查合格。" if closed else "",
                "",
                status,
                3 if closed else 1,
                due,
                reported,
                None if status in ("reported", "invalid", "duplicate") else reported + timedelta(days=1),
                reported + timedelta(days=20) if closed else None,
                "",
                tier,
                False,
                "",
                "",
                "",
                "",
                rng.choice(towns[county]),
                rng.choice(sectors),
            )


def seeded_marker(rows: int, seed: int) -> str:
    return f"rows={rows};seed={seed}"


def seed(rows: int, seed_value: int = SEED, *, reseed: bool = False) -> dict[str, Any]:
    """Make the hazard table hold exactly the seeded rows; COPY on PostgreSQL, bulk_create elsewhere."""
    from django.db import connection, transaction

    from safeloop.hazards import tally
    from safeloop.hazards.models import Hazard, HazardTally

    marker = seeded_marker(rows, seed_value)
    now = datetime.now(UTC).replace(microsecond=0)
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (marker text NOT NULL, seeded_at timestamptz NOT NULL)"
            )
            cursor.execute(f"SELECT marker FROM {MARKER_TABLE}")
            found = cursor.fetchone()
        if not reseed and found and found[0] == marker and Hazard.objects.count() == rows:
            ensure_counties()
            if not HazardTally.objects.exists():
                tally.rebuild()
            return {"seeded": False, "seconds": 0.0}
    started = time.perf_counter()
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {MARKER_TABLE}")
                # TRUNCATE is the fast way to start again; CASCADE also empties what refers to hazards
                # (timelines, photos, plans, and the risk register's links and checks).
                cursor.execute(
                    "TRUNCATE hazards_hazardevent, hazards_hazardphoto, hazards_governanceplan, "
                    "hazards_deadlineextension, hazards_idempotencyrecord, hazards_hazard CASCADE"
                )
                # Secondary indexes are built once after the load, not row by row during it.
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'hazards_hazard' AND indexname "
                    "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'hazards_hazard'::regclass)"
                )
                indexes = cursor.fetchall()
                for name, _ in indexes:
                    cursor.execute(f'DROP INDEX "{name}"')
                source = hazard_rows(rows, seed_value, now)
                copy_sql = f"COPY hazards_hazard ({', '.join(COLUMNS)}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in source:
                        copy.write_row(row)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the foreign keys now, then index
                for _, definition in indexes:
                    cursor.execute(definition)
                cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s, now())", [marker])
        else:
            Hazard.objects.all().delete()
            batch = [Hazard(**dict(zip(COLUMNS, row, strict=True))) for row in hazard_rows(rows, seed_value, now)]
            Hazard.objects.bulk_create(batch, batch_size=500)
    # The rows were copied in behind the services' back: count the final ones into the tally.
    tally_started = time.perf_counter()
    tally.rebuild()
    tally_seconds = time.perf_counter() - tally_started
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE hazards_hazard")
            cursor.execute("VACUUM ANALYZE hazards_hazardtally")
    return {
        "seeded": True,
        "seconds": round(time.perf_counter() - started, 1),
        "tally_rebuild_s": round(tally_seconds, 1),
    }


def bench_actor() -> Any:
    """A city-office officer of 鹰潭 (360600): sees every hazard in the city."""
    from safeloop.accounts import services
    from safeloop.accounts.choices import Role
    from safeloop.accounts.models import User
    from safeloop.core.actors import DEMO
    from safeloop.orgs.models import Division

    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user = services.user_create(
            actor=DEMO, username=BENCH_USER, password=uuid.uuid4().hex + "Aa1!", real_name="基准测试"
        )
    if not user.memberships.exists():
        services.membership_add(
            actor=DEMO, user=user, role=Role.CITY_OFFICE, division=Division.objects.get(code="360600")
        )
    return user


# ---- the two ways of computing the numbers ----------------------------------------------------------

# The full scan: used once per run to check that open-live + tally give the true numbers.
FULL_SCAN_SQL = """
SELECT county_code, sector_id, status, level, escalation_tier, count(*), count(*) FILTER (WHERE due_at < %s)
  FROM hazards_hazard
 WHERE division_id LIKE %s OR reported_by_id = %s
 GROUP BY county_code, sector_id, status, level, escalation_tier
"""
# What the overview does, by hand: open hazards live, final ones from the tally, and the caller's own
# final reports outside its territory.
OPEN_SQL = """
SELECT county_code, sector_id, status, level, escalation_tier, count(*), count(*) FILTER (WHERE due_at < %s)
  FROM hazards_hazard
 WHERE status IN ({open}) AND (division_id LIKE %s OR reported_by_id = %s)
 GROUP BY county_code, sector_id, status, level, escalation_tier
"""
TALLY_SQL = """
SELECT county_code, sector_id, status, level, 0, sum(count), 0
  FROM hazards_hazardtally
 WHERE count > 0 AND township_code LIKE %s
 GROUP BY county_code, sector_id, status, level
"""
OWN_SQL = """
SELECT county_code, sector_id, status, level, escalation_tier, count(*), count(*) FILTER (WHERE due_at < %s)
  FROM hazards_hazard
 WHERE reported_by_id = %s AND status IN ({final}) AND NOT division_id LIKE %s
 GROUP BY county_code, sector_id, status, level, escalation_tier
"""


def _summary(rows: list[Any], now: datetime) -> Any:
    from safeloop.hazards import overview

    groups = [
        overview.Group(county_code=r[0], sector=r[1], status=r[2], level=r[3], tier=r[4], count=r[5], past_due=r[6])
        for r in rows
    ]
    return overview.summarise(groups, now=now)


def raw_overview(actor: Any, now: datetime) -> Any:
    """The same figures from hand-written SQL, by the overview's own plan, summed by `summarise`."""
    from django.db import connection

    from safeloop.core.scoping import forget_scope, scope_for
    from safeloop.hazards.choices import FINAL_STATUSES, OPEN_STATUSES

    forget_scope(actor)  # the hand-written path, too, must first learn the caller's territory
    (prefix,) = scope_for(actor).division_prefixes
    rows: list[Any] = []
    with connection.cursor() as cursor:
        open_sql = OPEN_SQL.format(open=", ".join(["%s"] * len(OPEN_STATUSES)))
        cursor.execute(open_sql, [now, *OPEN_STATUSES, prefix + "%", actor.pk])
        rows += cursor.fetchall()
        cursor.execute(TALLY_SQL, [prefix + "%"])
        rows += cursor.fetchall()
        own_sql = OWN_SQL.format(final=", ".join(["%s"] * len(FINAL_STATUSES)))
        cursor.execute(own_sql, [now, actor.pk, *sorted(FINAL_STATUSES), prefix + "%"])
        rows += cursor.fetchall()
    return _summary(rows, now)


def full_scan_overview(actor: Any, now: datetime) -> Any:
    from django.db import connection

    from safeloop.core.scoping import scope_for

    (prefix,) = scope_for(actor).division_prefixes
    with connection.cursor() as cursor:
        cursor.execute(FULL_SCAN_SQL, [now, prefix + "%", actor.pk])
        return _summary(cursor.fetchall(), now)


def orm_overview(actor: Any, now: datetime) -> Any:
    from safeloop.core.scoping import forget_scope
    from safeloop.hazards.overview import hazard_overview

    forget_scope(actor)  # as in a request: the caller's scope is worked out each time
    return hazard_overview(actor=actor, now=now)


def timings(fn: Callable[[], Any], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def run(rows: int, runs: int, warmup: int = 3, *, reseed: bool = False) -> tuple[list[dict[str, Any]], bool]:
    """Seed, measure, compare. Returns the JSON lines and whether the two computations agree."""
    seeded = seed(rows, reseed=reseed)
    actor = bench_actor()
    now = datetime.now(UTC)
    orm = orm_overview(actor, now).numbers()
    raw = raw_overview(actor, now).numbers()
    agree = orm == raw == full_scan_overview(actor, now).numbers() and orm["total"] == rows
    # Interleaved, so a slow moment of the machine does not land on one side only.
    orm_ms: list[float] = []
    raw_ms: list[float] = []
    for _ in range(warmup):
        orm_overview(actor, now)
        raw_overview(actor, now)
    for _ in range(runs):
        orm_ms += timings(lambda: orm_overview(actor, now), 1, 0)
        raw_ms += timings(lambda: raw_overview(actor, now), 1, 0)
    p95, p50 = percentile(orm_ms, 0.95), percentile(orm_ms, 0.5)
    raw_p95, raw_p50 = percentile(raw_ms, 0.95), percentile(raw_ms, 0.5)
    vs_raw = p95 / raw_p95
    common = {"rows": rows, "runs": runs, "agree": agree, **seeded}
    lines = [
        {
            "bench": "overview_p95",
            "value": round(p95, 1),
            "unit": "ms",
            "floor": P95_FLOOR_MS,
            "ratio": round(P95_FLOOR_MS / p95, 2),
            "p50": round(p50, 1),
            "raw_sql_p95": round(raw_p95, 1),
            "raw_sql_p50": round(raw_p50, 1),
            "open": orm["open"],
            "overdue": orm["overdue"],
            **common,
        },
        {
            "bench": "overview_vs_raw_sql",
            "value": round(vs_raw, 2),
            "unit": "x",
            "floor": RAW_RATIO_FLOOR,
            "ratio": round(RAW_RATIO_FLOOR / vs_raw, 2),
            "p95_ms": round(p95, 1),
            "raw_sql_p95_ms": round(raw_p95, 1),
            **common,
        },
    ]
    return lines, agree


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reseed", action="store_true", help="seed again even if the marker matches")
    args = parser.parse_args()

    url = bench_database_url()
    why = ensure_database(url)
    if why:
        for name in ("overview_p95", "overview_vs_raw_sql"):
            skip(name, why)
        return 0
    django_setup(url, tempfile.mkdtemp(prefix="safeloop-bench-overview-"))
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    lines, agree = run(args.rows, args.runs, reseed=args.reseed)
    for line in lines:
        emit(line)
    if not agree:
        print("hazard_overview and the raw SQL disagree (or the count is not the seeded count)", file=sys.stderr)
        return 1
    missed = [line["bench"] for line in lines if line["ratio"] < 1]
    return 2 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

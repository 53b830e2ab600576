"""四色图 reads at city scale (issue 4): `risks.maps.level_summary` and `risks.maps.point_features` over
`risks.selectors.risk_point_list(actor=<city office>)` with N seeded risk points on PostgreSQL, checked
against a hand-written SQL GROUP BY.

    .venv/bin/python bench/risk_map.py [--rows N] [--runs R] [--reseed]

Uses its own database (`SAFELOOP_BENCH_DATABASE_URL`'s name + `_risks`), created when missing, migrated,
given the demo city (districts, townships, villages, grids, enterprises) and seeded once with COPY: N risk
points (default 150,000 ≈ 50k sites × 3) over the villages, denser where the enterprises are, about
5/15/35/45 % major/significant/general/low, a few not yet assessed, a few inactive, most inside a grid.
A marker table remembers what was seeded; a re-run with the same --rows and seed reuses it. Prints one
JSON line per figure (DESIGN.md "Benchmarks"):

    risk_map_summary_p95   p95 of level_summary(…, 6) + summary_total city-wide by district in ms, floor
                           150 (ratio = floor / value); the township depth of the busiest district (the
                           page's drill-down, through the register's FilterSet) rides along as township_*
    risk_map_features_p95  p95 of point_features(…) (5,000 highest-level points) + json.dumps in ms,
                           floor 400

Each line also names the scan of the table in the plan of the query the read sent (`scan`): the 四色图's
indexes (risks migration 0004) lost to a change of expression would show up there first.

Exits 1 when the summaries disagree with the SQL (or the features are not the highest-level points), 2
when a floor is missed, 0 otherwise; prints {"bench", "skipped"} and exits 0 when PostgreSQL cannot be
reached."""

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pg import bench_database_url, django_setup, emit, ensure_database, skip
from overview import bench_actor, percentile

SUMMARY_BENCH = "risk_map_summary_p95"
FEATURES_BENCH = "risk_map_features_p95"
SUMMARY_FLOOR_MS = 150.0
FEATURES_FLOOR_MS = 400.0
SEED = 20260401
MARKER_TABLE = "bench_risk_map_marker"
CITY = "3606"

LEVELS = ("major", "significant", "general", "low")
LEVEL_WEIGHTS = (5, 15, 35, 45)
UNASSESSED_SHARE = 0.03
INACTIVE_SHARE = 0.02
RAISED_SHARE = 0.01  # assessed points raised one level by an open hazard found there
GRID_SHARE = 0.8  # points placed in one of their village's grids
AREA_SHARE = 0.1  # points drawn as an area (a polygon) rather than a position
# LEC scores (D = L × E × C) inside each level's band, DOMAIN.md §4.2.
SCORES = {"major": (320, 1000), "significant": (160, 320), "general": (70, 160), "low": (1, 70)}
GOVERNMENT_CONTROL = {"major": "county", "significant": "township", "general": "village", "low": "grid"}
KINDS = ("facility", "part", "place", "area", "activity")
NAMES = (
    ("液氨储罐区", "中毒和窒息、火灾、爆炸"),
    ("燃气调压箱", "火灾、爆炸"),
    ("高低压配电室", "触电、火灾"),
    ("污水处理池（有限空间）", "中毒和窒息、淹溺"),
    ("喷漆车间", "火灾、爆炸、中毒和窒息"),
    ("铝镁粉尘打磨作业区", "粉尘爆炸"),
    ("锅炉房", "锅炉爆炸、灼烫"),
    ("桥式起重机作业", "起重伤害、物体打击"),
    ("危化品仓库", "火灾、爆炸、中毒和窒息"),
    ("农贸市场人员密集区", "火灾、踩踏"),
    ("学校食堂燃气灶具", "火灾、爆炸、灼烫"),
    ("临水临崖景区步道", "高处坠落、淹溺"),
)
DESCRIPTION = "按《风险分级管控和隐患排查治理双重预防机制》辨识，落实分级管控责任和管控措施，定期排查。"

COLUMNS = (
    "uuid",
    "created_at",
    "updated_at",
    "code",
    "name",
    "kind",
    "sector_id",
    "description",
    "accident_types",
    "lon",
    "lat",
    "polygon",
    "address",
    "division_id",
    "grid_id",
    "responsible",
    "method",
    "inherent_score",
    "inherent_level",
    "residual_score",
    "residual_level",
    "assessed_level",
    "override_reason",
    "current_level",
    "raised_reason",
    "control_level",
    "last_assessed_at",
    "next_review_at",
    "reassess_reason",
    "active",
    "version",
)


# ---- seeding ----------------------------------------------------------------------------------------


def prepare_database() -> dict[str, Any]:
    """Migrated, with the demo city (its villages and grids are where the points go)."""
    from django.core.management import call_command

    from safeloop.orgs.demo.city import demo_loaded, load_demo

    call_command("migrate", interactive=False, verbosity=0)
    if demo_loaded():
        return {"demo_loaded_now": False}
    started = time.perf_counter()
    load_demo(scale="city")
    return {"demo_loaded_now": True, "demo_seconds": round(time.perf_counter() - started, 1)}


class Place:
    """Where points go: a village (or, without villages, a township), its grids and its extent."""

    def __init__(self, code: str, weight: int, grids: list[tuple[str, tuple[float, float, float, float]]]) -> None:
        self.code = code
        self.weight = weight
        self.grids = grids
        if grids:
            boxes = [box for _, box in grids]
            self.box = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
        else:
            self.box = (116.9, 28.1, 117.3, 28.4)


def places() -> list[Place]:
    """The city's villages (the townships when it has none), weighted by the enterprises in them: most
    risk points belong to enterprise sites."""
    from safeloop.orgs.models import Division, Enterprise, Grid

    codes = list(
        Division.objects.filter(level=12, code__startswith=CITY).order_by("code").values_list("code", flat=True)
    )
    if not codes:
        codes = list(
            Division.objects.filter(level=9, code__startswith=CITY).order_by("code").values_list("code", flat=True)
        )
    firms = Counter(Enterprise.objects.filter(division_id__in=codes).values_list("division_id", flat=True))
    grids: dict[str, list[tuple[str, tuple[float, float, float, float]]]] = {code: [] for code in codes}
    for code, village, *box in Grid.objects.order_by("code").values_list(
        "code", "village_id", "min_lon", "min_lat", "max_lon", "max_lat"
    ):
        if village in grids:
            grids[village].append((code, (box[0], box[1], box[2], box[3])))
    return [Place(code, 1 + firms[code], grids[code]) for code in codes]


def point_rows(rows: int, seed: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """`rows` risk points as tuples in COLUMNS order, reproducible from `seed`. The reference look-ups run
    before the first row is asked for: the rows are consumed inside COPY, when the connection is busy."""
    from safeloop.orgs.models import Sector

    where = places()
    sectors = list(Sector.objects.order_by("code").values_list("code", flat=True))
    if not where or not sectors:
        raise RuntimeError("no villages, townships or sectors under 3606 to seed risk points into")
    return _rows(rows, random.Random(seed), now, where, sectors)


def _square(lon: float, lat: float, half: float) -> dict[str, Any]:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _rows(
    rows: int, rng: random.Random, now: datetime, where: list[Place], sectors: list[str]
) -> Iterator[tuple[Any, ...]]:
    weights = [place.weight for place in where]
    batch = 10_000
    for start in range(0, rows, batch):
        n = min(batch, rows - start)
        place_pick = rng.choices(where, weights, k=n)
        level_pick = rng.choices(LEVELS, LEVEL_WEIGHTS, k=n)
        for i in range(n):
            number = start + i + 1
            place = place_pick[i]
            grid: str | None = None
            box = place.box
            if place.grids and rng.random() < GRID_SHARE:
                grid, box = rng.choice(place.grids)
            lon = round(rng.uniform(box[0], box[2]), 6)
            lat = round(rng.uniform(box[1], box[3]), 6)
            kind = "area" if rng.random() < AREA_SHARE else rng.choice(KINDS[:3] + KINDS[4:])
            name, accidents = rng.choice(NAMES)
            created = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
            if rng.random() < UNASSESSED_SHARE:
                method, score, level, current, raised, control = "", None, "", "", "", ""
                assessed_at, review, reassess = None, None, ""
            else:
                level = level_pick[i]
                low, high = SCORES[level]
                method, score = "lec", Decimal(rng.randrange(low * 100, high * 100)) / 100
                current, raised = level, ""
                if level != "major" and rng.random() < RAISED_SHARE:
                    current, raised = LEVELS[LEVELS.index(level) - 1], "存在未整改的隐患"
                control = GOVERNMENT_CONTROL[level]
                assessed_at = created + timedelta(days=rng.randrange(1, 30))
                review = (assessed_at + timedelta(days=365)).date()
                reassess = "review_cycle" if review < now.date() else ""
            yield (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                created,
                assessed_at or created,
                f"RP-BENCH-{number:08d}",
                name,
                kind,
                rng.choice(sectors),
                DESCRIPTION,
                accidents,
                lon,
                lat,
                _square(lon, lat, 0.0005) if kind == "area" else None,
                f"鹰潭市某路{number % 997}号",
                place.code,
                grid,
                [],
                method,
                score,
                level,
                None,
                "",
                level,
                "",
                current,
                raised,
                control,
                assessed_at,
                review,
                reassess,
                rng.random() >= INACTIVE_SHARE,
                1 if method else 0,
            )


def seeded_marker(rows: int, seed: int) -> str:
    return f"rows={rows};seed={seed}"


def _copy_value(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def seed(rows: int, seed_value: int = SEED, *, reseed: bool = False) -> dict[str, Any]:
    """Make the risk point table hold exactly the seeded rows; COPY on PostgreSQL, bulk_create elsewhere."""
    from django.db import connection, transaction

    from safeloop.risks.models import RiskPoint

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
        if not reseed and found and found[0] == marker and RiskPoint.objects.count() == rows:
            return {"seeded": False, "seconds": 0.0}
    started = time.perf_counter()
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {MARKER_TABLE}")
                # Assessments, measures, checks and hazard links of earlier points go with them.
                cursor.execute("TRUNCATE risks_riskpoint CASCADE")
                # Secondary indexes are built once after the load, not row by row during it.
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'risks_riskpoint' AND indexname "
                    "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'risks_riskpoint'::regclass)"
                )
                indexes = cursor.fetchall()
                for name, _ in indexes:
                    cursor.execute(f'DROP INDEX "{name}"')
                source = point_rows(rows, seed_value, now)
                with cursor.cursor.copy(f"COPY risks_riskpoint ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in source:
                        copy.write_row([_copy_value(value) for value in row])
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the foreign keys now, then index
                for _, definition in indexes:
                    cursor.execute(definition)
                cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s, now())", [marker])
        else:
            RiskPoint.objects.all().delete()
            batch = [RiskPoint(**dict(zip(COLUMNS, row, strict=True))) for row in point_rows(rows, seed_value, now)]
            RiskPoint.objects.bulk_create(batch, batch_size=500)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE risks_riskpoint")
    return {"seeded": True, "seconds": round(time.perf_counter() - started, 1)}


# ---- the reads, and the same numbers by hand ---------------------------------------------------------


def summary(actor: Any, division: str = "") -> Any:
    """What the map's summary does for a request: the caller's points (through the register's FilterSet
    when a division is chosen), grouped one level below, and their total."""
    from safeloop.core.scoping import forget_scope
    from safeloop.orgs.depths import next_depth
    from safeloop.risks import maps, selectors
    from safeloop.risks.filters import RiskPointFilterSet

    forget_scope(actor)  # as in a request: the caller's scope is worked out each time
    queryset = selectors.risk_point_list(actor=actor)
    if division:
        queryset = RiskPointFilterSet({"division": division}, queryset=queryset).qs
    rows = maps.level_summary(queryset, next_depth(division or CITY + "00"))
    return rows, maps.summary_total(rows)


def features(actor: Any) -> str:
    """What the map's data endpoint sends: the highest-level points as GeoJSON, serialised."""
    from safeloop.core.scoping import forget_scope
    from safeloop.risks import maps, selectors

    forget_scope(actor)
    return json.dumps(maps.point_features(selectors.risk_point_list(actor=actor)))


GROUP_SQL = """
SELECT substr(division_id, 1, {depth:d}), current_level, count(*)
  FROM risks_riskpoint
 WHERE active AND division_id LIKE %s
 GROUP BY 1, 2
"""


def raw_counts(prefix: str, depth: int) -> dict[tuple[str, str], int]:
    """Points per (division at `depth`, current level) under `prefix`, by hand ("" = not assessed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(GROUP_SQL.format(depth=depth), [prefix + "%"])
        return {(unit, level): count for unit, level, count in cursor.fetchall()}


def summary_counts(rows: list[Any]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for row in rows:
        for level, count in [*row.counts.items(), ("", row.unassessed)]:
            if count:
                out[(row.code, level)] = count
    return out


def scans(actor: Any) -> dict[str, str]:
    """How PostgreSQL reads the risk point table for each of the two reads: the scan in the plan of the
    very query each one sent (an index lost to a change of expression shows up here)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        return {}
    out = {}
    for name, read in (("summary", lambda: summary(actor)), ("features", lambda: features(actor))):
        with CaptureQueriesContext(connection) as captured:
            read()
        sql = next(q["sql"] for q in captured.captured_queries if 'FROM "risks_riskpoint"' in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            plan = [line for (line,) in cursor.fetchall()]
        out[name] = next((line.strip(" ->").split("  (")[0] for line in plan if " on risks_riskpoint" in line), "")
    return out


def check(actor: Any) -> dict[str, Any]:
    """Once per run: the summaries against the hand-written GROUP BY, city-wide by district and by
    township in the busiest district; the features are the highest-level points, capped."""
    from django.db import connection

    from safeloop.risks import maps

    rows, total = summary(actor)
    raw = raw_counts(CITY, 6)
    active = sum(raw.values())
    by_district = Counter[str]()
    for (district, _), count in raw.items():
        by_district[district] += count
    busiest = by_district.most_common(1)[0][0] if by_district else CITY + "02"
    town_rows, town_total = summary(actor, busiest)
    town_raw = raw_counts(busiest, 9)
    data = json.loads(features(actor))
    levels = [feature["properties"]["level"] for feature in data["features"]]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM risks_riskpoint WHERE active AND current_level = 'major' AND division_id LIKE %s",
            [CITY + "%"],
        )
        (majors,) = cursor.fetchone()
    ranks = [LEVELS.index(level) if level in LEVELS else len(LEVELS) for level in levels]
    problems = []
    if summary_counts(rows) != raw or total.total != active:
        problems.append("district summary ≠ SQL")
    if summary_counts(town_rows) != town_raw or town_total.total != by_district[busiest]:
        problems.append(f"township summary of {busiest} ≠ SQL")
    if len(levels) != min(active, maps.MAP_LIMIT) or data["truncated"] != (active > maps.MAP_LIMIT):
        problems.append("feature count or truncated flag wrong")
    if ranks != sorted(ranks) or levels.count("major") != min(majors, maps.MAP_LIMIT):
        problems.append("features are not the highest-level points first")
    return {
        "agree": not problems,
        "problems": problems,
        "active": active,
        "districts": len(rows),
        "busiest": busiest,
        "townships": len(town_rows),
        "counts": {**{level: total.counts.get(level, 0) for level in LEVELS}, "unassessed": total.unassessed},
        "features": len(levels),
        "truncated": data["truncated"],
        "scans": scans(actor),
    }


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def run(rows: int, runs: int, warmup: int = 3, *, reseed: bool = False) -> tuple[list[dict[str, Any]], bool]:
    """Seed, check once, measure. Returns the JSON lines and whether the reads agree with the SQL."""
    seeded = seed(rows, reseed=reseed)
    actor = bench_actor()
    checked = check(actor)
    busiest = checked["busiest"]
    json_bytes = len(features(actor).encode())
    readers: dict[str, Callable[[], Any]] = {
        "district": lambda: summary(actor),
        "township": lambda: summary(actor, busiest),
        "raw_sql": lambda: raw_counts(CITY, 6),
        "features": lambda: features(actor),
    }
    ms: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(warmup):
        for fn in readers.values():
            fn()
    # Interleaved, so a slow moment of the machine does not land on one figure only.
    for _ in range(runs):
        for name, fn in readers.items():
            ms[name].append(timed(fn))
    p95 = {name: percentile(values, 0.95) for name, values in ms.items()}
    p50 = {name: percentile(values, 0.5) for name, values in ms.items()}
    common = {"rows": rows, "active": checked["active"], "runs": runs, "agree": checked["agree"], **seeded}
    lines = [
        {
            "bench": SUMMARY_BENCH,
            "value": round(p95["district"], 1),
            "unit": "ms",
            "floor": SUMMARY_FLOOR_MS,
            "ratio": round(SUMMARY_FLOOR_MS / p95["district"], 2),
            "p50": round(p50["district"], 1),
            "districts": checked["districts"],
            "township_p95": round(p95["township"], 1),
            "township_p50": round(p50["township"], 1),
            "township_of": busiest,
            "townships": checked["townships"],
            "raw_sql_p95": round(p95["raw_sql"], 1),
            "counts": checked["counts"],
            "scan": checked["scans"].get("summary", ""),
            **common,
        },
        {
            "bench": FEATURES_BENCH,
            "value": round(p95["features"], 1),
            "unit": "ms",
            "floor": FEATURES_FLOOR_MS,
            "ratio": round(FEATURES_FLOOR_MS / p95["features"], 2),
            "p50": round(p50["features"], 1),
            "features": checked["features"],
            "truncated": checked["truncated"],
            "json_kb": round(json_bytes / 1024),
            "scan": checked["scans"].get("features", ""),
            **common,
        },
    ]
    if checked["problems"]:
        print("; ".join(checked["problems"]), file=sys.stderr)
    return lines, checked["agree"]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reseed", action="store_true", help="seed again even if the marker matches")
    args = parser.parse_args()

    url = bench_database_url("_risks")
    why = ensure_database(url)
    if why:
        for name in (SUMMARY_BENCH, FEATURES_BENCH):
            skip(name, why)
        return 0
    django_setup(url, tempfile.mkdtemp(prefix="safeloop-bench-risks-"))
    prepared = prepare_database()
    lines, agree = run(args.rows, args.runs, reseed=args.reseed)
    for line in lines:
        emit({**line, **prepared})
    if not agree:
        print("the 四色图 reads and the hand-written SQL disagree", file=sys.stderr)
        return 1
    missed = [line["bench"] for line in lines if line["ratio"] < 1]
    return 2 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

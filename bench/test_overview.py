"""The overview benchmark keeps working and keeps checking itself: its code path on a small data set in
the test database (SQLite, or PostgreSQL with COPY in CI), and its skip line when PostgreSQL is away.
The figures are not asserted here; `make bench` reports them at 1M hazards."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import overview as bench

SCRIPT = Path(__file__).with_name("overview.py")


# Transactional: on PostgreSQL the seeding ends with VACUUM, which cannot run inside a transaction.
@pytest.mark.django_db(transaction=True)
def test_the_overview_benchmark_seeds_measures_and_agrees_with_its_raw_sql():
    from safeloop.hazards.models import Hazard

    lines, agree = bench.run(2_000, runs=3, warmup=1, reseed=True)
    assert agree
    assert Hazard.objects.count() == 2_000
    assert Hazard.objects.values("county_code").distinct().count() == 10
    by_name = {line["bench"]: line for line in lines}
    assert set(by_name) == {"overview_p95", "overview_vs_raw_sql"}
    p95 = by_name["overview_p95"]
    assert p95["unit"] == "ms" and p95["floor"] == 100 and p95["value"] > 0
    assert p95["ratio"] == pytest.approx(100 / p95["value"], rel=0.02)
    assert 0 < p95["open"] < 2_000 * 0.1 and 0 < p95["overdue"] < p95["open"]
    vs_raw = by_name["overview_vs_raw_sql"]
    assert vs_raw["unit"] == "x" and vs_raw["floor"] == 1.2 and vs_raw["value"] > 0


def test_without_postgresql_it_says_skipped_and_succeeds():
    env = {**os.environ, "SAFELOOP_BENCH_DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.strip().splitlines()]
    assert {line["bench"] for line in lines} == {"overview_p95", "overview_vs_raw_sql"}
    assert all("unusable" in line["skipped"] for line in lines)

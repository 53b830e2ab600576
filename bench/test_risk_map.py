"""The 四色图 benchmark keeps working and keeps checking itself: its code path on a small data set in the
test database (SQLite, or PostgreSQL with COPY in CI), and its skip line when PostgreSQL is away. The
figures are not asserted here; `make bench` reports them at 150k risk points."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.models import F

from bench import risk_map as bench

SCRIPT = Path(__file__).with_name("risk_map.py")


# Transactional: on PostgreSQL the seeding ends with VACUUM, which cannot run inside a transaction.
@pytest.mark.django_db(transaction=True)
def test_the_risk_map_benchmark_seeds_measures_and_agrees_with_its_sql(city):
    from safeloop.risks.models import RiskPoint

    lines, agree = bench.run(2_000, runs=3, warmup=1, reseed=True)
    assert agree
    assert RiskPoint.objects.count() == 2_000
    villages = set(RiskPoint.objects.values_list("division_id", flat=True))
    assert villages == set(city.grids)  # every village of the test city, and only villages
    assert 0 < RiskPoint.objects.filter(grid__isnull=False).count() < 2_000
    by_name = {line["bench"]: line for line in lines}
    assert set(by_name) == {"risk_map_summary_p95", "risk_map_features_p95"}

    summary = by_name["risk_map_summary_p95"]
    assert summary["unit"] == "ms" and summary["floor"] == 150 and summary["value"] > 0
    assert summary["ratio"] == pytest.approx(150 / summary["value"], rel=0.02)
    assert summary["districts"] == 2 and summary["township_of"] == "360602" and summary["townships"] == 2
    assert summary["township_p95"] > 0 and summary["raw_sql_p95"] > 0
    counts = summary["counts"]
    active = RiskPoint.objects.filter(active=True).count()
    assert summary["active"] == active == sum(counts.values())
    # The level mix is about 5/15/35/45 % with a few not assessed.
    assert counts["major"] < counts["significant"] < counts["general"] < counts["low"]
    assert 0 < counts["unassessed"] < active * 0.1

    features = by_name["risk_map_features_p95"]
    assert features["unit"] == "ms" and features["floor"] == 400 and features["value"] > 0
    assert features["ratio"] == pytest.approx(400 / features["value"], rel=0.02)
    assert features["features"] == active and features["truncated"] is False and features["json_kb"] > 0


@pytest.mark.django_db(transaction=True)
def test_the_check_notices_when_the_summary_is_wrong(city, monkeypatch):
    bench.seed(300, reseed=True)
    actor = bench.bench_actor()
    assert bench.check(actor)["agree"]
    real = bench.summary_counts
    monkeypatch.setattr(bench, "summary_counts", lambda rows: {**real(rows), ("360602", "major"): 10**6})
    checked = bench.check(actor)
    assert not checked["agree"] and "district summary ≠ SQL" in checked["problems"]


def test_the_map_order_index_repeats_the_expression_the_map_sorts_by():
    # PostgreSQL uses an expression index only for the very same expression: if maps.level_rank()
    # changes, the index must change with it, or the features read sorts the whole scope again.
    from safeloop.risks import maps
    from safeloop.risks.models import RiskPoint

    (index,) = [index for index in RiskPoint._meta.indexes if index.name == "risk_point_map_order"]
    assert index.expressions[0] == maps.level_rank()
    assert index.expressions[1:] == (F("code"),)


def test_without_postgresql_it_says_skipped_and_succeeds():
    env = {**os.environ, "SAFELOOP_BENCH_DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.strip().splitlines()]
    assert {line["bench"] for line in lines} == {"risk_map_summary_p95", "risk_map_features_p95"}
    assert all("unusable" in line["skipped"] for line in lines)

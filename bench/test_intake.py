"""The intake benchmark's own code keeps working on tiny data (the figures are not asserted): points
inside grids, a token from the real endpoint, the load generator against a live server (3 clients,
one second, every response a 201) and the in-process profile."""

import argparse
import io
from contextlib import redirect_stderr
from urllib.parse import urlsplit

import pytest

from bench import intake as bench


@pytest.fixture
def small_city(city, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    return city


def test_points_fall_inside_the_grids(small_city):
    from safeloop.hazards.routing import locate

    points = bench.points_in_grids(30, seed=7)
    assert len(points) == 30
    assert all(locate(lon, lat) is not None for lon, lat in points)


@pytest.mark.django_db(transaction=True)
def test_the_load_generator_posts_distinct_hazards_and_the_profile_runs(small_city, live_server, tmp_path):
    import json

    from safeloop.hazards.models import Hazard

    port = urlsplit(live_server.url).port
    token = bench.issue_token(port, "grid1")
    points = tmp_path / "points.json"
    points.write_text(json.dumps(bench.points_in_grids(200, seed=3)))
    args = argparse.Namespace(clients=3, seconds=1.0, warmup=0.2)

    health = bench.run_load(port, "/healthz", args)
    assert health["requests"] > 0 and health["failures"] == 0 and health["statuses"] == {"200": health["requests"]}

    result = bench.run_load(port, "/api/v1/hazards", args, token=token, hazards=str(points), expect="201", run="t")
    assert result["failures"] == 0, result["first_bad"]
    assert result["requests"] > 0 and result["statuses"] == {"201": result["requests"]}
    assert 0 < result["p50_ms"] <= result["p99_ms"]
    titles = list(Hazard.objects.filter(title__startswith="压测隐患 t-").values_list("title", flat=True))
    assert len(titles) >= result["requests"] and len(set(titles)) == len(titles)

    report = io.StringIO()
    with redirect_stderr(report):
        bench.profile(token, 3, seed=5)
    text = report.getvalue()
    assert "queries for one create" in text and "audit.record" in text

"""Hazard intake over HTTP (issue 3): 32 concurrent clients POST /api/v1/hazards to the real server
(gunicorn, the workers × threads `safeloop serve` starts, persistent database connections, DEBUG off)
on PostgreSQL, each request a different gas or fire hazard at a random point inside a random grid of
the demo city, as the demo grid worker `grid1` with a token from the real `POST /api/v1/auth/token`.
The same clients first measure /healthz on the same server; the floor is a share of that rate.

    .venv/bin/python bench/intake.py [--seconds 10] [--clients 32] [--profile 200]

Uses its own database (`SAFELOOP_BENCH_DATABASE_URL`'s name + `_intake`, created, migrated and loaded
with the demo city when empty); hazards accumulate there from run to run. Prints two JSON lines
(DESIGN.md "Benchmarks") and exits non-zero when any response is not 201 (1) or a floor is missed
(2). With `--profile N` (default 200) it then profiles N creates in-process through Django's test
client and writes where the time goes to stderr: queries per create, SQL time, and the cumulative
time of each step (auth, validation, routing, numbering, audit, notification, commit, response)."""

import argparse
import cProfile
import json
import os
import pstats
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pg import ROOT, bench_database_url, django_setup, emit, ensure_database, skip

BENCH = "intake_vs_healthz"
RATIO_FLOOR = 0.40  # intake req/s ÷ /healthz req/s on the same server (issue 3)
P99_FLOOR_MS = 150.0
PASSWORD = "SafeLoop-2026!"  # the demo logins' password (README)
LOADGEN = Path(__file__).with_name("_loadgen.py")


# ---- the database and the points --------------------------------------------------------------------


def prepare_database() -> dict[str, Any]:
    from django.core.management import call_command

    from safeloop.hazards.models import Hazard
    from safeloop.orgs.demo.city import demo_loaded, load_demo

    call_command("migrate", interactive=False, verbosity=0)
    loaded = False
    if not demo_loaded():
        load_demo(scale="city")
        loaded = True
    return {"demo_loaded_now": loaded, "hazards_before": Hazard.objects.count()}


def points_in_grids(count: int, seed: int) -> list[list[float]]:
    """`count` random points, each inside a random grid (a random grid, then a uniform point in its
    polygon), checked with the same index the intake routes with."""
    from shapely.geometry import Point, shape
    from shapely.prepared import prep

    from safeloop.orgs.models import Grid
    from safeloop.orgs.selectors import grid_index

    grids = [(code, shape(geometry)) for code, geometry in Grid.objects.values_list("code", "geometry")]
    prepared = [(code, polygon, prep(polygon)) for code, polygon in grids]
    index = grid_index()
    rng = random.Random(seed)
    out: list[list[float]] = []
    while len(out) < count:
        _code, polygon, fast = rng.choice(prepared)
        minx, miny, maxx, maxy = polygon.bounds
        for _ in range(100):
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if fast.contains(Point(lon, lat)) and index.locate(lon, lat) is not None:
                out.append([round(lon, 6), round(lat, 6)])
                break
    return out


# ---- the server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, workers: int, threads: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # The command `safeloop serve` runs for the web (safeloop/core/management/commands/serve.py),
    # without the access log (it would cost both rates a little; the ratio is the figure).
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "safeloop.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def issue_token(port: int, username: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response)["token"])


# ---- where the machine's time goes while the load runs -------------------------------------------


def _cpu_ticks() -> dict[str, int]:
    """CPU ticks so far of gunicorn, PostgreSQL and the load generator processes, plus the total."""
    out: Counter[str] = Counter()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        if "gunicorn" in cmdline:
            out["gunicorn"] += ticks
        elif "_loadgen.py" in cmdline:
            out["loadgen"] += ticks
        elif cmdline.startswith("postgres") or "postgres:" in cmdline:
            out["postgres"] += ticks
    return dict(out)


class Sampler:
    """During the measured window: CPU per process group, and what PostgreSQL backends of this
    database wait on (sampled every 20 ms from pg_stat_activity)."""

    def __init__(self, url: str, warmup: float, seconds: float) -> None:
        self.url, self.warmup, self.seconds = url, warmup, seconds
        self.waits: Counter[str] = Counter()
        self.lock_queries: Counter[str] = Counter()
        self.samples = 0
        self.cpu: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self) -> None:
        self.thread.join()

    def _run(self) -> None:
        import psycopg

        time.sleep(self.warmup)
        start, started = _cpu_ticks(), time.monotonic()
        end_at = started + self.seconds
        with psycopg.connect(self.url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            while time.monotonic() < end_at:
                rows = conn.execute(
                    "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, ''), left(query, 80) "
                    "FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
                    "AND pid <> pg_backend_pid()"
                ).fetchall()
                self.samples += 1
                for kind, event, query in rows:
                    self.waits[f"{kind}:{event}" if event else kind] += 1
                    if kind == "Lock":
                        self.lock_queries[" ".join(query.split())] += 1
                time.sleep(0.02)
        elapsed = time.monotonic() - started
        end = _cpu_ticks()
        hz = os.sysconf("SC_CLK_TCK")
        self.cpu = {k: round((end.get(k, 0) - start.get(k, 0)) / hz / elapsed, 2) for k in end}

    def summary(self) -> dict[str, Any]:
        n = max(self.samples, 1)
        return {
            "cpu_cores_used": self.cpu,
            "pg_active_backends_avg": round(sum(self.waits.values()) / n, 2),
            "pg_waits_avg": {k: round(v / n, 2) for k, v in self.waits.most_common(8)},
            "pg_lock_waits_on": {k: round(v / n, 2) for k, v in self.lock_queries.most_common(4)},
        }


def run_load(port: int, path: str, args: argparse.Namespace, **extra: str) -> dict[str, Any]:
    command = [
        sys.executable,
        str(LOADGEN),
        "--port",
        str(port),
        "--path",
        path,
        "--clients",
        str(args.clients),
        "--seconds",
        str(args.seconds),
        "--warmup",
        str(args.warmup),
    ]
    for key, value in extra.items():
        command += [f"--{key}", value]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=args.seconds + args.warmup + 120
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout))


# ---- the profile ----------------------------------------------------------------------------------

# (label, file suffix, function): cumulative time per create of the steps of one request.
STEPS = (
    ("request through Django (middleware + view)", "django/core/handlers/base.py", "get_response"),
    ("ninja operation (auth + parse + view + render)", "ninja/operation.py", "run"),
    ("  token auth (token_user)", "safeloop/accounts/services.py", "token_user"),
    ("  view: hazard_create endpoint", "safeloop/hazards/api.py", "hazard_create"),
    ("    service: hazard_create", "safeloop/hazards/services.py", "hazard_create"),
    ("      scope_for (all calls)", "safeloop/core/scoping.py", "scope_for"),
    ("      validate_report", "safeloop/hazards/services.py", "validate_report"),
    ("      _route (locate + route)", "safeloop/hazards/services.py", "_route"),
    ("        grid_index (version query)", "safeloop/orgs/selectors.py", "grid_index"),
    ("      default_due_at", "safeloop/hazards/routing.py", "default_due_at"),
    ("      _next_code (numbering)", "safeloop/hazards/services.py", "_next_code"),
    ("      Model.save (hazard + event inserts)", "django/db/models/base.py", "save_base"),
    ("      audit.record (insert; sealed later)", "safeloop/core/audit.py", "record"),
    ("      notify.after_report (outbox row)", "safeloop/hazards/notify.py", "after_report"),
    ("      commit", "django/db/backends/base/base.py", "commit"),
    ("      on_commit hooks (fan-out task enqueue)", "django/db/backends/base/base.py", "run_and_clear_commit_hooks"),
    ("      nearby_open (duplicate suggestions)", "safeloop/hazards/routing.py", "nearby_open"),
    ("    selectors.hazard_get (read back)", "safeloop/hazards/selectors.py", "hazard_get"),
    ("    allowed_actions (response)", "safeloop/hazards/permissions.py", "allowed_actions"),
    ("  response rendering (schema + JSON)", "ninja/operation.py", "_result_to_response"),
    ("SQL execution (all cursor.execute)", "django/db/backends/utils.py", "execute"),
)


def profile(token: str, n: int, seed: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    tag = secrets.token_hex(3)
    points = points_in_grids(3 * n + 200, seed)  # fresh points, none shared with the load run

    def post(i: int) -> None:
        lon, lat = points[i % len(points)]
        body = {"title": f"剖析隐患 {tag}-{i}", "sector": "gas" if i % 2 else "fire", "lon": lon, "lat": lat}
        response = client.post("/api/v1/hazards", body, content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(f"profile create failed: {response.status_code} {response.content[:300]!r}")

    for i in range(20):  # warm caches (routing TTL cache, grid index, translations)
        post(i)
    out = sys.stderr
    with CaptureQueriesContext(connection) as one:
        post(20)
    print(f"\n== intake profile: {len(one.captured_queries)} queries for one create (API, grid1)", file=out)
    for q in one.captured_queries:
        print(f"  {float(q['time']) * 1000:6.2f} ms  {' '.join(q['sql'].split())[:150]}", file=out)

    started = time.perf_counter()
    for i in range(n):
        post(100 + i)
    plain = (time.perf_counter() - started) / n
    with CaptureQueriesContext(connection) as many:
        started = time.perf_counter()
        for i in range(n):
            post(100 + n + i)
        captured = (time.perf_counter() - started) / n
    queries = many.captured_queries
    sql = sum(float(q["time"]) for q in queries) / n
    reset_queries()
    print(
        f"\n== {n} creates one after another in-process: {plain * 1000:.2f} ms each "
        f"({1 / plain:.0f}/s on one thread); SQL round trips {sql * 1000:.2f} ms of {captured * 1000:.2f} ms "
        f"({len(queries) / n:.1f} queries each)",
        file=out,
    )

    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        post(100 + 2 * n + i)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values()) / n
    print(
        f"\n== cProfile over {n} creates (profiler overhead inflates Python time): {total * 1000:.2f} ms each", file=out
    )
    for label, suffix, name in STEPS:
        cumulative = calls = 0.0
        for (filename, _line, function), row in stats.items():
            if function == name and filename.replace("\\", "/").endswith(suffix):
                calls += row[1]
                cumulative += row[3]
        print(f"  {cumulative / n * 1000:7.2f} ms  {calls / n:5.1f} calls  {label}", file=out)
    print("\n== top 15 functions by own time", file=out)
    ranked = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:15]
    for (filename, line, function), row in ranked:
        where = "/".join(Path(filename).parts[-3:])
        print(f"  {row[2] / n * 1000:7.3f} ms  {row[1] / n:6.1f} calls  {where}:{line} {function}", file=out)


# ---- main -------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SAFELOOP_WEB_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (as `safeloop serve`)")
    parser.add_argument("--profile", type=int, default=200, help="creates to profile in-process; 0 = none")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="default: SAFELOOP_BENCH_DATABASE_URL + _intake")
    args = parser.parse_args()

    url = args.database_url or bench_database_url("_intake")
    reason = ensure_database(url)
    if reason:
        return skip(BENCH, reason)
    var_dir = tempfile.mkdtemp(prefix="safeloop-bench-intake-")
    (Path(var_dir) / "static").mkdir()  # whitenoise warns about a missing STATIC_ROOT otherwise
    os.environ.setdefault("SAFELOOP_SECRET_KEY", secrets.token_urlsafe(40))
    django_setup(url, var_dir)

    from django.db import connections

    prepared = prepare_database()
    seed = args.seed if args.seed is not None else int(time.time())
    # Enough points that no two requests of a run share one (duplicate suggestions stay realistic).
    points = points_in_grids(int(args.clients * 10 + 400 * (args.seconds + args.warmup)), seed)
    points_file = Path(var_dir) / "points.json"
    points_file.write_text(json.dumps(points))
    connections.close_all()

    env = {**os.environ, "SAFELOOP_DB_CONN_MAX_AGE": os.environ.get("SAFELOOP_DB_CONN_MAX_AGE", "60")}
    port = free_port()
    log = Path(var_dir) / "gunicorn.log"
    server = start_server(port, args.workers, args.threads, env, log)
    try:
        token = issue_token(port, "grid1")
        healthz = run_load(port, "/healthz", args)
        sampler = Sampler(url, args.warmup, args.seconds)
        sampler.start()
        intake = run_load(
            port, "/api/v1/hazards", args, token=token, hazards=str(points_file), expect="201", run=str(seed)
        )
        sampler.join()
    finally:
        stop_server(server)

    ratio = intake["rps"] / healthz["rps"] if healthz["rps"] else 0.0
    p99 = intake["p99_ms"] or float("inf")
    common = {"clients": args.clients, "seconds": args.seconds, "server": f"gunicorn {args.workers}x{args.threads}"}
    emit(
        {
            "bench": BENCH,
            "value": round(ratio, 3),
            "unit": "ratio",
            "floor": RATIO_FLOOR,
            "ratio": round(ratio / RATIO_FLOOR, 2),
            "intake_rps": intake["rps"],
            "healthz_rps": healthz["rps"],
            "p50_ms": intake["p50_ms"],
            "p95_ms": intake["p95_ms"],
            "p99_ms": intake["p99_ms"],
            "healthz_p99_ms": healthz["p99_ms"],
            "created": intake["statuses"].get("201", 0),
            "failures": intake["failures"] + healthz["failures"],
            "hazards_before": prepared["hazards_before"],
            **common,
            **sampler.summary(),
        }
    )
    emit(
        {
            "bench": "intake_p99",
            "value": intake["p99_ms"],
            "unit": "ms",
            "floor": P99_FLOOR_MS,
            "ratio": round(P99_FLOOR_MS / p99, 2),
            "p50_ms": intake["p50_ms"],
            "p95_ms": intake["p95_ms"],
            "max_ms": intake["max_ms"],
            **common,
        }
    )
    failed = intake["failures"] + healthz["failures"]
    if failed:
        print(f"{failed} responses were not 201/200: {intake['first_bad'] or intake['errors']}", file=sys.stderr)
    if args.profile > 0:
        profile(token, args.profile, seed + 1)
    if failed:
        return 1
    return 0 if ratio >= RATIO_FLOOR and p99 <= P99_FLOOR_MS else 2


if __name__ == "__main__":
    sys.exit(main())

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeloop.core.models import WorkerHeartbeat
from safeloop.core.scheduler import beat


def test_healthz_answers_without_touching_the_database(client, db):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert len(queries) == 0


def test_readyz_needs_a_fresh_worker_heartbeat(client, db):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "worker": "no worker heartbeat"}
    beat("test-worker")
    assert client.get("/readyz").status_code == 200
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=10))
    assert client.get("/readyz").status_code == 503


def test_metrics_count_requests_and_show_the_queue(client, db):
    from safeloop.core.tasks import prune_task_results

    client.get("/healthz")
    prune_task_results.enqueue()
    body = client.get("/metrics").content.decode()
    assert 'safeloop_http_requests_total{pid="' in body and 'status="2xx"' in body
    assert "safeloop_http_request_duration_seconds_bucket" in body
    assert "safeloop_task_queue_depth 1" in body

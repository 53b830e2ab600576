"""/healthz, /readyz and /metrics."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult

from safeloop.core.metrics import metric_line, render_process_metrics
from safeloop.core.models import WorkerHeartbeat


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches no database on purpose."""
    return JsonResponse({"status": "ok"})


def _fresh_workers() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.SAFELOOP_WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).count()


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        checks["worker"] = "ok" if _fresh_workers() else "no worker heartbeat"
    except Exception as exc:  # noqa: BLE001 - report any database failure as not ready
        checks["database"] = f"error: {exc.__class__.__name__}"
        checks["worker"] = "unknown"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    lines = render_process_metrics()
    queued = DBTaskResult.objects.filter(status="READY").count()
    running = DBTaskResult.objects.filter(status="RUNNING").count()
    lines += metric_line("safeloop_task_queue_depth", queued, "Tasks waiting for a worker.")
    lines += metric_line("safeloop_tasks_running", running, "Tasks being run by a worker.")
    lines += metric_line("safeloop_workers_alive", _fresh_workers(), "Workers with a fresh heartbeat.")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; version=0.0.4")

"""Request counters and latency histogram for /metrics, plus the request's source address for audit.

Counters live in the serving process (each gunicorn worker reports its own, labelled by pid);
queue depth and worker liveness come from the database, so they are the same from any process.
"""

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from safeloop.core.request_context import reset_source_ip, set_source_ip

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

_lock = threading.Lock()
_requests: dict[tuple[str, str], int] = {}
_bucket_counts = [0] * (len(LATENCY_BUCKETS) + 1)
_latency_sum = 0.0
_latency_count = 0


def _observe(method: str, status: int, seconds: float) -> None:
    global _latency_sum, _latency_count
    with _lock:
        key = (method, f"{status // 100}xx")
        _requests[key] = _requests.get(key, 0) + 1
        _latency_sum += seconds
        _latency_count += 1
        for i, bound in enumerate(LATENCY_BUCKETS):
            if seconds <= bound:
                _bucket_counts[i] += 1
        _bucket_counts[-1] += 1


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        token = set_source_ip(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            reset_source_ip(token)
        if request.path != "/metrics":
            _observe(request.method or "GET", response.status_code, time.perf_counter() - started)
        return response


def render_process_metrics() -> list[str]:
    pid = os.getpid()
    lines = [
        "# HELP safeloop_http_requests_total HTTP requests served by this process.",
        "# TYPE safeloop_http_requests_total counter",
    ]
    with _lock:
        for (method, status), count in sorted(_requests.items()):
            lines.append(f'safeloop_http_requests_total{{pid="{pid}",method="{method}",status="{status}"}} {count}')
        lines += [
            "# HELP safeloop_http_request_duration_seconds Request latency in this process.",
            "# TYPE safeloop_http_request_duration_seconds histogram",
        ]
        for bound, count in zip(LATENCY_BUCKETS, _bucket_counts, strict=False):
            lines.append(f'safeloop_http_request_duration_seconds_bucket{{pid="{pid}",le="{bound}"}} {count}')
        lines.append(f'safeloop_http_request_duration_seconds_bucket{{pid="{pid}",le="+Inf"}} {_bucket_counts[-1]}')
        lines.append(f'safeloop_http_request_duration_seconds_sum{{pid="{pid}"}} {_latency_sum:.6f}')
        lines.append(f'safeloop_http_request_duration_seconds_count{{pid="{pid}"}} {_latency_count}')
    return lines


def metric_line(name: str, value: Any, help_text: str, kind: str = "gauge") -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", f"{name} {value}"]

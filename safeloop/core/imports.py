"""What the import pages (enterprises, hazard ledgers) show about a running or finished import."""

from typing import Any

RUNNING_STATUSES = frozenset({"queued", "validating", "importing"})


def progress_context(record: Any, *, rerun: bool) -> dict[str, Any]:
    """The import record, whether it still runs, its percentage, whether it may be re-run for its
    valid rows, and whether its stored errors were cut short."""
    running = record.status in RUNNING_STATUSES
    percent = round(100 * record.processed_rows / record.total_rows) if record.total_rows else 0
    return {
        "record": record,
        "running": running,
        "percent": percent if running else 100,
        "rerun": rerun,
        "errors_cut": record.error_count > len(record.errors),
    }

"""The overdue-sweep benchmark's own code keeps working on tiny data (the figure is not asserted):
seeding (COPY on PostgreSQL, bulk_create on SQLite), the reset between runs, the timed sweep and the
checks it makes, including the audit chain's tail."""

import pytest

from bench import overdue_sweep as bench

DUE = 12


@pytest.mark.django_db
def test_the_sweep_benchmark_moves_exactly_the_due_rows_and_checks_what_it_wrote():
    from django.utils import timezone

    now = timezone.now()
    bench.seed(60, DUE, now, chunk=25)
    assert bench.state(DUE) == {"hazards": 60, "due": DUE}

    first = bench.sweep(DUE, ((1, 0),), now)
    assert first["problems"] == []
    assert first["checks"] == {
        "escalated": DUE,
        "moved": DUE,
        "moved_outside_due_rows": 0,
        "events": DUE,
        "audit_rows": DUE,
        "messages": DUE,
    }
    assert "claim (SELECT … FOR UPDATE SKIP LOCKED)" in first["parts"]

    full = bench.sweep(DUE, None, now)  # reset, then the default ladder: three steps over the same rows
    assert full["problems"] == []
    assert full["steps"] == {"1": DUE, "2": DUE, "3": DUE}


@pytest.mark.django_db
def test_a_tampered_audit_row_in_the_tail_is_found():
    from django.utils import timezone

    from safeloop.core.models import AuditEvent

    now = timezone.now()
    bench.seed(20, 5, now)
    before = bench.head_position()
    assert bench.sweep(5, ((1, 0),), now)["problems"] == []
    assert bench.audit_tail_breaks(before) == ""
    AuditEvent.objects.filter(position=before + 3).update(object_repr="changed")
    assert bench.audit_tail_breaks(before) == f"row #{before + 3} does not match its hash"

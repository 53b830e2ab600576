import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeloop.core import audit
from safeloop.core.models import AuditEvent


def test_every_write_of_the_city_is_chained_and_verifies(city):
    assert AuditEvent.objects.filter(verb="create", object_type="orgs.enterprise").count() == 4
    assert audit.verify_chain() is None
    call_command("audit_verify")


def test_changing_a_row_breaks_the_chain_at_that_row(city):
    audit.seal()
    victim = AuditEvent.objects.order_by("position")[5]
    AuditEvent.objects.filter(pk=victim.pk).update(object_repr="tampered")
    broken = audit.verify_chain()
    assert broken is not None and broken.position == victim.position
    with pytest.raises(CommandError, match=f"#{victim.position}"):
        call_command("audit_verify")


def test_removing_a_row_is_named(city):
    audit.seal()
    victim = AuditEvent.objects.order_by("position")[3]
    AuditEvent.objects.filter(pk=victim.pk).delete()
    broken = audit.verify_chain()
    assert broken is not None and broken.position == victim.position


def test_removing_the_newest_rows_is_noticed(city):
    audit.seal()
    newest = AuditEvent.objects.order_by("-position").first()
    AuditEvent.objects.filter(pk=newest.pk).delete()
    broken = audit.verify_chain()
    assert broken is not None and broken.position == newest.position


def test_rows_are_sealed_in_insertion_order_and_sealing_is_idempotent(city):
    from safeloop.core.actors import SYSTEM

    audit.seal()
    first = audit.record(actor=SYSTEM, verb="test.one", object_type="x", object_id="1")
    second = audit.record(actor=SYSTEM, verb="test.two", object_type="x", object_id="2")
    assert first.position is None  # written without touching the chain head
    assert audit.seal() == 2
    assert audit.seal() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.position == first.position + 1
    assert second.prev_hash == first.hash
    assert audit.verify_chain() is None

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeloop.accounts.models import User
from safeloop.core.models import AuditEvent


def test_the_first_administrator_is_created_with_an_audited_role(db, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("Strong-Passw0rd!\n")
    call_command("add_admin", "ops", "--role", "sys_admin", "--password-file", str(secret))
    ops = User.objects.get(username="ops")
    assert ops.check_password("Strong-Passw0rd!")
    assert list(ops.memberships.values_list("role", flat=True)) == ["sys_admin"]
    assert AuditEvent.objects.filter(verb="membership_add", actor_name="system").count() == 1


def test_a_weak_password_is_refused_and_nothing_is_written(db, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("short")
    with pytest.raises(CommandError, match="password"):
        call_command("add_admin", "ops", "--role", "audit_admin", "--password-file", str(secret))
    assert not User.objects.filter(username="ops").exists()

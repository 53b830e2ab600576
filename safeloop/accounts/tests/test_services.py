from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone, translation

from safeloop.accounts import services
from safeloop.accounts.choices import Role
from safeloop.accounts.models import ApiToken, SecurityPolicy, User, mask_phone
from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent

PASSWORD = "SafeLoop-2026!"


def test_five_failures_lock_the_account_and_the_right_password_is_then_refused(people):
    for _ in range(5):
        assert authenticate(username="yuehu", password="wrong-password") is None
    yuehu = User.objects.get(username="yuehu")
    assert yuehu.is_locked()
    assert yuehu.locked_until - timezone.now() > timedelta(minutes=14)
    assert authenticate(username="yuehu", password=PASSWORD) is None
    assert AuditEvent.objects.filter(verb="lockout", object_id=str(yuehu.uuid)).count() == 1
    assert AuditEvent.objects.filter(verb="login_refused_locked").count() == 1


def test_the_lock_ends_after_the_policy_minutes(people):
    for _ in range(5):
        authenticate(username="grid1", password="nope")
    User.objects.filter(username="grid1").update(locked_until=timezone.now() - timedelta(seconds=1))
    assert authenticate(username="grid1", password=PASSWORD) is not None
    assert User.objects.get(username="grid1").failed_logins == 0


def test_a_success_resets_the_failure_count(people):
    for _ in range(4):
        authenticate(username="city", password="nope")
    assert authenticate(username="city", password=PASSWORD) is not None
    for _ in range(4):
        authenticate(username="city", password="nope")
    assert not User.objects.get(username="city").is_locked()


def test_unknown_usernames_are_audited_as_failures(db):
    assert authenticate(username="nobody", password="whatever") is None
    event = AuditEvent.objects.get(verb="login_failed")
    assert event.object_repr == "nobody" and event.result == "fail"


def test_unlock_by_an_admin_is_audited(people):
    for _ in range(5):
        authenticate(username="ent1", password="nope")
    ent1 = User.objects.get(username="ent1")
    services.user_unlock(actor=people["admin"], user=ent1)
    ent1.refresh_from_db()
    assert not ent1.is_locked()
    event = AuditEvent.objects.get(verb="unlock")
    assert event.actor == people["admin"] and event.before["locked_until"] is not None


@pytest.mark.parametrize(
    ("password", "message"),
    [("Short1!", "at least 10 characters"), ("alllowercaseletters", "mix at least 3")],
)
def test_weak_passwords_are_refused_naming_the_field(db, password, message):
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        services.user_create(actor=None, username="newbie", password=password)
    assert {e["field"] for e in caught.value.errors} == {"password"}
    assert any(message in e["message"] for e in caught.value.errors), caught.value.errors
    assert not User.objects.filter(username="newbie").exists()


def test_the_security_admin_changes_the_policy_and_the_system_admin_cannot(people):
    with pytest.raises(PermissionError):
        services.security_policy_update(actor=people["admin"], lockout_attempts=3)
    services.security_policy_update(actor=people["security"], lockout_attempts=3)
    assert SecurityPolicy.current().lockout_attempts == 3
    for _ in range(3):
        authenticate(username="jiaoyu", password="nope")
    assert User.objects.get(username="jiaoyu").is_locked()


def test_out_of_range_policy_values_name_the_field_and_change_nothing(people):
    with pytest.raises(FieldErrors) as caught:
        services.security_policy_update(actor=people["security"], idle_timeout_minutes=120)
    assert caught.value.errors[0]["field"] == "idle_timeout_minutes"
    assert SecurityPolicy.current().idle_timeout_minutes == 30


def test_one_person_holds_only_one_of_the_three_admin_roles(people):
    with pytest.raises(FieldErrors) as caught:
        services.membership_add(actor=people["admin"], user=people["admin"], role=Role.AUDIT_ADMIN)
    assert caught.value.errors[0]["field"] == "role"
    assert not people["admin"].memberships.filter(role=Role.AUDIT_ADMIN).exists()


def test_a_role_needs_its_org_unit(people):
    with pytest.raises(FieldErrors) as caught:
        services.membership_add(actor=people["admin"], user=people["outsider"], role=Role.GRID_WORKER)
    assert caught.value.errors[0]["field"] == "grid"


def test_tokens_are_stored_hashed_expire_and_can_be_revoked(people):
    secret, token = services.token_issue(user=people["yuehu"])
    assert secret not in {t.key_hash for t in ApiToken.objects.all()}
    assert services.token_user(secret) == people["yuehu"]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.token_user(secret) is None
    secret2, token2 = services.token_issue(user=people["yuehu"])
    services.token_revoke(actor=people["yuehu"], token=token2)
    assert services.token_user(secret2) is None
    assert AuditEvent.objects.filter(verb="token_revoke").count() == 1


def test_an_inactive_users_token_stops_working(people):
    secret, _ = services.token_issue(user=people["grid1"])
    services.user_update(actor=people["admin"], user=people["grid1"], is_active=False)
    assert services.token_user(secret) is None


def test_phones_are_masked():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("123") == "***"

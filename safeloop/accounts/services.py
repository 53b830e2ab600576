"""Writes for accounts: logins, lockouts, users, memberships, tokens and the security policy.
Each write records its audit row in the same transaction."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeloop.accounts.choices import ROLE_ANCHOR, THREE_ADMINS, Role
from safeloop.accounts.models import ApiToken, Membership, SecurityPolicy, User, hash_token
from safeloop.core import audit
from safeloop.core.errors import FieldErrors
from safeloop.core.scoping import forget_scope

USER_FIELDS = ("username", "real_name", "phone", "is_active")
POLICY_FIELDS = (
    "lockout_attempts",
    "lockout_minutes",
    "idle_timeout_minutes",
    "password_min_length",
    "password_min_classes",
    "token_ttl_hours",
)
# The org units a membership acts through, named for people (the keys are the form and API field names).
ANCHOR_LABELS: dict[str, Any] = {
    "division": gettext_lazy("division"),
    "department": gettext_lazy("department"),
    "enterprise": gettext_lazy("enterprise"),
    "grid": gettext_lazy("grid"),
}
# Allowed range of each policy value (inclusive); the idle timeout may not exceed 30 minutes (等保 L3).
POLICY_LIMITS: dict[str, tuple[int, int]] = {
    "lockout_attempts": (3, 10),
    "lockout_minutes": (5, 1440),
    "idle_timeout_minutes": (5, 30),
    "password_min_length": (8, 64),
    "password_min_classes": (2, 4),
    "token_ttl_hours": (1, 24 * 90),
}


@transaction.atomic
def login_succeeded(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit.record(actor=user, verb="login", obj=user)


@transaction.atomic
def login_failed(*, username: str, user: User | None) -> datetime | None:
    """Count a failure; lock the account when the policy's limit is reached. Returns the lock end."""
    if user is None:
        audit.record(
            actor=None, verb="login_failed", object_type="accounts.user", object_repr=username[:150], result="fail"
        )
        return None
    policy = SecurityPolicy.current()
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    audit.record(actor=None, verb="login_failed", obj=user, after={"failed_logins": user.failed_logins}, result="fail")
    if user.failed_logins < policy.lockout_attempts:
        return None
    locked_until = timezone.now() + timedelta(minutes=policy.lockout_minutes)
    User.objects.filter(pk=user.pk).update(locked_until=locked_until, failed_logins=0)
    audit.record(actor=None, verb="lockout", obj=user, after={"locked_until": locked_until}, result="fail")
    return locked_until


def login_refused_locked(*, user: User) -> None:
    audit.record(actor=None, verb="login_refused_locked", obj=user, result="fail")


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> None:
    before = audit.snapshot(user, ["locked_until", "failed_logins"])
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_logins=0)
    audit.record(actor=actor, verb="unlock", obj=user, before=before, after={"locked_until": None, "failed_logins": 0})


@transaction.atomic
def user_create(*, actor: Any, username: str, password: str, real_name: str = "", phone: str = "") -> User:
    errors = FieldErrors()
    if not username:
        errors.add("username", _("This field is required."))
    elif User.objects.filter(username=username).exists():
        errors.add("username", _("This username is taken."))
    user = User(username=username, real_name=real_name, phone=phone)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        for message in exc.messages:
            errors.add("password", message)
    errors.raise_if_any()
    user.set_password(password)
    user.save()
    audit.record(actor=actor, verb="create", obj=user, after=audit.snapshot(user, USER_FIELDS))
    return user


@transaction.atomic
def user_update(*, actor: Any, user: User, **changes: Any) -> User:
    unknown = set(changes) - {"real_name", "phone", "is_active"}
    if unknown:
        raise FieldErrors.single(sorted(unknown)[0], _("This field cannot be changed here."))
    before = audit.snapshot(user, USER_FIELDS)
    for name, value in changes.items():
        setattr(user, name, value)
    user.save(update_fields=list(changes))
    audit.record(actor=actor, verb="update", obj=user, before=before, after=audit.snapshot(user, USER_FIELDS))
    return user


@transaction.atomic
def password_change(*, actor: Any, user: User, old_password: str | None, new_password: str) -> None:
    """Change a password; `old_password` is required when users change their own."""
    errors = FieldErrors()
    if old_password is not None and not user.check_password(old_password):
        errors.add("old_password", _("The current password is wrong."))
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        for message in exc.messages:
            errors.add("new_password", message)
    errors.raise_if_any()
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, verb="password_change", obj=user)


def _membership_after(m: Membership) -> dict[str, Any]:
    return {
        "user": m.user.username,
        "role": m.role,
        "division": m.division_id,
        "department": str(m.department.uuid) if m.department else None,
        "enterprise": str(m.enterprise.uuid) if m.enterprise else None,
        "grid": m.grid_id,
    }


@transaction.atomic
def membership_add(*, actor: Any, user: User, role: str, **anchor: Any) -> Membership:
    """Grant a role through an org unit. 三员分立: one person holds at most one of the three admin roles."""
    errors = FieldErrors()
    if role not in Role.values:
        errors.add("role", _("Unknown role."))
        errors.raise_if_any()
    needed = ROLE_ANCHOR[role]
    given = {key: value for key, value in anchor.items() if value is not None}
    if needed and needed not in given:
        errors.add(needed, _("Give the %(unit)s this role acts through.") % {"unit": ANCHOR_LABELS[needed]})
    for key in set(given) - ({needed} if needed else set()):
        errors.add(key, _("This role does not act through any %(unit)s.") % {"unit": ANCHOR_LABELS.get(key, key)})
    if role in THREE_ADMINS:
        held = set(user.memberships.filter(role__in=THREE_ADMINS).values_list("role", flat=True)) - {role}
        if held:
            errors.add("role", _("One person may hold only one of the system, security and audit administrator roles."))
    errors.raise_if_any()
    membership, _created = Membership.objects.get_or_create(user=user, role=role, **given)
    forget_scope(user)
    audit.record(actor=actor, verb="membership_add", obj=user, after=_membership_after(membership))
    return membership


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership) -> None:
    before = _membership_after(membership)
    user = membership.user
    membership.delete()
    forget_scope(user)
    audit.record(actor=actor, verb="membership_remove", obj=user, before=before)


@transaction.atomic
def token_issue(*, user: User, name: str = "") -> tuple[str, ApiToken]:
    """Issue a bearer token; the secret is returned once and only its hash is kept."""
    secret = ApiToken.new_secret()
    ttl = timedelta(hours=SecurityPolicy.current().token_ttl_hours)
    token = ApiToken.objects.create(
        user=user, key_hash=hash_token(secret), prefix=secret[3:11], name=name, expires_at=timezone.now() + ttl
    )
    audit.record(
        actor=user, verb="token_issue", obj=token, after={"prefix": token.prefix, "expires_at": token.expires_at}
    )
    return secret, token


def token_user(secret: str) -> User | None:
    token = ApiToken.objects.usable().select_related("user").filter(key_hash=hash_token(secret)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    audit.record(actor=actor, verb="token_revoke", obj=token, before={"revoked_at": None})


@transaction.atomic
def security_policy_update(*, actor: User, **values: int) -> SecurityPolicy:
    from safeloop.core.scoping import scope_for

    if not scope_for(actor).has_role(Role.SEC_ADMIN):
        raise PermissionError(_("Only a security administrator may change the security policy."))
    policy = SecurityPolicy.current()
    before = audit.snapshot(policy, POLICY_FIELDS)
    errors = FieldErrors()
    for name, value in values.items():
        low, high = POLICY_LIMITS[name]
        if not isinstance(value, int) or not low <= value <= high:
            errors.add(name, _("Must be a whole number from %(low)d to %(high)d.") % {"low": low, "high": high})
        setattr(policy, name, value)
    errors.raise_if_any()
    policy.save()
    audit.record(
        actor=actor, verb="policy_update", obj=policy, before=before, after=audit.snapshot(policy, POLICY_FIELDS)
    )
    return policy

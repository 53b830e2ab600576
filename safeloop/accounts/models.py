import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeloop.accounts.choices import Role


def mask_phone(phone: str) -> str:
    """138****5678: lists never show a whole phone number (个人信息保护法, DOMAIN.md §10.1)."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


class User(AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    real_name = models.CharField(_("real name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class Membership(models.Model):
    """A user acts through memberships: (org unit, role)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    division = models.ForeignKey(
        "orgs.Division", to_field="code", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "orgs.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    grid = models.ForeignKey(
        "orgs.Grid", to_field="code", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["role", "grid"])]

    def __str__(self) -> str:
        anchor = self.division or self.department or self.enterprise or self.grid or ""
        return f"{self.user} · {self.get_role_display()} {anchor}".strip()


class SecurityPolicy(models.Model):
    """Login-security settings; one row, editable only by a security administrator."""

    lockout_attempts = models.PositiveSmallIntegerField(_("failed logins before lockout"))
    lockout_minutes = models.PositiveSmallIntegerField(_("lockout minutes"))
    idle_timeout_minutes = models.PositiveSmallIntegerField(_("idle timeout minutes"))
    password_min_length = models.PositiveSmallIntegerField(_("minimum password length"))
    password_min_classes = models.PositiveSmallIntegerField(_("minimum character classes"))
    token_ttl_hours = models.PositiveIntegerField(_("API token lifetime (hours)"))

    class Meta:
        verbose_name = _("security policy")

    def __str__(self) -> str:
        return str(_("security policy"))

    @classmethod
    def current(cls) -> "SecurityPolicy":
        policy = cls.objects.filter(pk=1).first()
        return policy or cls.defaults()

    @classmethod
    def defaults(cls) -> "SecurityPolicy":
        return cls(
            pk=1,
            lockout_attempts=settings.SAFELOOP_LOCKOUT_ATTEMPTS,
            lockout_minutes=settings.SAFELOOP_LOCKOUT_MINUTES,
            idle_timeout_minutes=settings.SAFELOOP_IDLE_TIMEOUT_MINUTES,
            password_min_length=settings.SAFELOOP_PASSWORD_MIN_LENGTH,
            password_min_classes=settings.SAFELOOP_PASSWORD_MIN_CLASSES,
            token_ttl_hours=settings.SAFELOOP_TOKEN_TTL_HOURS,
        )


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at=None, expires_at__gt=timezone.now(), user__is_active=True)


class ApiToken(models.Model):
    """Bearer tokens: only the SHA-256 of the secret is stored."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(_("name"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        constraints = [models.CheckConstraint(condition=Q(expires_at__isnull=False), name="token_expires")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def new_secret() -> str:
        return "sl_" + secrets.token_urlsafe(32)

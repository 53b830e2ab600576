"""Notifications (DESIGN.md "Notifications"): a `Message` is the outbox row a service writes in its own
transaction; the fan-out task turns it into inbox `Notification` rows (one per recipient) and
`Delivery` rows (one per channel target), which delivery tasks send with retries and back-off.

Titles and bodies are stored as English msgids with `%(name)s` placeholders and rendered at display
time: in the reader's language in the inbox, in Simplified Chinese for e-mail, robots and SMS."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from safeloop.notifications.choices import ChannelKind, DeliveryStatus


def render(msgid: str, params: dict[str, Any] | None) -> str:
    """`gettext(msgid) % params` in the active language; a template that does not fit its params
    shows untranslated rather than failing the page."""
    if not msgid:
        return ""
    text = gettext(msgid)
    if not params:
        return text
    try:
        return text % params
    except (KeyError, ValueError, TypeError):
        try:
            return msgid % params
        except (KeyError, ValueError, TypeError):
            return msgid


class Message(models.Model):
    """The outbox row: what happened and who should hear of it (recipients are resolved later)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=64)
    audience = models.JSONField(_("audience"), default=dict)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification message")
        verbose_name_plural = _("notification messages")
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="message_dedupe_key")
        ]
        indexes = [models.Index(fields=["created_at"], condition=Q(fanned_out_at=None), name="message_not_fanned_out")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"

    def rendered_title(self) -> str:
        return render(self.title, self.params)

    def rendered_body(self) -> str:
        return render(self.body, self.params)


class Notification(models.Model):
    """One message in one person's inbox."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="notification_once_per_user")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            models.Index(fields=["user"], condition=Q(read_at=None), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.message}"

    @property
    def read(self) -> bool:
        return self.read_at is not None


class Channel(models.Model):
    """Where a unit wants its messages delivered besides the inbox: a robot webhook, an e-mail
    address or a list of phones. Exactly one unit (division, department or enterprise) owns it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    division = models.ForeignKey(
        "orgs.Division",
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("division"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("department"),
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=64)
    url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    address = models.EmailField(_("e-mail address"), blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    kinds = models.JSONField(_("message kinds"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(division__isnull=False, department__isnull=True, enterprise__isnull=True)
                    | Q(division__isnull=True, department__isnull=False, enterprise__isnull=True)
                    | Q(division__isnull=True, department__isnull=True, enterprise__isnull=False)
                ),
                name="channel_exactly_one_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def unit(self) -> Any:
        return self.division or self.department or self.enterprise

    @property
    def unit_key(self) -> str:
        """The unit as the form and service name it: division:<code>, department:<uuid>, enterprise:<uuid>."""
        if self.division_id:
            return f"division:{self.division_id}"
        if self.department is not None:
            return f"department:{self.department.uuid}"
        return f"enterprise:{self.enterprise.uuid}" if self.enterprise is not None else ""

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class Delivery(models.Model):
    """One message to one channel target (a robot, an address, a phone); claimed with compare-and-set
    so that two workers never send it twice."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    target = models.CharField(_("target"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["message", "channel", "target"], name="delivery_once_per_target")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.channel_id} → {self.target} ({self.status})"

    @property
    def status_colour(self) -> str:
        return DeliveryStatus(self.status).colour

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu robot")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


WEBHOOK_KINDS = frozenset({ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.FEISHU})
SIGNED_KINDS = frozenset({ChannelKind.DINGTALK, ChannelKind.FEISHU})


class DeliveryStatus(models.TextChoices):
    """`pending` also covers a delivery waiting for its next attempt after a failure (its `last_error`
    says why); `failed` is a failure that retrying cannot mend (the channel is gone or switched off);
    `dead` means every attempt failed."""

    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    DEAD = "dead", _("Dead")

    @property
    def colour(self) -> str:
        return {"pending": "yellow", "sending": "blue", "sent": "green", "failed": "orange", "dead": "red"}[self.value]

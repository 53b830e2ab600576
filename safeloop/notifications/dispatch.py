"""The worker side of notifications: fan a message out to inbox rows and delivery rows, and send
deliveries with retries. Everything here is safe to run twice or on several workers at once:
a message is claimed for fan-out and a delivery for sending with compare-and-set, and the rows
they create are unique (message+user, message+channel+target)."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from safeloop.accounts.models import Membership, User
from safeloop.notifications import senders
from safeloop.notifications.choices import WEBHOOK_KINDS, ChannelKind, DeliveryStatus
from safeloop.notifications.models import Channel, Delivery, Message, Notification

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
STUCK_AFTER = timedelta(minutes=5)  # a `sending` claim older than this was lost with its worker
LOST_AFTER = timedelta(minutes=2)  # a message not fanned out by then lost its task
BATCH = 500


def max_attempts() -> int:
    return int(getattr(settings, "SAFELOOP_NOTIFY_MAX_ATTEMPTS", 6))


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … at most an hour."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


# ---- recipients and targets ----------------------------------------------------------------------


def audience_user_ids(audience: dict[str, Any]) -> list[int]:
    """The active users an audience (Audience.as_json()) names, via memberships anchored exactly there."""
    units = Q(pk__in=[])
    if audience.get("divisions"):
        units |= Q(division_id__in=audience["divisions"])
    if audience.get("departments"):
        units |= Q(department_id__in=audience["departments"])
    if audience.get("enterprises"):
        units |= Q(enterprise_id__in=audience["enterprises"])
    if audience.get("grids"):
        units |= Q(grid_id__in=audience["grids"])
    roles = audience.get("roles") or []
    has_units = any(audience.get(k) for k in ("divisions", "departments", "enterprises", "grids"))
    if roles and not has_units and not audience.get("users"):
        units = Q()  # roles alone: everyone holding them
    memberships = Membership.objects.filter(units)
    if roles:
        memberships = memberships.filter(role__in=roles)
    ids = Q(pk__in=memberships.values("user_id"))
    if audience.get("users"):
        ids |= Q(pk__in=audience["users"])
    return list(User.objects.filter(ids, is_active=True).order_by("pk").values_list("pk", flat=True))


def audience_channels(audience: dict[str, Any], kind: str) -> list[Channel]:
    units = Q(pk__in=[])
    if audience.get("divisions"):
        units |= Q(division_id__in=audience["divisions"])
    if audience.get("departments"):
        units |= Q(department_id__in=audience["departments"])
    if audience.get("enterprises"):
        units |= Q(enterprise_id__in=audience["enterprises"])
    # The kinds filter is a JSON list; channels are few, so it is applied here (SQLite has no JSON contains).
    return [c for c in Channel.objects.filter(units, active=True).order_by("pk") if c.wants(kind)]


def channel_targets(channel: Channel) -> list[str]:
    """One delivery per target: the robot (its host, no key), the address, each phone."""
    if channel.kind in WEBHOOK_KINDS:
        return [(urlsplit(channel.url).hostname or channel.kind)[:255]]
    if channel.kind == ChannelKind.EMAIL:
        return [channel.address] if channel.address else []
    if channel.kind == ChannelKind.SMS:
        return list(channel.phones or [])
    return []


# ---- fan-out -------------------------------------------------------------------------------------


def fan_out(message: Message, now: datetime | None = None) -> bool:
    """Create the inbox rows and delivery rows of one message, once. False when already done."""
    now = now or timezone.now()
    with transaction.atomic():
        if Message.objects.filter(pk=message.pk, fanned_out_at=None).update(fanned_out_at=now) != 1:
            return False
        user_ids = audience_user_ids(message.audience)
        Notification.objects.bulk_create(
            [Notification(message=message, user_id=pk) for pk in user_ids], batch_size=BATCH, ignore_conflicts=True
        )
        deliveries = [
            Delivery(message=message, channel=channel, target=target, next_attempt_at=now)
            for channel in audience_channels(message.audience, message.kind)
            for target in channel_targets(channel)
        ]
        Delivery.objects.bulk_create(deliveries, batch_size=BATCH, ignore_conflicts=True)
    return True


def fan_out_messages(message_uuids: Iterable[str]) -> dict[str, int]:
    """Fan out the messages, then send their deliveries (already-claimed ones are left alone)."""
    messages = list(Message.objects.filter(uuid__in=list(message_uuids)).order_by("pk"))
    fanned = sum(fan_out(message) for message in messages)
    pending = Delivery.objects.filter(
        message__in=messages, status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    sent = deliver_many(list(pending))
    return {"messages": fanned, "sent": sent}


# ---- delivery ------------------------------------------------------------------------------------


def claim(delivery_id: int, now: datetime | None = None) -> bool:
    """Compare-and-set pending → sending; exactly one worker wins."""
    now = now or timezone.now()
    return (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        == 1
    )


def _finish(delivery: Delivery, **fields: Any) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**fields)
    for name, value in fields.items():
        setattr(delivery, name, value)


def deliver(delivery_id: int, now: datetime | None = None) -> bool:
    """Claim and send one delivery. True when it was sent now. No transaction is held while the far
    end is asked (it may take seconds); the outcome is written with compare-and-set."""
    if not claim(delivery_id, now):
        return False
    delivery = Delivery.objects.select_related("message", "channel").get(pk=delivery_id)
    if not delivery.channel.active:
        _finish(delivery, status=DeliveryStatus.FAILED, last_error="channel switched off", claimed_at=None)
        return False
    try:
        senders.send(delivery)
    except Exception as exc:  # noqa: BLE001 (any failure of the far end or the network: retry later)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        logger.warning("notification delivery %s to %s failed: %s", delivery.pk, delivery.target, error)
        finished = timezone.now()
        if delivery.attempts >= max_attempts():
            _finish(delivery, status=DeliveryStatus.DEAD, last_error=error, claimed_at=None)
        else:
            _finish(
                delivery,
                status=DeliveryStatus.PENDING,
                last_error=error,
                claimed_at=None,
                next_attempt_at=finished + backoff(delivery.attempts),
            )
        return False
    _finish(delivery, status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_at=None, last_error="")
    return True


def deliver_many(delivery_ids: Iterable[int]) -> int:
    return sum(deliver(pk) for pk in delivery_ids)


def release_stuck(now: datetime | None = None) -> int:
    """Deliveries left in `sending` by a worker that died go back to pending."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=DeliveryStatus.PENDING, claimed_at=None, next_attempt_at=now
    )


def deliver_due(now: datetime | None = None) -> dict[str, int]:
    """The periodic sweep: release stuck claims, fan out messages whose task was lost, and send the
    deliveries that are due (retries after back-off)."""
    now = now or timezone.now()
    released = release_stuck(now)
    lost = list(
        Message.objects.filter(fanned_out_at=None, created_at__lt=now - LOST_AFTER)
        .order_by("pk")
        .values_list("uuid", flat=True)[:BATCH]
    )
    fanned = sum(fan_out(message) for message in Message.objects.filter(uuid__in=lost))
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    sent = sum(deliver(pk, now) for pk in due)
    return {"released": released, "fanned_out": fanned, "due": len(due), "sent": sent}

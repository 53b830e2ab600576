"""Writes for notifications.

`notify()` / `notify_many()` are what other apps call inside their own transaction: one outbox row per
message and, after commit, one fan-out task (DESIGN.md "Notifications"). Recipients are resolved by
the task, never in the caller's transaction, so hazard intake stays cheap. Channel configuration and
delivery retries are audited; marking one's own notifications read is not (no business data changes).
"""

import logging
import re
import uuid as uuid_module
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.core import audit, bulk
from safeloop.core.errors import FieldErrors
from safeloop.notifications import selectors
from safeloop.notifications.choices import WEBHOOK_KINDS, ChannelKind, DeliveryStatus
from safeloop.notifications.models import Channel, Delivery, Message, Notification
from safeloop.orgs.models import Department, Division, Enterprise
from safeloop.orgs.services import NotAllowed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Audience:
    """Who should hear of a message. Units select the people holding a membership anchored exactly
    there; `roles` keeps only memberships with these roles. With roles but no unit (and no users),
    everyone holding one of the roles is meant (e.g. all system administrators)."""

    users: tuple[int, ...] = ()  # user pks
    divisions: tuple[str, ...] = ()  # Division codes: users with a membership anchored at exactly that division
    departments: tuple[int, ...] = ()  # Department pks: members of that department
    enterprises: tuple[int, ...] = ()  # Enterprise pks: its enterprise officers
    grids: tuple[str, ...] = ()  # Grid codes: its grid workers
    roles: tuple[str, ...] = ()  # optional: keep only memberships with these roles (empty = any)

    def as_json(self) -> dict[str, list[Any]]:
        # Not dataclasses.asdict(): it deep-copies every value, which shows in a 10,000-message sweep.
        return {name: list(values) for name in _AUDIENCE_FIELDS if (values := getattr(self, name))}


_AUDIENCE_FIELDS = tuple(field.name for field in fields(Audience))


# ---- the outbox ----------------------------------------------------------------------------------


def _message_fields(
    *,
    kind: str,
    audience: Audience,
    title: str,
    body: str = "",
    params: dict[str, Any] | None = None,
    url: str = "",
    obj: models.Model | None = None,
    dedupe_key: str = "",
) -> dict[str, Any]:
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(getattr(obj, "uuid", None) or obj.pk)
    return {
        "kind": kind,
        "audience": audience.as_json(),
        "title": str(title),
        "body": str(body),
        "params": {
            str(k): (v if isinstance(v, int | float | bool) or v is None else str(v)) for k, v in (params or {}).items()
        },
        "url": url,
        "object_type": object_type,
        "object_id": object_id,
        "dedupe_key": dedupe_key,
    }


def _enqueue_fan_out(message_uuids: list[str]) -> None:
    from safeloop.notifications.tasks import fan_out_task

    # robust: a failed enqueue must not fail the caller's (already committed) request; the
    # periodic sweep fans out any message left behind.
    transaction.on_commit(lambda: fan_out_task.enqueue(message_uuids), robust=True)


_muted: ContextVar[bool] = ContextVar("safeloop_notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Inside this block notify() and notify_many() write nothing: for loading history (demo data,
    old records), whose events happened long ago and must not reach anyone's inbox today."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def notify(
    *,
    kind: str,
    audience: Audience,
    title: str,
    body: str = "",
    params: dict[str, Any] | None = None,
    url: str = "",
    obj: models.Model | None = None,
    dedupe_key: str = "",
) -> Message | None:
    """Write one outbox row and fan it out after commit. `title`/`body` are English msgids (mark them
    with gettext_noop) with %(name)s placeholders filled from `params` in the reader's language.
    A second call with the same non-blank `dedupe_key` is a no-op returning None."""
    if _muted.get():
        return None
    message = Message(
        **_message_fields(
            kind=kind, audience=audience, title=title, body=body, params=params, url=url, obj=obj, dedupe_key=dedupe_key
        )
    )
    if dedupe_key:
        try:
            with transaction.atomic():
                message.save(force_insert=True)
        except IntegrityError:
            return None
    else:
        message.save(force_insert=True)
    _enqueue_fan_out([str(message.uuid)])
    return message


def notify_many(items: list[dict[str, Any]]) -> int:
    """`notify()` for a batch (same keywords per item): one bulk insert, one task. Items whose
    dedupe_key exists already (or repeats in the batch) are skipped. Returns how many were written."""
    if _muted.get():
        return 0
    now = timezone.now()
    rows, keys = [], set()
    for item in items:
        key = item.get("dedupe_key", "")
        if key and key in keys:
            continue
        keys.add(key)
        rows.append({"uuid": uuid_module.uuid4(), "created_at": now, **_message_fields(**item)})
    keys.discard("")
    if keys:
        taken = set(Message.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        rows = [row for row in rows if row["dedupe_key"] not in taken]
    if not rows:
        return 0
    try:
        with transaction.atomic():
            bulk.insert_rows(Message, rows)
    except IntegrityError:  # a concurrent writer took one of the keys since the check above
        if not keys:
            raise
        Message.objects.bulk_create([Message(**row) for row in rows], batch_size=500, ignore_conflicts=True)
    _enqueue_fan_out([str(row["uuid"]) for row in rows])
    return len(rows)


# ---- the inbox -----------------------------------------------------------------------------------


def _uuids(values: list[Any], field: str) -> list[uuid_module.UUID]:
    out = []
    for value in values:
        try:
            out.append(value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value)))
        except ValueError:
            raise FieldErrors.single(field, _("Not a notification id: %(value)s") % {"value": value}) from None
    return out


def notification_mark_read(*, actor: Any, ids: list[Any] | None = None, all: bool = False) -> int:
    """Mark the actor's own notifications read (the given ids, or all); others' ids are ignored."""
    if not all and ids is None:
        raise FieldErrors.single("ids", _("Give the ids to mark read, or all."))
    queryset = Notification.objects.filter(user=actor, read_at=None)
    if not all:
        queryset = queryset.filter(uuid__in=_uuids(list(ids or []), "ids"))
    return queryset.update(read_at=timezone.now())


# ---- channels ------------------------------------------------------------------------------------

CHANNEL_FIELDS = ("division", "department", "enterprise", "kind", "name", "url", "address", "phones", "kinds", "active")
PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
KIND = re.compile(r"^[a-z0-9_.:-]{1,64}$")


def channel_snapshot(channel: Channel) -> dict[str, Any]:
    data = audit.snapshot(channel, CHANNEL_FIELDS)
    data["secret"] = "set" if channel.secret else ""  # never the secret itself
    if channel.kind in WEBHOOK_KINDS and channel.url:
        parts = urlsplit(channel.url)
        data["url"] = f"{parts.scheme}://{parts.netloc}{parts.path}"  # robot keys live in the query
    return data


def _resolve_unit(unit: str, errors: FieldErrors) -> dict[str, Any]:
    kind, _sep, key = (unit or "").partition(":")
    try:
        if kind == "division":
            return {"division": Division.objects.get(code=key)}
        if kind == "department":
            return {"department": Department.objects.select_related("division").get(uuid=uuid_module.UUID(key))}
        if kind == "enterprise":
            return {"enterprise": Enterprise.objects.get(uuid=uuid_module.UUID(key))}
    except (ObjectDoesNotExist, ValueError):
        pass
    errors.add("unit", _("Choose a division, department or enterprise."))
    return {}


def _may_configure(actor: Any, unit: dict[str, Any]) -> bool:
    return selectors.may_configure(
        actor,
        division_code=unit["division"].code if unit.get("division") else None,
        department=unit.get("department"),
        enterprise=unit.get("enterprise"),
    )


def _clean_channel(data: dict[str, Any], current: Channel | None, errors: FieldErrors) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    kind = data.get("kind", current.kind if current else "")
    if kind not in ChannelKind.values:
        errors.add("kind", _("Choose a channel kind."))
    clean["kind"] = kind
    name = (data.get("name", current.name if current else "") or "").strip()
    if not name:
        errors.add("name", _("This field is required."))
    elif len(name) > 64:
        errors.add("name", _("At most 64 characters."))
    clean["name"] = name
    url = (data.get("url", current.url if current else "") or "").strip()
    address = (data.get("address", current.address if current else "") or "").strip()
    phones = data.get("phones", current.phones if current else [])
    if isinstance(phones, str):
        phones = re.split(r"[\s,，;；]+", phones)
    phones = [str(p).strip() for p in phones or [] if str(p).strip()]
    clean.update(url="", address="", phones=[])
    if kind in WEBHOOK_KINDS:
        parts = urlsplit(url)
        if not url:
            errors.add("url", _("A robot channel needs its webhook URL."))
        elif parts.scheme not in ("http", "https") or not parts.hostname:
            errors.add("url", _("Enter an http:// or https:// URL."))
        elif len(url) > 500:
            errors.add("url", _("At most 500 characters."))
        clean["url"] = url
    elif kind == ChannelKind.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            errors.add("address", _("Enter a valid e-mail address."))
        clean["address"] = address
    elif kind == ChannelKind.SMS:
        if not phones:
            errors.add("phones", _("Give at least one phone number."))
        for phone in phones:
            if not PHONE.match(phone):
                errors.add("phones", _("Not a phone number: %(phone)s") % {"phone": phone})
        clean["phones"] = list(dict.fromkeys(phones))
    kinds = data.get("kinds", current.kinds if current else [])
    if isinstance(kinds, str):
        kinds = re.split(r"[\s,，]+", kinds)
    kinds = [str(k).strip() for k in kinds or [] if str(k).strip()]
    for value in kinds:
        if not KIND.match(value):
            errors.add("kinds", _("Not a message kind: %(kind)s") % {"kind": value})
    clean["kinds"] = list(dict.fromkeys(kinds))
    clean["active"] = bool(data.get("active", current.active if current else True))
    if "secret" in data and data["secret"] is not None:  # write-only: absent or None keeps the old one
        secret = str(data["secret"]).strip()
        if len(secret) > 200:
            errors.add("secret", _("At most 200 characters."))
        clean["secret"] = secret if kind in WEBHOOK_KINDS else ""
    elif kind not in WEBHOOK_KINDS:
        clean["secret"] = ""
    return clean


@transaction.atomic
def channel_save(*, actor: Any, channel: Channel | None = None, **data: Any) -> Channel:
    """Create (channel=None) or change a channel. Input: unit ("division:<code>", "department:<uuid>"
    or "enterprise:<uuid>"), kind, name, url, secret (write-only; None keeps it), address, phones,
    kinds (message kinds; empty = all), active."""
    unknown = set(data) - {"unit", "kind", "name", "url", "secret", "address", "phones", "kinds", "active"}
    if unknown:
        raise FieldErrors.single(sorted(unknown)[0], _("Unknown field."))
    if channel is not None and not selectors.channel_list(actor=actor).filter(pk=channel.pk).exists():
        raise NotAllowed(_("You may not configure this channel."))
    errors = FieldErrors()
    unit: dict[str, Any] = {}
    if channel is None or data.get("unit") not in (None, "", channel.unit_key):
        unit = _resolve_unit(data.get("unit", ""), errors)
    clean = _clean_channel(data, channel, errors)
    errors.raise_if_any()
    if unit and not _may_configure(actor, unit):
        raise FieldErrors.single("unit", _("You may not configure channels for this unit."))
    before = channel_snapshot(channel) if channel is not None else None
    if channel is None:
        channel = Channel(**unit, **clean)
        channel.save()
        verb = "create"
    else:
        if unit:
            clean.update({"division": None, "department": None, "enterprise": None} | unit)
        for name, value in clean.items():
            setattr(channel, name, value)
        channel.save(update_fields=[*clean, "updated_at"])
        verb = "update"
    audit.record(actor=actor, verb=verb, obj=channel, before=before, after=channel_snapshot(channel))
    return channel


@transaction.atomic
def channel_delete(*, actor: Any, channel: Channel) -> None:
    if not selectors.channel_list(actor=actor).filter(pk=channel.pk).exists():
        raise NotAllowed(_("You may not configure this channel."))
    before = channel_snapshot(channel)
    audit.record(actor=actor, verb="delete", obj=channel, before=before)
    channel.delete()


# ---- deliveries ----------------------------------------------------------------------------------


@transaction.atomic
def delivery_retry(*, actor: Any, delivery: Delivery) -> Delivery:
    """Send a failed, dead or waiting delivery again now, with a fresh count of attempts."""
    if not selectors.deliveries(actor=actor).filter(pk=delivery.pk).exists():
        raise NotAllowed(_("You may not retry this delivery."))
    if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.SENDING):
        raise NotAllowed(_("This delivery is not waiting to be sent again."))
    before = audit.snapshot(delivery, ["status", "attempts", "last_error"])
    now = timezone.now()
    moved = Delivery.objects.filter(pk=delivery.pk, status=delivery.status).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
    )
    if moved != 1:
        raise NotAllowed(_("This delivery is not waiting to be sent again."))
    delivery.refresh_from_db()
    audit.record(
        actor=actor,
        verb="retry",
        obj=delivery,
        object_repr=f"{delivery.channel} → {delivery.target}",
        before=before,
        after=audit.snapshot(delivery, ["status", "attempts", "last_error"]),
    )
    from safeloop.notifications.tasks import deliver_task

    transaction.on_commit(lambda: deliver_task.enqueue([delivery.pk]), robust=True)
    return delivery

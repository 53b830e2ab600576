"""API v1 for the caller's own notifications: the inbox (rendered in the request's language), marking
read and the unread count. Endpoints parse input and call one selector or service."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from safeloop.api.lists import paged
from safeloop.api.schemas import Page, PageIn, errors
from safeloop.notifications import selectors, services
from safeloop.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: UUID
    kind: str
    title: str
    body: str
    url: str
    read: bool
    created_at: datetime

    @staticmethod
    def from_row(notification: Notification) -> dict[str, Any]:
        message = notification.message
        return {
            "id": notification.uuid,
            "kind": message.kind,
            "title": message.rendered_title(),
            "body": message.rendered_body(),
            "url": message.url,
            "read": notification.read,
            "created_at": notification.created_at,
        }


class NotificationQuery(Schema):
    unread: bool | None = Field(None, description="true: only unread; false: only read.")


class MarkReadIn(Schema):
    ids: list[UUID] | None = Field(None, description="Notification ids to mark read.")
    all: bool = Field(False, description="Mark every notification read.")


class MarkReadOut(Schema):
    updated: int


class CountOut(Schema):
    count: int


@router.get("/notifications", response={200: Page[NotificationOut], **errors(401, 422)})
def notification_list(request: HttpRequest, page: Query[PageIn], query: Query[NotificationQuery]) -> Any:
    """The caller's inbox, newest first; titles and bodies in the request's language."""
    result = paged(selectors.inbox(actor=request.user, unread=query.unread), page)
    result["items"] = [NotificationOut.from_row(n) for n in result["items"]]
    return result


@router.post("/notifications/read", response={200: MarkReadOut, **errors(400, 401, 422)})
def notification_mark_read(request: HttpRequest, payload: MarkReadIn) -> Any:
    """`{"ids": [...]}` or `{"all": true}`; ids that are not the caller's are ignored."""
    updated = services.notification_mark_read(actor=request.user, ids=payload.ids, all=payload.all)
    return {"updated": updated}


@router.get("/notifications/unread-count", response={200: CountOut, **errors(401)})
def notification_unread_count(request: HttpRequest) -> Any:
    return {"count": selectors.unread_count(actor=request.user)}

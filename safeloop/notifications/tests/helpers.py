"""Shared test helpers: messages with msgids that the catalogues translate already."""

from typing import Any

from django.utils.translation import gettext_noop

from safeloop.notifications import dispatch
from safeloop.notifications.services import Audience, notify
from safeloop.notifications.tasks import fan_out_task

TITLE = gettext_noop("The enterprise %(name)s was added.")  # zh: 企业 %(name)s 已添加。
BODY = gettext_noop("The changes were saved.")  # zh: 修改已保存。
TITLE_ZH = "企业 月湖燃气 已添加。"
TITLE_EN = "The enterprise 月湖燃气 was added."


def send(django_capture_on_commit_callbacks: Any, audience: Audience, **kwargs: Any) -> Any:
    """notify() as a service would, commit, then run the fan-out task the commit enqueues."""
    fields = {"kind": "test.added", "title": TITLE, "body": BODY, "params": {"name": "月湖燃气"}, "url": "/orgs/"}
    with django_capture_on_commit_callbacks() as callbacks:
        message = notify(audience=audience, **(fields | kwargs))
    assert len(callbacks) == (1 if message is not None else 0)
    if message is not None:
        fan_out_task.call([str(message.uuid)])
    return message


def deliver_due_at(moment: Any) -> dict[str, int]:
    return dispatch.deliver_due(now=moment)

"""Sending one delivery over its channel: robot webhooks (WeCom, DingTalk, Feishu) with the stdlib's
urllib, e-mail through Django's mail API, SMS through the configured gateway. Every text is rendered
in Simplified Chinese. A sender returns when the far end accepted the message and raises otherwise."""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext

from safeloop.notifications import sms
from safeloop.notifications.choices import ChannelKind
from safeloop.notifications.models import Channel, Delivery, Message

TIMEOUT_SECONDS = 5
SEND_LANGUAGE = "zh-hans"


class SendError(RuntimeError):
    """The far end refused or could not be reached; the delivery will be retried."""


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    link: str  # absolute when SAFELOOP_SITE_URL is set, else the path


def message_text(message: Message) -> Text:
    with translation.override(SEND_LANGUAGE):
        title, body = message.rendered_title(), message.rendered_body()
    link = message.url
    base = getattr(settings, "SAFELOOP_SITE_URL", "")
    if link.startswith("/") and base:
        link = base.rstrip("/") + link
    return Text(title=title, body=body, link=link)


# ---- robots -------------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk robot signature: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu robot signature: base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _markdown(text: Text) -> str:
    lines = [f"**{text.title}**"]
    if text.body:
        lines.append(text.body)
    if text.link:
        with translation.override(SEND_LANGUAGE):
            lines.append(f"[{gettext('Open in SafeLoop')}]({text.link})")
    return "\n\n".join(lines)


def _plain(text: Text) -> str:
    return "\n".join(part for part in (text.title, text.body, text.link) if part)


def robot_request(channel: Channel, text: Text, now: float | None = None) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body a robot channel is sent (signed when the channel has a secret)."""
    now = time.time() if now is None else now
    url = channel.url
    if channel.kind == ChannelKind.WECOM:
        return url, {"msgtype": "markdown", "markdown": {"content": _markdown(text)}}
    if channel.kind == ChannelKind.DINGTALK:
        if channel.secret:
            timestamp = int(now * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(channel.secret, timestamp))
            url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={sign}"
        return url, {"msgtype": "markdown", "markdown": {"title": text.title, "text": _markdown(text)}}
    if channel.kind == ChannelKind.FEISHU:
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": _plain(text)}}
        if channel.secret:
            timestamp = int(now)
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(channel.secret, timestamp), **payload}
        return url, payload
    raise ValueError(channel.kind)


def post_json(url: str, payload: dict[str, Any]) -> None:
    """POST JSON; success is HTTP 2xx whose JSON (if any) has no non-zero errcode/code/StatusCode."""
    if not url.startswith(("http://", "https://")):
        raise SendError("the webhook URL is not http(s)")
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) checked)
            status, raw = response.status, response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}: {exc.read(500).decode(errors='replace')}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return  # a 2xx without JSON: accepted
    if isinstance(answer, dict):
        for key in ("errcode", "code", "StatusCode"):
            if key in answer and answer[key] not in (0, "0", None):
                message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
                raise SendError(f"{key} {answer[key]}: {message}")


# ---- one delivery -------------------------------------------------------------------------------


def send(delivery: Delivery) -> None:
    channel, text = delivery.channel, message_text(delivery.message)
    if channel.kind in (ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.FEISHU):
        post_json(*robot_request(channel, text))
    elif channel.kind == ChannelKind.EMAIL:
        body = "\n\n".join(part for part in (text.body, text.link) if part)
        EmailMessage(subject=text.title, body=body, to=[delivery.target]).send()
    elif channel.kind == ChannelKind.SMS:
        with translation.override(SEND_LANGUAGE):
            brand = gettext("SafeLoop")
        sms.gateway().send(delivery.target, f"【{brand}】{_plain(text)}")
    else:
        raise SendError(f"unknown channel kind {channel.kind}")

"""SMS through a pluggable gateway: `SAFELOOP_SMS_GATEWAY` names the class (dotted path). A gateway's
`send()` returns when the gateway accepted the text and raises on any failure (the delivery retries)."""

import json
import logging
import urllib.request
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from safeloop.accounts.models import mask_phone

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class SmsError(RuntimeError):
    pass


class LogSmsGateway:
    """The default: writes a log line and counts as sent. No SMS leaves the machine."""

    def send(self, phone: str, text: str) -> None:
        logger.warning(
            "SMS NOT SENT (LogSmsGateway: no SMS left this machine; set SAFELOOP_SMS_GATEWAY) to %s: %s",
            mask_phone(phone),
            text,
        )


class HttpJsonSmsGateway:
    """POSTs {"phone", "text"} as JSON to SAFELOOP_SMS_URL; any answer but HTTP 2xx is a failure."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url if url is not None else settings.SAFELOOP_SMS_URL

    def send(self, phone: str, text: str) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise SmsError("SAFELOOP_SMS_URL is not set to an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            self.url,
            data=json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) checked)
            if not 200 <= response.status < 300:
                raise SmsError(f"SMS gateway answered HTTP {response.status}")


def gateway() -> SmsGateway:
    gateway_class = import_string(settings.SAFELOOP_SMS_GATEWAY)
    return gateway_class()

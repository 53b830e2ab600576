"""Real far ends for notification tests: an HTTP receiver (robot webhooks, the SMS gateway) and an
SMTP server, both on 127.0.0.1. Other apps' tests may import these fixtures from here."""

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """Records every request; answers `answer` (JSON, 200) or 500 for the first `failures` requests."""

    url: str = ""
    requests: list[ReceivedRequest] = field(default_factory=list)
    failures: int = 0
    failure_status: int = 500
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_first(self, n: int, status: int = 500) -> None:
        self.failures, self.failure_status = n, status

    def url_for(self, path: str) -> str:
        return self.url + path


def _handler(receiver: HttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(ReceivedRequest("POST", self.path, dict(self.headers.items()), body))
                failing = receiver.failures > 0
                if failing:
                    receiver.failures -= 1
                status = receiver.failure_status if failing else 200
                answer = {"error": "failing on purpose"} if failing else receiver.answer
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def http_receiver():
    receiver = HttpReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) with Django's default mailer pointed at it."""
    from aiosmtpd.controller import Controller

    server = SmtpServer(host="127.0.0.1", port=_free_port())

    class Handler:
        async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
            server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            server.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
            return "250 OK"

    controller = Controller(Handler(), hostname=server.host, port=server.port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": server.host, "port": server.port, "timeout": 5},
        }
    }
    yield server
    controller.stop()

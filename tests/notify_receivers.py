"""Local receivers for the notification tests: an SMTP server (aiosmtpd) and a webhook (http.server)."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from pipelines.settings import NotifySettings


def free_port() -> int:
    """Return a TCP port nothing listens on at the moment (aiosmtpd cannot take port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """What a receiver got: emails, or the JSON bodies POSTed to the webhook."""

    emails: list[EmailMessage] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)


class _Mailbox:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.inbox.emails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, int, Inbox]]:
    """Yield (host, port, inbox) of an SMTP server on 127.0.0.1 that keeps what it receives."""
    inbox = Inbox()
    controller = Controller(_Mailbox(inbox), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.hostname, controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def webhook_server() -> Iterator[tuple[str, Inbox]]:
    """Yield (url, inbox) of an HTTP server on 127.0.0.1 that keeps each JSON body POSTed to it."""
    inbox = Inbox()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's hook name)
            inbox.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", inbox
    finally:
        server.shutdown()
        server.server_close()


def notify_env(
    monkeypatch: pytest.MonkeyPatch, smtp: tuple[str, int, Inbox], webhook: tuple[str, Inbox]
) -> None:
    """Point the JOINEDUP_NOTIFY_* variables at the local receivers."""
    host, port, _ = smtp
    monkeypatch.setenv("JOINEDUP_NOTIFY_SMTP_HOST", host)
    monkeypatch.setenv("JOINEDUP_NOTIFY_SMTP_PORT", str(port))
    monkeypatch.setenv("JOINEDUP_NOTIFY_SMTP_TO", "oncall@example.org, team@example.org")
    monkeypatch.setenv("JOINEDUP_NOTIFY_WEBHOOK_URL", webhook[0])


def settings_for(smtp: tuple[str, int, Inbox], webhook: tuple[str, Inbox]) -> NotifySettings:
    """Return notification settings that send to the local receivers."""
    return NotifySettings(
        smtp_host=smtp[0], smtp_port=smtp[1], smtp_to=("oncall@example.org",), webhook_url=webhook[0]
    )

"""Notices that reach a person: what failed, when and what to do, by email (SMTP) and by webhook."""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol

import requests

from pipelines.settings import NotifySettings

TIMEOUT_SECONDS = 10
# Control characters (a partner's name is data: it must not add lines to a header or a message)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Log(Protocol):
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...


@dataclass(frozen=True)
class Notice:
    """One thing that failed: a title, when, the facts (one per line) and what to do about it."""

    title: str
    when: datetime
    facts: tuple[str, ...]
    todo: str

    def text(self) -> str:
        """Return the notice as plain text."""
        lines = [
            self.title,
            f"When: {self.when.isoformat(timespec='seconds')}",
            *self.facts,
            f"What to do: {self.todo}",
        ]
        return "\n".join(_CONTROL.sub(" ", line) for line in lines)


def first_line(text: str | None) -> str:
    """Return the first non-blank line of an error message (empty for none)."""
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def email_message(notice: Notice, settings: NotifySettings) -> EmailMessage:
    """Return the notice as a plain-text email (no HTML: names in it are shown, never run)."""
    message = EmailMessage()
    message["Subject"] = f"[joinedup] {' '.join(notice.title.split())}"
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.smtp_to)
    message["Date"] = format_datetime(notice.when)
    message["Message-ID"] = make_msgid(domain="joinedup")
    message.set_content(notice.text() + "\n")
    return message


def webhook_text(notice: Notice) -> str:
    """Return the notice as webhook text, with `&`, `<` and `>` escaped (Slack's rule; inert in Teams)."""
    return notice.text().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def send_email(notice: Notice, settings: NotifySettings) -> None:
    """Send the notice to the configured recipients through the configured SMTP server."""
    if settings.smtp_host is None:
        raise ValueError("no SMTP server is configured (JOINEDUP_NOTIFY_SMTP_HOST)")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(email_message(notice, settings))


def send_webhook(notice: Notice, url: str) -> None:
    """POST the notice as JSON `{"text": ...}` (Slack and Teams incoming webhooks), no formatting."""
    response = requests.post(
        url, json={"text": webhook_text(notice), "mrkdwn": False}, timeout=TIMEOUT_SECONDS
    )
    response.raise_for_status()


def deliver(notice: Notice, settings: NotifySettings, log: Log) -> list[str]:
    """Send the notice on every configured channel; return those that took it.

    A channel that fails (server down, refused) is logged and the others still tried: a notice never
    raises. With no channel configured nothing is sent, and the log says so.
    """
    channels = []
    if settings.email_configured:
        channels.append(("email", lambda: send_email(notice, settings)))
    url = settings.webhook_url
    if url:
        channels.append(("webhook", lambda: send_webhook(notice, url)))
    if not channels:
        log.info(
            f"no notification channel configured (JOINEDUP_NOTIFY_SMTP_HOST and _TO, or "
            f"JOINEDUP_NOTIFY_WEBHOOK_URL): not sent: {notice.title}"
        )
        return []
    delivered = []
    for name, send in channels:
        try:
            send()
        except (OSError, smtplib.SMTPException, requests.RequestException) as error:
            log.warning(
                f"notification by {name} failed ({type(error).__name__}: {first_line(str(error))}): "
                f"{notice.title}"
            )
        else:
            delivered.append(name)
            log.info(f"notification sent by {name}: {notice.title}")
    return delivered

"""Notices reach a person by email and webhook (real local servers), and a channel that is down does not
stop the others; the failure sensors send what failed, when and what to do."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.test_utils import freeze_time

from pipelines.alerts import notify_failed_checks, notify_run_failure
from pipelines.freshness import freshness_checks
from pipelines.notify import Notice, deliver, email_message, webhook_text
from pipelines.settings import NotifySettings
from tests.notify_receivers import (
    free_port,
    notify_env,
    settings_for,
)

HOSTILE = "<b onmouseover=alert(1)>St Elsewhere & Co</b>\r\nBcc: everyone@example.org"
NOTICE = Notice(
    title=f"overdue returns from {HOSTILE}",
    when=datetime(2026, 3, 4, 6, 0, tzinfo=UTC),
    facts=("Run: abc123", f"Partner: {HOSTILE}"),
    todo="Chase the partner.",
)
LOG = logging.getLogger("test_notify")


def test_email_and_webhook_reach_local_servers(smtp_server, webhook_server):
    delivered = deliver(NOTICE, settings_for(smtp_server, webhook_server), LOG)
    assert delivered == ["email", "webhook"]
    (mail,), (post,) = smtp_server[2].emails, webhook_server[1].posts
    assert mail["To"] == "oncall@example.org" and mail["Bcc"] is None, "a name must not add a header"
    assert mail.get_content_type() == "text/plain"
    body = mail.get_content()
    assert "Run: abc123" in body and "When: 2026-03-04T06:00:00+00:00" in body and "Chase" in body
    assert "<b onmouseover" in body, "a plain-text email shows the name as sent"
    assert "\r" not in mail["Subject"] and "\n" not in mail["Subject"]
    assert "<" not in post["text"] and "&lt;b onmouseover=alert(1)&gt;St Elsewhere &amp; Co" in post["text"]
    assert post["mrkdwn"] is False


def test_names_are_data_in_both_channels():
    settings = NotifySettings(smtp_host="localhost", smtp_to=("a@example.org",))
    message = email_message(NOTICE, settings)
    assert not message.is_multipart() and message.get_content_type() == "text/plain"
    assert "Bcc" not in message
    assert not any(char in webhook_text(NOTICE) for char in "<>\r")


def test_nothing_configured_sends_nothing_and_says_so(caplog):
    with caplog.at_level(logging.INFO, logger=LOG.name):
        assert deliver(NOTICE, NotifySettings(), LOG) == []
    assert "no notification channel configured" in caplog.text


def test_a_channel_that_is_down_is_logged_and_the_other_still_sent(webhook_server, caplog):
    settings = NotifySettings(
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_to=("a@example.org",),
        webhook_url=webhook_server[0],
    )
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert deliver(NOTICE, settings, LOG) == ["webhook"]
    assert "notification by email failed (ConnectionRefusedError" in caplog.text
    down = NotifySettings(webhook_url=f"http://127.0.0.1:{free_port()}/hook")
    assert deliver(NOTICE, down, LOG) == []


def test_settings_from_the_environment(monkeypatch):
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_TO", "WEBHOOK_URL"):
        monkeypatch.delenv(f"JOINEDUP_NOTIFY_{name}", raising=False)
    assert NotifySettings.from_env() == NotifySettings()
    monkeypatch.setenv("JOINEDUP_NOTIFY_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("JOINEDUP_NOTIFY_SMTP_PORT", "587")
    monkeypatch.setenv("JOINEDUP_NOTIFY_SMTP_TO", "a@example.org, b@example.org")
    settings = NotifySettings.from_env()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_to) == (
        "mail.example.org",
        587,
        ("a@example.org", "b@example.org"),
    )
    assert settings.email_configured and settings.webhook_url is None


@dg.op
def load_partner_file() -> None:
    raise ValueError("P1_20240301.csv: column 'period' missing\nsecond line of detail")


@dg.job
def failing_job() -> None:
    load_partner_file()


def test_run_failure_sensor_sends_run_step_error_and_what_to_do(
    smtp_server,
    webhook_server,
    monkeypatch,
):
    notify_env(monkeypatch, smtp_server, webhook_server)
    with dg.instance_for_test() as instance:
        result = failing_job.execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        context = dg.build_run_status_sensor_context(
            sensor_name="notify_run_failure",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
        ).for_run_failure()
        notify_run_failure(context)
    (mail,), (post,) = smtp_server[2].emails, webhook_server[1].posts
    for text in (mail.get_content(), post["text"]):
        assert result.run_id in text
        assert "Step load_partner_file failed: ValueError: P1_20240301.csv: column 'period' missing" in text
        assert "second line" not in text
        assert "When: " in text and "What to do: Open the run in the Dagster UI" in text
    assert mail["Subject"] == "[joinedup] joinedup run failed (load_partner_file)"


PARTNERS = [{"partner_code": "P9", "partner_name": HOSTILE, "returns_missing": 2, "months": 2}]


@dg.asset(key=["marts", "partner_data_quality"])
def partner_data_quality() -> None:
    """A stand-in for the data-quality mart."""


@dg.asset_check(asset=partner_data_quality, name="no_returns_overdue")
def no_returns_overdue() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"partners_with_overdue_returns": 1, "returns_missing": 2, "by_partner": PARTNERS},
    )


def _success_context(instance: dg.DagsterInstance, result) -> dg.RunStatusSensorContext:
    return dg.build_run_status_sensor_context(
        sensor_name="notify_failed_checks",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_success_event(),
    )


def test_overdue_returns_reach_a_person_with_partner_names_as_text(
    smtp_server,
    webhook_server,
    monkeypatch,
):
    notify_env(monkeypatch, smtp_server, webhook_server)
    with dg.instance_for_test() as instance:
        result = dg.materialize([partner_data_quality, no_returns_overdue], instance=instance)
        assert result.success, "a warning check does not fail the run"
        notify_failed_checks(_success_context(instance, result))
    (mail,), (post,) = smtp_server[2].emails, webhook_server[1].posts
    assert "2 returns from 1 partner(s)" in mail.get_content()
    assert "&lt;b onmouseover=alert(1)&gt;St Elsewhere &amp; Co&lt;/b&gt;" in post["text"]
    assert "joinedup inbox report" in post["text"]


@pytest.mark.parametrize("days_later, stale", [(0, False), (3, True)])
def test_a_stale_publication_fails_its_freshness_check_and_is_sent(
    smtp_server,
    webhook_server,
    monkeypatch,
    days_later,
    stale,
):
    notify_env(monkeypatch, smtp_server, webhook_server)
    checks = freshness_checks([partner_data_quality])
    with dg.instance_for_test() as instance:
        assert dg.materialize([partner_data_quality], instance=instance).success
        with freeze_time(datetime.now(UTC) + timedelta(days=days_later)):
            result = dg.materialize(
                [partner_data_quality, *checks],
                instance=instance,
                selection=dg.AssetSelection.checks(*checks),
            )
        (evaluation,) = result.get_asset_check_evaluations()
        assert evaluation.passed is not stale, "updated since last night's 02:00 run, or not"
        notify_failed_checks(_success_context(instance, result))
    assert len(webhook_server[1].posts) == int(stale)
    if stale:
        text = smtp_server[2].emails[0].get_content()
        assert "Stale publication: marts/partner_data_quality last updated" in text
        assert "nightly_at_two schedule" in text

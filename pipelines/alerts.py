"""Sensors that tell a person: a run that failed, and the overdue-returns and freshness checks that failed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.notify import Notice, deliver, first_line
from pipelines.settings import NotifySettings

if TYPE_CHECKING:
    from dagster_shared.error import SerializableErrorInfo

LONDON = ZoneInfo("Europe/London")
OVERDUE_CHECK = "no_returns_overdue"
FRESHNESS_CHECK_PREFIX = "freshness_check"  # Dagster names each freshness check freshness_check_<id>
LAST_UPDATED = "dagster/last_updated_timestamp"
LOWER_BOUND = "dagster/freshness_lower_bound_timestamp"

RUN_FAILED_TODO = (
    "Open the run in the Dagster UI (Runs) and read the failed step's log. Nothing was "
    "published: the warehouse and scorecards are still the previous publication. Fix the "
    "cause (a bad partner file: take it out of the inbox), then re-execute the run from "
    "failure or run `make run`."
)
OVERDUE_TODO = (
    "Chase the partners listed; `joinedup inbox report --partner CODE` shows what each has "
    "sent and what was held back."
)
STALE_TODO = (
    "The nightly run has not published in time: check in the Dagster UI that the daemon is up "
    "and the nightly_at_two schedule ticked, look at the last run, then `make run`."
)


def watched(evaluation: dg.AssetCheckEvaluation) -> bool:
    """Return whether a person is told when this check fails (overdue returns, freshness)."""
    return evaluation.check_name == OVERDUE_CHECK or evaluation.check_name.startswith(FRESHNESS_CHECK_PREFIX)


def failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    """Return the watched checks that failed in a run."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    events = [record.event_log_entry.dagster_event for record in records]
    evaluations = [event.asset_check_evaluation_data for event in events if event is not None]
    return [e for e in evaluations if watched(e) and not e.passed]


def _time(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp, LONDON).isoformat(timespec="minutes") if timestamp else "never"


def check_fact(evaluation: dg.AssetCheckEvaluation) -> str:
    """Return one line saying what a failed check found."""
    meta: dict[str, Any] = {key: value.value for key, value in evaluation.metadata.items()}  # as JSON
    asset = evaluation.asset_key.to_user_string()
    if evaluation.check_name == OVERDUE_CHECK:
        partners = ", ".join(
            f"{p['partner_name']} ({p['partner_code']}): {p['returns_missing']} missing"
            for p in meta.get("by_partner", [])
        )
        return (
            f"Overdue returns ({asset}): {meta.get('returns_missing', '?')} returns from "
            f"{meta.get('partners_with_overdue_returns', '?')} partner(s) past their deadline: "
            f"{partners}"
        )
    return (
        f"Stale publication: {asset} last updated {_time(meta.get(LAST_UPDATED))}, expected an update "
        f"since {_time(meta.get(LOWER_BOUND))}"
    )


def _kind(evaluation: dg.AssetCheckEvaluation) -> str:
    return "overdue returns" if evaluation.check_name == OVERDUE_CHECK else "stale publication"


def _todo(evaluations: list[dg.AssetCheckEvaluation]) -> str:
    kinds = {_kind(e) for e in evaluations}
    todos = (("overdue returns", OVERDUE_TODO), ("stale publication", STALE_TODO))
    return " ".join(todo for kind, todo in todos if kind in kinds)


def _finished(instance: dg.DagsterInstance, run_id: str) -> datetime:
    record = instance.get_run_record_by_id(run_id)
    end = record.end_time if record else None
    return datetime.fromtimestamp(end, LONDON) if end else datetime.now(UTC).astimezone(LONDON)


def error_line(error: SerializableErrorInfo) -> str:
    """Return the first line of a step's error, the code's own error rather than Dagster's wrapper."""
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    return first_line(error.message)


def run_failure_notice(context: dg.RunFailureSensorContext) -> Notice:
    """Return the notice of a failed run: its id, each failed step with its error's first line."""
    run = context.dagster_run
    facts = [f"Run: {run.run_id} (job {run.job_name})"]
    steps = context.get_step_failure_events()
    for event in steps:
        error = event.step_failure_data.error
        cause = error_line(error) if error else first_line(event.message)
        facts.append(f"Step {event.step_key} failed: {cause}")
    if not steps:
        facts.append(f"Error: {first_line(context.failure_event.message)}")
    checks = failed_checks(context.instance, run.run_id)
    facts += [check_fact(e) for e in checks]
    failed = ", ".join(str(e.step_key) for e in steps) or "before any step"
    return Notice(
        title=f"joinedup run failed ({failed})",
        when=_finished(context.instance, run.run_id),
        facts=tuple(facts),
        todo=" ".join([RUN_FAILED_TODO, _todo(checks)]).strip(),
    )


def failed_checks_notice(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Notice | None:
    """Return the notice of the watched checks a run found failing (None when all passed)."""
    checks = failed_checks(instance, run.run_id)
    if not checks:
        return None
    return Notice(
        title=f"joinedup: {len(checks)} check(s) failed: {', '.join(sorted({_kind(e) for e in checks}))}",
        when=_finished(instance, run.run_id),
        facts=(f"Run: {run.run_id} (job {run.job_name})", *(check_fact(e) for e in checks)),
        todo=_todo(checks),
    )


@dg.run_failure_sensor(
    name="notify_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Tells the configured email recipients and webhook that a run failed.",
)
def notify_run_failure(context: dg.RunFailureSensorContext) -> None:
    """Send the notice of a failed run (the overdue-returns and freshness checks it failed too)."""
    deliver(run_failure_notice(context), NotifySettings.from_env(), context.log)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="notify_failed_checks",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Tells the configured email recipients and webhook when a run finds "
    "returns overdue or a published mart stale.",
)
def notify_failed_checks(context: dg.RunStatusSensorContext) -> dg.SkipReason | None:
    """Send the notice of the overdue-returns and freshness checks a successful run found failing."""
    notice = failed_checks_notice(context.instance, context.dagster_run)
    if notice is None:
        return dg.SkipReason(f"run {context.dagster_run.run_id}: no overdue returns, nothing stale")
    deliver(notice, NotifySettings.from_env(), context.log)
    return None

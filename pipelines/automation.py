"""The nightly job, its schedule, and the sensor that starts a run for the months new files touch."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from assets.partitions import range_tags
from pipelines.due import DueWork, due_work
from pipelines.settings import Settings

# Transient failures (the working database locked by another process, a file share that blinks)
# are retried after 2, 4 and 8 seconds before a step fails.
TRANSIENT_RETRIES = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)

nightly_job = dg.define_asset_job(
    "nightly", selection=dg.AssetSelection.all(), op_retry_policy=TRANSIENT_RETRIES,
    description="Ingest new partner files, validate, rebuild the marts and publish.")



def months_left_out(repository: dg.RepositoryDefinition) -> list[dg.AssetKey]:
    """Return every asset but the monthly-partitioned ones, for a run with no month due."""
    selection = dg.AssetSelection.all() - dg.AssetSelection.groups("validate")
    return sorted(selection.resolve(repository.asset_graph))


def nightly_request(due: DueWork, repository: dg.RepositoryDefinition, run_key: str | None) -> dg.RunRequest:
    """Return the run for the months due (one run over their range), or the rest of the job if none are."""
    tags = {"joinedup/new_files": str(len(due.new_files)),
            "joinedup/touched_months": str(len(due.touched_months)),
            "joinedup/months_under_older_rules": str(len(due.months_under_older_rules))}
    if due.months:
        return dg.RunRequest(run_key=run_key, tags=tags | range_tags(due.months))
    return dg.RunRequest(run_key=run_key, tags=tags, asset_selection=months_left_out(repository))


@dg.schedule(name="nightly_at_two", job=nightly_job, cron_schedule="0 2 * * *",
             execution_timezone="Europe/London", default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Every night: validate the months new files touch and months under older "
                         "rules, rebuild the marts and publish (overdue returns change with the date).")
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Request tonight's run over whatever months are due."""
    return nightly_request(due_work(Settings.from_env()), context.repository_def, None)


def inbox_state(settings: Settings) -> dict[str, list[float]]:
    """Return {relative path: [size, modified time]} for every file in the inbox."""
    inbox = settings.inbox
    if not inbox.is_dir():
        return {}
    return {str(p.relative_to(inbox)): [p.stat().st_size, p.stat().st_mtime]
            for p in sorted(inbox.rglob("*")) if p.is_file()}


@dg.sensor(job=nightly_job, minimum_interval_seconds=60,
           description="Starts a run for the months that files added to or replaced in the inbox touch.")
def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Request one run over the months touched by files changed since the last evaluation."""
    settings = Settings.from_env()
    state = inbox_state(settings)
    previous = json.loads(context.cursor) if context.cursor else {}
    cursor = json.dumps(state, sort_keys=True)
    if not any(previous.get(path) != stamp for path, stamp in state.items()):
        return dg.SensorResult(skip_reason="no new or changed files in the inbox", cursor=cursor)
    due = due_work(settings)
    if not due.new_files:
        return dg.SensorResult(skip_reason="the changed files hold nothing not already received",
                               cursor=cursor)
    run_key = hashlib.sha256(cursor.encode()).hexdigest()
    return dg.SensorResult(run_requests=[nightly_request(due, context.repository_def, run_key)],
                           cursor=cursor)

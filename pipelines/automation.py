"""The nightly job, its schedule, and the sensor that starts a run when partners drop new files."""

from __future__ import annotations

import json

import dagster as dg

from pipelines.settings import Settings

# Transient failures (the working database locked by another process, a file share that blinks)
# are retried after 2, 4 and 8 seconds before a step fails.
TRANSIENT_RETRIES = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)

nightly_job = dg.define_asset_job(
    "nightly", selection=dg.AssetSelection.all(), op_retry_policy=TRANSIENT_RETRIES,
    description="Ingest new partner files, validate, rebuild the marts and publish.")

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_at_two", job=nightly_job, cron_schedule="0 2 * * *",
    execution_timezone="Europe/London", default_status=dg.DefaultScheduleStatus.RUNNING)


def inbox_state(settings: Settings) -> dict[str, list[float]]:
    """Return {relative path: [size, modified time]} for every file in the inbox."""
    inbox = settings.inbox
    if not inbox.is_dir():
        return {}
    return {str(p.relative_to(inbox)): [p.stat().st_size, p.stat().st_mtime]
            for p in sorted(inbox.glob("*/*")) if p.is_file()}


@dg.sensor(job=nightly_job, minimum_interval_seconds=60,
           description="Starts a run when files are added to or replaced in the inbox.")
def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Request one run for each change to the inbox since the last evaluation."""
    state = inbox_state(Settings.from_env())
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(path for path, stamp in state.items() if previous.get(path) != stamp)
    cursor = json.dumps(state, sort_keys=True)
    if not changed:
        return dg.SensorResult(skip_reason="no new or changed files in the inbox", cursor=cursor)
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=cursor, tags={"joinedup/new_files": str(len(changed))})],
        cursor=cursor)

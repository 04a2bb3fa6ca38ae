"""The nightly job, its schedule, and the sensor that starts a run for the months new files touch."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Collection, Iterator, Sequence

import dagster as dg

from assets.contract import SUBMISSION_TYPES
from assets.ingest.inbox import SETTLE_SECONDS, settled
from assets.partitions import range_tags
from pipelines.due import DueWork, due_work
from pipelines.settings import Settings

# Transient failures (the working database locked by another process, a file share that blinks)
# are retried after 2, 4 and 8 seconds before a step fails.
TRANSIENT_RETRIES = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)

# Overdue returns, overdue actions and missing report cards change with the date, not with the data:
# these marts (and what is built from them) run every night.
DATED = (
    dg.AssetKey(["marts", "partner_data_quality"]),
    dg.AssetKey(["marts", "fct_action_plan"]),
    dg.AssetKey(["marts", "fct_report_card"]),
)

NIGHTLY = "nightly"


def nightly_job(left_out: Sequence[dg.AssetChecksDefinition] = ()) -> dg.UnresolvedAssetJobDefinition:
    """Return the nightly job: every asset and check but `left_out`.

    The freshness checks are left out: right after a run they can only pass, and evaluating them
    reads the event log of every asset (about 0.5 s each at national scale). Their own sensor runs them.
    """
    return dg.define_asset_job(
        NIGHTLY,
        selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*left_out),
        op_retry_policy=TRANSIENT_RETRIES,
        description="Ingest new partner files, validate, rebuild the marts and publish.",
    )


def due_selection(repository: dg.RepositoryDefinition, due: DueWork) -> list[dg.AssetKey]:
    """Return the assets a run must materialise: everything downstream of what changed.

    The marts judged against the date (DATED) are always among them, and so is publication; the
    validated assets of types with no month due are left out.
    """
    not_due = [dg.AssetKey(["validated", kind]) for kind in SUBMISSION_TYPES if kind not in due.types]
    selection = dg.AssetSelection.assets(
        *due.changed_assets(), *DATED
    ).downstream() - dg.AssetSelection.assets(*not_due)
    return sorted(selection.resolve(repository.asset_graph))


def job_checks(job: dg.JobDefinition, selection: Collection[dg.AssetKey]) -> set[dg.AssetCheckKey]:
    """Return the nightly job's own checks on the assets selected.

    A run over some assets gets every check on them by default, the freshness checks the job leaves
    out among them; runs name these checks instead.
    """
    keys = set(selection)
    return {check for check in job.asset_layer.asset_graph.asset_check_keys if check.asset_key in keys}


def nightly_request(due: DueWork, repository: dg.RepositoryDefinition, run_key: str | None) -> dg.RunRequest:
    """Return one run over the range of months due and everything downstream of what changed."""
    tags = {
        "joinedup/new_files": str(len(due.new_files)),
        "joinedup/types_validated": ", ".join(due.types) or "none",
        "joinedup/reference_tables_changed": str(len(due.seeds_changed)),
        "joinedup/models_changed": str(len(due.models_changed)),
    }
    selection = due_selection(repository, due)
    return dg.RunRequest(
        run_key=run_key,
        tags=tags | range_tags(due.months),
        asset_selection=selection,
        asset_check_keys=sorted(job_checks(repository.get_job(NIGHTLY), selection)),
    )


@dg.schedule(
    name="nightly_at_two",
    job_name=NIGHTLY,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night: validate the months new files touch and months under older "
    "rules, rebuild the marts and publish (overdue returns change with the date).",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Request tonight's run over whatever months are due."""
    return nightly_request(due_work(Settings.from_env()), context.repository_def, None)


def _repository(context: dg.SensorEvaluationContext) -> dg.RepositoryDefinition:
    """Return the code location a sensor is evaluated in (Dagster always gives it)."""
    if context.repository_def is None:
        raise dg.DagsterInvariantViolationError("evaluated without its code location")
    return context.repository_def


def _walk(folder: str) -> Iterator[os.DirEntry]:
    """Yield the regular files under `folder`: links are not followed, temporary (dot) names left alone."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(entry.path)
            elif entry.is_file(follow_symlinks=False):
                yield entry


def newer_files(settings: Settings, newest_ns: int) -> dict[str, int]:
    """Return {path under the inbox: modification time (ns)} of the files modified after `newest_ns`."""
    inbox = settings.inbox
    if not inbox.is_dir():
        return {}
    found = {}
    for entry in _walk(str(inbox)):
        modified = entry.stat(follow_symlinks=False).st_mtime_ns
        if modified > newest_ns:
            found[os.path.relpath(entry.path, inbox)] = modified
    return found


@dg.sensor(
    job_name=NIGHTLY,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a run for the months that files added to or replaced in the inbox touch.",
)
def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Request one run over the months touched by files modified since the newest one seen before.

    The cursor is the newest modification time handed to a run, whatever the files held. Files still
    being written (modified within the settle period) are left for a later evaluation: they are newer
    than every file handed over, so the cursor never passes them. A file that arrives bearing an older
    time (copied with its time kept) is not seen here; the nightly schedule's run reads it, as it
    reads every file the warehouse does not know by name, size and time.
    """
    settings = Settings.from_env()
    newest = json.loads(context.cursor)["newest_ns"] if context.cursor else 0
    changed = newer_files(settings, newest)
    if not changed:
        return dg.SensorResult(skip_reason="no new or changed files in the inbox", cursor=context.cursor)
    now = time.time_ns()
    ready = {path: modified for path, modified in changed.items() if settled(modified, now)}
    if not ready:
        return dg.SensorResult(
            skip_reason=f"{len(changed)} file(s) still being written, e.g. "
            f"{min(changed)}; each is read once it has not changed for "
            f"{SETTLE_SECONDS} seconds",
            cursor=context.cursor,
        )
    cursor = json.dumps({"newest_ns": max(ready.values())})
    due = due_work(settings, {str(settings.inbox / path) for path in ready})
    if not due.new_files:
        return dg.SensorResult(
            skip_reason="the changed files hold nothing not already received "
            "(tonight's run publishes whatever else is due)",
            cursor=cursor,
        )
    run_key = hashlib.sha256(f"{cursor}{due.new_files}".encode()).hexdigest()
    return dg.SensorResult(run_requests=[nightly_request(due, _repository(context), run_key)], cursor=cursor)

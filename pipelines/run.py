"""Run the nightly job in this process and summarise what it loaded, rejected and published."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

import dagster as dg
import polars as pl

from assets.compaction import Compaction
from assets.contract import SUBMISSION_TYPES
from assets.models.seeds import seed_docs
from assets.partitions import range_tags
from assets.publish.data_docs_process import start_ahead
from assets.resources import WorkingDatabase
from pipelines.automation import due_selection, job_checks
from pipelines.due import due_after_ingest, seeds_changed
from pipelines.run_summary import nothing_loaded
from pipelines.settings import Settings

if TYPE_CHECKING:
    from dagster_shared.error import SerializableErrorInfo

    from pipelines.progress import RunProgress

# The CLI prints its own summary; Dagster's per-step log lines go to the run's event log.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class FailedCheck:
    """An asset check that did not pass, and how serious that is (ERROR blocks, WARN informs)."""

    asset: str
    check: str
    severity: str
    description: str | None


@dataclass(frozen=True)
class FailedStep:
    """A step that raised an error (after its retries), with the error's own message."""

    step: str
    message: str


@dataclass(frozen=True)
class RunReport:
    """The outcome of one run: success, the months it validated, failed checks, and its audit figures."""

    success: bool
    run_id: str  # the run that validated the months (the first phase loaded the files, the last published)
    months: list[str]  # the months whose rows this run validated (YYYY-MM)
    failed_checks: list[FailedCheck]
    failed_steps: list[FailedStep]
    files: pl.DataFrame
    findings_by_rule: pl.DataFrame
    step_seconds: dict[str, float]
    # inbox files still being written (modified within the settle period): read by a later run
    files_waiting: list[str] = field(default_factory=list)
    # what a run that succeeded must still say: a type whose files gave no row loaded, the working
    # database not compacted when it had grown enough
    warnings: list[str] = field(default_factory=list)
    # the working database's compaction at the run's end, when it had grown enough (assets.compaction)
    compaction: Compaction | None = None


def _instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def _ingest_selection(changed_seeds: list[str]) -> list[dg.AssetKey]:
    """The first phase of a run: the changed reference tables, then every type's new files."""
    return [dg.AssetKey(["seeds", name]) for name in changed_seeds] + [
        dg.AssetKey(["raw", kind]) for kind in SUBMISSION_TYPES
    ]


def _execute(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    progress: RunProgress | None,
    phase: str,
    asset_selection: list[dg.AssetKey] | None = None,
    **options,
) -> dg.ExecuteInProcessResult:
    """Execute one phase in-process over `asset_selection` and the job's own checks on them (the whole
    job without it), its events reported to `progress` (when given) as they happen."""
    run_id = str(uuid.uuid4())
    if progress is not None:
        instance.add_event_listener(run_id, progress.listener(phase))
    subset = (
        job
        if asset_selection is None
        else job.get_subset(
            asset_selection=set(asset_selection), asset_check_selection=job_checks(job, asset_selection)
        )
    )
    return subset.execute_in_process(
        instance=instance, run_id=run_id, raise_on_error=False, run_config=QUIET, **options
    )


def _partitioned(repository: dg.RepositoryDefinition, keys: list[dg.AssetKey]) -> list[dg.AssetKey]:
    """Return the keys of monthly-partitioned assets among `keys`."""
    graph = repository.asset_graph
    return [key for key in keys if graph.get(key).partitions_def is not None]


def run_nightly(
    settings: Settings,
    months: list[str] | None = None,
    progress: RunProgress | None = None,
) -> RunReport:
    """Execute the `nightly` job in-process over the months given (by default, the months due).

    A run has three phases, each a Dagster run: the changed reference tables and the new files are
    loaded first; the months due are then read from what was loaded (new files, months under older
    rules); the second phase validates those months, and the third materialises what is downstream
    of what changed (changed models too), then publishes. Given months, every type is validated over
    them and everything is rebuilt (a full run). Validation runs on its own, over the range of months:
    Dagster plans a run over a range month by month for every asset in it, partitioned or not, and
    the models and pages are not partitioned. Nothing is built or published when validation fails.
    `progress` hears of each phase's steps as they run. The process that builds the Data Docs at
    publication is started first, so that its import is done by then (`data_docs_process`). The
    working database stays open from the first phase to the last, so that no phase's end checkpoints it
    (`WorkingDatabase.held_across_runs`).
    """
    from pipelines.definitions import build_definitions

    start_ahead()  # the Data Docs builder's import overlaps all three phases, not the last alone
    definitions = build_definitions(settings)
    job = definitions.resolve_job_def("nightly")
    changed_seeds = list(seed_docs()) if months is not None else seeds_changed(settings)
    first = _ingest_selection(changed_seeds)
    with _instance() as instance, _working_database(definitions).held_across_runs() as hold:
        ingest = _execute(job, instance, progress, "load", asset_selection=first)
        runs, validating = [ingest], ingest
        if ingest.success:
            repository = definitions.get_repository_def()
            if progress is not None:
                progress.stage("working out the months due")
            if months is None:
                with _working_database(definitions).get_connection() as con:
                    due = due_after_ingest(con, settings, changed_seeds, ingest.run_id)
                months, selection = due.months, due_selection(repository, due)
            else:
                selection = sorted(dg.AssetSelection.all().resolve(repository.asset_graph))
            rest = [key for key in selection if key not in first]
            validate = _partitioned(repository, rest)
            if validate:
                runs.append(
                    _execute(
                        job, instance, progress, "validate", tags=range_tags(months), asset_selection=validate
                    )
                )
            validating = runs[-1]
            if validating.success:
                runs.append(
                    _execute(
                        job,
                        instance,
                        progress,
                        "build and publish",
                        asset_selection=[key for key in rest if key not in validate],
                    )
                )
        step_seconds = {
            s.step_key: s.end_time - s.start_time
            for run in runs
            for s in instance.get_run_step_stats(run.run_id)
            if s.start_time and s.end_time
        }
    report = _report(definitions, runs, validating, step_seconds)
    failed = [hold.compaction_failed] if hold.compaction_failed else []
    return replace(report, compaction=hold.compaction, warnings=report.warnings + failed)


def _report(
    definitions: dg.Definitions,
    runs: list[dg.ExecuteInProcessResult],
    validating: dg.ExecuteInProcessResult,
    step_seconds: dict[str, float],
) -> RunReport:
    """Return what the run's phases did, from their events and the audit tables they wrote."""
    run_ids = [run.run_id for run in runs]
    events = [e for run in runs for e in run.all_events]
    failed = [
        FailedCheck(
            e.asset_check_evaluation_data.asset_key.to_user_string(),
            e.asset_check_evaluation_data.check_name,
            e.asset_check_evaluation_data.severity.value,
            e.asset_check_evaluation_data.description,
        )
        for e in events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.asset_check_evaluation_data.passed
    ]
    # The resource's own connection: one a failed step left open in this process (dagster-duckdb does
    # not close it on an exception) has its configuration, and a differently configured one is refused.
    with _working_database(definitions).get_connection() as con:
        files = con.execute(
            """
            select submission_type, count(*) as files,
                   count(*) filter (where status = 'rejected') as files_rejected,
                   sum(rows_received) as rows_received, sum(rows_loaded) as rows_loaded,
                   sum(rows_quarantined) as rows_quarantined
            from audit.load_log where list_contains($runs, run_id) group by all order by submission_type
        """,
            {"runs": run_ids},
        ).pl()
        rules = con.execute(
            """
            select 'quarantined' as action, submission_type, rule, count(*) as findings
            from audit.quarantine where list_contains($runs, run_id) group by all
            union all
            select 'warned (kept)', submission_type, rule, count(*)
            from audit.warnings where list_contains($runs, run_id) group by all
            order by all
        """,
            {"runs": run_ids},
        ).pl()
        validated = [
            m
            for (m,) in con.execute(
                "select distinct strftime(period_month, '%Y-%m') from audit.month_validations "
                "where run_id = ? order by 1",
                [validating.run_id],
            ).fetchall()
        ]
    # a blocking check that failed stops its step too; it is reported as the check, not again here
    steps = [
        FailedStep(str(e.step_key), _root_message(e.step_failure_data.error))
        for e in events
        if e.event_type_value == "STEP_FAILURE" and not _stopped_by_check(e.step_failure_data.error)
    ]
    return RunReport(
        all(run.success for run in runs),
        validating.run_id,
        validated,
        failed,
        steps,
        files,
        rules,
        step_seconds,
        _waiting(events),
        nothing_loaded(files),
    )


def _waiting(events: list[dg.DagsterEvent]) -> list[str]:
    """Return the inbox files the ingest steps left for a later run, as their metadata lists them."""
    waiting: set[str] = set()
    for event in events:
        if event.is_step_materialization:
            listed = event.step_materialization_data.materialization.metadata.get("files_waiting")
            if listed is not None:
                waiting.update(cast(list[str], listed.value))  # the ingest assets' list of file names
    return sorted(waiting)


def _stopped_by_check(error: SerializableErrorInfo | None) -> bool:
    """Return whether a step's error is a blocking check that failed (reported as the check)."""
    return error is not None and error.cls_name == "DagsterAssetCheckFailedError"


def _working_database(definitions: dg.Definitions) -> WorkingDatabase:
    """Return the working database the definitions' runs build (their `duckdb` resource)."""
    database = (definitions.resources or {}).get("duckdb")
    if not isinstance(database, WorkingDatabase):
        raise TypeError(f"the definitions' duckdb resource is {database!r}, not the working database")
    return database


def _root_message(error: SerializableErrorInfo | None) -> str:
    """Return the message of the error that started it all (retries wrap it in their own)."""
    if error is None:
        return "no error was recorded"
    while error.cause is not None:
        error = error.cause
    return error.message.strip()

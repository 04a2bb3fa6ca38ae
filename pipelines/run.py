"""Run the nightly job in this process and summarise what it loaded, rejected and published."""

from __future__ import annotations

import os
from dataclasses import dataclass

import dagster as dg
import duckdb
import polars as pl

from pipelines.settings import Settings

# The CLI prints its own summary; Dagster's per-step log lines go to the run's event log.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class FailedCheck:
    """An asset check that did not pass, and how serious that is (ERROR blocks, WARN informs)."""

    asset: str
    check: str
    severity: str


@dataclass(frozen=True)
class RunReport:
    """The outcome of one run: success, failed checks, and the audit figures of this run."""

    success: bool
    run_id: str
    failed_checks: list[FailedCheck]
    files: pl.DataFrame
    findings_by_rule: pl.DataFrame
    step_seconds: dict[str, float]


def _instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else \
        dg.DagsterInstance.ephemeral()


def run_nightly(settings: Settings) -> RunReport:
    """Execute the `nightly` job in-process and return what it did."""
    from pipelines.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("nightly")
    with _instance() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
        step_seconds = {s.step_key: s.end_time - s.start_time
                        for s in instance.get_run_step_stats(result.run_id)
                        if s.start_time and s.end_time}
    failed = [FailedCheck(e.asset_check_evaluation_data.asset_key.to_user_string(),
                          e.asset_check_evaluation_data.check_name,
                          e.asset_check_evaluation_data.severity.value)
              for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION"
              and not e.asset_check_evaluation_data.passed]
    with duckdb.connect(str(settings.build_database), read_only=True) as con:
        files = con.execute("""
            select submission_type, count(*) as files,
                   count(*) filter (where status = 'rejected') as files_rejected,
                   sum(rows_received) as rows_received, sum(rows_loaded) as rows_loaded,
                   sum(rows_quarantined) as rows_quarantined
            from audit.load_log where run_id = ? group by all order by submission_type
        """, [result.run_id]).pl()
        rules = con.execute("""
            select 'quarantined' as action, submission_type, rule, count(*) as findings
            from audit.quarantine where run_id = $run group by all
            union all
            select 'warned (kept)', submission_type, rule, count(*)
            from audit.warnings where run_id = $run group by all
            order by all
        """, {"run": result.run_id}).pl()
    return RunReport(result.success, result.run_id, failed, files, rules, step_seconds)

"""Run the nightly job in this process and summarise what it loaded, rejected and published."""

from __future__ import annotations

import os
from dataclasses import dataclass

import dagster as dg
import duckdb
import polars as pl

from pipelines.settings import Settings


@dataclass(frozen=True)
class RunReport:
    """The outcome of one run: success, failed checks, and the audit figures of this run."""

    success: bool
    run_id: str
    failed_checks: list[str]
    files: pl.DataFrame
    quarantine_by_rule: pl.DataFrame


def _instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else \
        dg.DagsterInstance.ephemeral()


def run_nightly(settings: Settings) -> RunReport:
    """Execute the `nightly` job in-process and return what it did."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("nightly")
    with _instance() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    failed = [f"{e.asset_check_evaluation_data.asset_key.to_user_string()}:"
              f"{e.asset_check_evaluation_data.check_name}"
              for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION"
              and not e.asset_check_evaluation_data.passed]
    with duckdb.connect(str(settings.build_database), read_only=True) as con:
        files = con.execute("""
            select submission_type, count(*) as files,
                   count(*) filter (where status = 'quarantined') as files_rejected,
                   sum(rows_received) as rows_received, sum(rows_loaded) as rows_loaded,
                   sum(rows_quarantined) as rows_quarantined
            from audit.load_log where run_id = ? group by all order by submission_type
        """, [result.run_id]).pl()
        rules = con.execute("""
            select submission_type, rule, count(*) as findings
            from audit.quarantine where run_id = ? group by all order by all
        """, [result.run_id]).pl()
    return RunReport(result.success, result.run_id, failed, files, rules)

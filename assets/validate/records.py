"""Keep each suite run in the audit trail: its summary, and Great Expectations' own result for Data Docs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from assets.validate.suites import SuiteResult

LATEST_SQL = """
    select suite, target_table, run_id, chunk, result, validated_at, area
    from audit.validation_results
    order by suite, target_table, area nulls first, chunk
"""


@dataclass(frozen=True)
class StoredResult:
    """Great Expectations' result of one suite on one chunk of one table, as the audit trail keeps it."""

    suite: str
    target_table: str
    run_id: str | None
    chunk: int
    result: dict
    validated_at: datetime
    area: str | None = None  # the partnership area validated, when areas are run as partitions


def record_run(
    con: duckdb.DuckDBPyConnection,
    result: SuiteResult,
    target_table: str,
    run_id: str | None,
    *,
    rows: int | None = None,
    errors: int | None = None,
    warnings: int | None = None,
) -> None:
    """Record a suite run's summary (counts default to the suite's own) and, if it saw rows, GE's results."""
    at = datetime.now()
    con.execute(
        "insert into audit.validation_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            result.suite,
            target_table,
            result.rows_validated if rows is None else rows,
            result.expectations_run,
            result.expectations_failed,
            result.errors if errors is None else errors,
            result.warnings if warnings is None else warnings,
            result.seconds,
            at,
        ],
    )
    if result.rows_validated:
        # only the latest results of a suite on a table are kept: validation_runs keeps the history
        con.execute(
            "delete from audit.validation_results where suite = ? and target_table = ?",
            [result.suite, target_table],
        )
        con.executemany(
            "insert into audit.validation_results (run_id, suite, target_table, chunk, result, validated_at) "
            "values (?, ?, ?, ?, ?, ?)",
            [
                [run_id, result.suite, target_table, chunk, json.dumps(outcome), at]
                for chunk, outcome in enumerate(result.results)
            ],
        )


def latest_results(con: duckdb.DuckDBPyConnection) -> list[StoredResult]:
    """Return the latest result of every suite on every table it validates (all its chunks)."""
    return [
        StoredResult(suite, target, run_id, chunk, json.loads(result), at, area)
        for suite, target, run_id, chunk, result, at, area in con.execute(LATEST_SQL).fetchall()
    ]

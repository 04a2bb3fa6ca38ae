"""The blocking check on each published mart, evaluated in the step that builds the mart.

An ERROR rule that fails stops everything downstream of the mart; a WARN rule that fails is shown. The
check runs where its mart is built, on the same connection, rather than as a step of its own: a run
rebuilds twenty marts, and a step costs Dagster more than most suites take to run.
"""

import dagster as dg
import duckdb
import polars as pl

from assets.models.published_contract import PUBLISHED_SCHEMA
from assets.resources import PathsResource
from assets.validate.mart_suites import mart_suite_name, validate_mart
from assets.validate.records import record_run

MART_CHECK = "mart_passes_suite"


def mart_check_spec(mart: str) -> dg.AssetCheckSpec:
    """Return the blocking check that runs `marts.<mart>` through its suite."""
    return dg.AssetCheckSpec(
        MART_CHECK,
        asset=dg.AssetKey([PUBLISHED_SCHEMA, mart]),
        blocking=True,
        description=f"Every row of marts.{mart} against expectations/{mart_suite_name(mart)}"
        ".json, once the step has built it; a failed ERROR rule stops the marts, scorecards and "
        "publication that depend on it, a failed WARN rule is shown.",
    )


def mart_check_result(
    con: duckdb.DuckDBPyConnection, mart: str, paths: PathsResource, run_id: str
) -> dg.AssetCheckResult:
    """Run `marts.<mart>` through its suite; record the run in the audit trail and return the result.

    A mart's asset cannot be materialised without its check (Dagster refuses such a subset), so the
    step that builds a mart always runs its suite."""
    result = validate_mart(con, mart, paths.path("expectations_dir"))
    record_run(con, result, f"{PUBLISHED_SCHEMA}.{mart}", run_id)
    by_rule = dict(result.findings.group_by("rule").len().sort("rule").rows())
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey([PUBLISHED_SCHEMA, mart]),
        check_name=MART_CHECK,
        passed=result.findings.is_empty(),
        severity=dg.AssetCheckSeverity.ERROR if result.errors else dg.AssetCheckSeverity.WARN,
        metadata=result.metadata()
        | {
            "findings_by_rule": by_rule,
            "rules_failed_as_error": sorted(
                result.findings.filter(pl.col("severity") == "critical")["rule"].unique()
            ),
        },
    )

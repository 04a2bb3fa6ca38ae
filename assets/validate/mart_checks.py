"""Blocking Dagster checks on the published marts: an ERROR stops everything downstream of the mart."""

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.resources import PathsResource
from assets.validate.mart_suites import mart_suite_name, validate_mart
from assets.validate.records import record_run


def mart_check(mart: str) -> dg.AssetChecksDefinition:
    """Return the blocking check that runs `marts.<mart>` through its suite."""

    @dg.asset_check(
        asset=dg.AssetKey(["marts", mart]),
        name="mart_passes_suite",
        blocking=True,
        description=f"Every row of marts.{mart} against expectations/{mart_suite_name(mart)}"
        ".json; a failed ERROR rule stops the marts, scorecards and publication "
        "that depend on it, a failed WARN rule is shown.",
    )
    def _check(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, paths: PathsResource
    ) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            result = validate_mart(con, mart, paths.path("expectations_dir"))
            record_run(con, result, f"marts.{mart}", context.run.run_id)
        by_rule = dict(result.findings.group_by("rule").len().sort("rule").rows())
        return dg.AssetCheckResult(
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

    return _check

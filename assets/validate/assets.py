"""Dagster assets and checks that validate submissions with the Great Expectations suites."""


import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.contract import SUBMISSION_TYPES, SubmissionType
from assets.validate.accounting import accounting_gaps
from assets.validate.records import record_run
from assets.validate.submissions import check_rows, suite_name, validate_new_rows
from assets.warehouse import ensure_warehouse

SEED_KEYS = [["seeds", n] for n in
             ("partners", "joint_services", "measures", "staff_groups", "service_partners",
              "service_measures", "measure_plausibility")]


def validated_asset(kind: SubmissionType) -> dg.AssetsDefinition:
    """Return the asset that validates new `raw.<type>` rows into `validated.<type>`."""
    key = dg.AssetKey(["validated", kind.name])

    @dg.asset(
        key=key,
        deps=[dg.AssetKey(["raw", kind.name]), *map(dg.AssetKey, SEED_KEYS)],
        group_name="validate",
        kinds={"duckdb", "pandas"},
        owners=["team:data-quality"],
        check_specs=[dg.AssetCheckSpec("new_rows_pass_suite", asset=key,
                                       description="This run's new rows against the suite "
                                                   f"expectations/{suite_name(kind)}.json; rows "
                                                   "that fail an ERROR rule are quarantined.")],
        description=f"{kind.name.capitalize()} rows that passed every ERROR rule of the "
                    f"{suite_name(kind)} suite, typed. Rows that failed are in audit.quarantine "
                    "with file, row, column, rule and value.",
    )
    def _validated(context: dg.AssetExecutionContext,
                   duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            ensure_warehouse(con)
            outcome = validate_new_rows(con, kind, context.run.run_id)
            (total,) = con.execute(f"select count(*) from validated.{kind.name}").fetchone()
        context.log.info(
            f"{kind.name}: {outcome.rows_received} new rows, {outcome.rows_loaded} loaded, "
            f"{outcome.rows_quarantined} quarantined")
        suite = outcome.suite
        by_rule = (outcome.findings.group_by("rule").len().sort("rule").rows()
                   if outcome.findings.height else [])
        check = dg.AssetCheckResult(
            check_name="new_rows_pass_suite",
            passed=outcome.rows_quarantined == 0 and suite.warnings == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata=suite.metadata() | {"rows_quarantined": outcome.rows_quarantined,
                                         "findings_by_rule": dict(by_rule)},
        )
        return dg.MaterializeResult(
            metadata={"rows_received": outcome.rows_received, "rows_loaded": outcome.rows_loaded,
                      "rows_quarantined": outcome.rows_quarantined,
                      "files_validated": outcome.files, "dagster/row_count": total,
                      "validation_seconds": round(suite.seconds, 3)},
            check_results=[check],
        )

    return _validated


def accounting_check(kind: SubmissionType) -> dg.AssetChecksDefinition:
    """Return the blocking check that every received row was loaded or quarantined."""

    @dg.asset_check(asset=dg.AssetKey(["validated", kind.name]), name="rows_accounted_for",
                    blocking=True,
                    description="For every file: rows received = rows loaded + rows quarantined.")
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            gaps = accounting_gaps(con).filter(pl.col("submission_type") == kind.name)
        return dg.AssetCheckResult(passed=gaps.is_empty(),
                                   metadata={"files_out_of_balance": gaps.height,
                                             "sample": gaps.head(10).to_dicts()})

    return _check


def loaded_rows_check(kind: SubmissionType) -> dg.AssetChecksDefinition:
    """Return the blocking check that all loaded rows still pass the suite's ERROR rules."""

    @dg.asset_check(asset=dg.AssetKey(["validated", kind.name]), name="loaded_rows_pass_suite",
                    blocking=True,
                    description="Every row in the table passes the ERROR rules of the suite "
                                "against today's reference data; a failure stops the marts.")
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            rows = con.execute(f"select * from validated.{kind.name}").pl()
            result = check_rows(con, rows.with_row_index("row_id").with_columns(
                pl.col("row_id").cast(pl.Int64)), kind)
            record_run(con, result, f"validated.{kind.name}", context.run.run_id)
        return dg.AssetCheckResult(passed=result.errors == 0, metadata=result.metadata())

    return _check


validated_assets = [validated_asset(kind) for kind in SUBMISSION_TYPES.values()]
validation_checks = [check(kind) for kind in SUBMISSION_TYPES.values()
                     for check in (accounting_check, loaded_rows_check)]

"""Dagster assets and checks that validate submissions with the Great Expectations suites."""

import warnings

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.contract import SubmissionType
from assets.partitions import MONTHS, month_key
from assets.resources import PathsResource
from assets.validate.blocking import BLOCKING_RULES, BlockingRule
from assets.validate.months import VALIDATION_SEEDS, suite_name
from assets.validate.submissions import validate_rows
from assets.warehouse import ensure_warehouse


def validated_asset(kind: SubmissionType) -> dg.AssetsDefinition:
    """Return the monthly-partitioned asset that validates `raw.<type>` rows into `validated.<type>`."""
    key = dg.AssetKey(["validated", kind.name])

    with warnings.catch_warnings():
        # Dagster 1.13 marks backfill policies beta; a single-run backfill is what one DuckDB writer needs.
        warnings.simplefilter("ignore", dg.BetaWarning)

        @dg.asset(
            key=key,
            deps=[dg.AssetKey(["raw", kind.name]), *(dg.AssetKey(["seeds", n]) for n in VALIDATION_SEEDS)],
            partitions_def=MONTHS,
            # A range of months is validated in one step: one suite run, not one per month.
            backfill_policy=dg.BackfillPolicy.single_run(),
            group_name="validate",
            kinds={"duckdb", "pandas"},
            owners=["team:data-quality"],
            check_specs=[
                dg.AssetCheckSpec(
                    "rows_pass_suite",
                    asset=key,
                    description="The rows this run validated (new files, and every "
                    "row of the months it covers) against the suite "
                    f"expectations/{suite_name(kind)}.json; rows "
                    "that fail an ERROR rule are quarantined.",
                ),
                *(blocking_check_spec(kind, rule) for rule in BLOCKING_RULES),
            ],
            description=f"{kind.name.capitalize()} rows that passed every ERROR rule of the "
            f"{suite_name(kind)} suite, typed; one partition per month the figures are for. "
            "Materialising months re-validates every row for them against today's rules and "
            "reference data (rows of new files are validated in any run). Rows that failed are "
            "in audit.quarantine with file, row, column, rule and value.",
        )
        def _validated(
            context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource
        ) -> dg.MaterializeResult:
            window = context.partition_time_window
            with duckdb.get_connection() as con:
                ensure_warehouse(con)
                outcome = validate_rows(
                    con,
                    kind,
                    context.run.run_id,
                    (window.start.date(), window.end.date()),
                    expectations_dir=paths.path("expectations_dir"),
                )
                (total,) = con.execute(f"select count(*) from validated.{kind.name}").fetchone()
                blocking = [_blocking_result(con, kind, rule, paths) for rule in BLOCKING_RULES]
            context.log.info(
                f"{kind.name}: {outcome.rows_received} rows validated ({outcome.new_rows} new), "
                f"{outcome.rows_loaded} loaded, {outcome.rows_quarantined} quarantined; months "
                f"{context.partition_key_range.start} to {context.partition_key_range.end}"
            )
            suite = outcome.suite
            by_rule = (
                outcome.findings.group_by("rule").len().sort("rule").rows() if outcome.findings.height else []
            )
            check = dg.AssetCheckResult(
                check_name="rows_pass_suite",
                passed=outcome.rows_quarantined == 0 and suite.warnings == 0,
                severity=dg.AssetCheckSeverity.WARN,
                metadata=suite.metadata()
                | {"rows_quarantined": outcome.rows_quarantined, "findings_by_rule": dict(by_rule)},
            )
            return dg.MaterializeResult(
                metadata={
                    "rows_validated": outcome.rows_received,
                    "rows_new": outcome.new_rows,
                    "rows_loaded": outcome.rows_loaded,
                    "rows_quarantined": outcome.rows_quarantined,
                    "files_validated": outcome.files,
                    "dagster/row_count": total,
                    "months_recorded": [month_key(m) for m in outcome.months],
                    "validation_seconds": round(suite.seconds, 3),
                },
                check_results=[check, *blocking],
            )

    return _validated


def blocking_check_spec(kind: SubmissionType, rule: BlockingRule) -> dg.AssetCheckSpec:
    """Return the blocking check that judges one of the BLOCKING_RULES on a type's validated rows, in
    the step that validated them."""
    return dg.AssetCheckSpec(
        rule.name, asset=dg.AssetKey(["validated", kind.name]), blocking=True, description=rule.description
    )


def _blocking_result(
    con: duckdb.DuckDBPyConnection, kind: SubmissionType, rule: BlockingRule, paths: PathsResource
) -> dg.AssetCheckResult:
    verdict = rule.judge(con, kind, paths.path("expectations_dir"))
    return dg.AssetCheckResult(
        check_name=rule.name, passed=verdict.passed, description=verdict.advice, metadata=verdict.metadata
    )

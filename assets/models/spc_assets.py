"""Dagster assets for statistical process control over every service-measure series."""

from collections.abc import Iterator

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.models.build import load_table
from assets.models.shipped import mart_documentation
from assets.models.versions import model_versions, record_versions
from assets.resources import PathsResource
from assets.spc.series import SpcSettings, spc_points, spc_status
from assets.validate.mart_checks import mart_check_result, mart_check_spec

POINTS, STATUS = "fct_measure_spc", "measure_spc_status"

SERIES_SQL = """
    select f.service_code, f.measure_code, f.period, f.actual as value,
           m.direction, f.target
    from marts.fct_measure_period as f
    join seeds.measures as m on m.measure_code = f.measure_code
"""
REBASE_SQL = """
    select service_code, measure_code, cast(first_period as date) as period from seeds.spc_rebases
"""


def build_spc_tables(
    con: duckdb.DuckDBPyConnection, settings: SpcSettings
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Build marts.fct_measure_spc and marts.measure_spc_status from the warehouse; return both."""
    series = con.execute(SERIES_SQL).pl()
    rebases = con.execute(REBASE_SQL).pl()
    points = spc_points(series, rebases, settings)
    status = spc_status(points, series)
    load_table(con, "marts", POINTS, points, mart_documentation(POINTS))
    load_table(con, "marts", STATUS, status, mart_documentation(STATUS))
    return points, status


class SpcConfig(dg.Config):
    """Rule lengths and baseline of the XmR charts (Making Data Count defaults)."""

    shift_points: int = 7
    trend_points: int = 7
    baseline_points: int | None = None
    minimum_points: int = 12


def measure_spc_asset() -> dg.AssetsDefinition:
    """Return the multi-asset building marts.fct_measure_spc and marts.measure_spc_status, each checked
    by its suite."""

    @dg.multi_asset(
        name="measure_spc",
        specs=[
            dg.AssetSpec(
                ["marts", POINTS],
                description=mart_documentation(POINTS).description,
                deps=[["marts", "fct_measure_period"], ["seeds", "measures"], ["seeds", "spc_rebases"]],
                group_name="marts",
                kinds={"duckdb", "polars"},
                owners=["team:analytics"],
                code_version=model_versions()[f"marts/{POINTS}"],
            ),
            dg.AssetSpec(
                ["marts", STATUS],
                description=mart_documentation(STATUS).description,
                deps=[["marts", POINTS]],
                group_name="marts",
                kinds={"duckdb", "polars"},
                owners=["team:analytics"],
                code_version=model_versions()[f"marts/{STATUS}"],
            ),
        ],
        check_specs=[mart_check_spec(POINTS), mart_check_spec(STATUS)],
    )
    def _measure_spc(
        context: dg.AssetExecutionContext, config: SpcConfig, duckdb: DuckDBResource, paths: PathsResource
    ) -> Iterator[dg.MaterializeResult]:
        """XmR charts, special causes, variation and assurance for every service-measure series."""
        settings = SpcSettings(
            config.shift_points, config.trend_points, config.baseline_points, config.minimum_points
        )
        with duckdb.get_connection() as con:
            points, status = build_spc_tables(con, settings)
            record_versions(con, [f"marts/{POINTS}", f"marts/{STATUS}"])
            points_check = mart_check_result(con, POINTS, paths, context.run.run_id)
            status_check = mart_check_result(con, STATUS, paths, context.run.run_id)
        special = points.filter(pl.col("special_cause").fill_null(False))
        context.log.info(f"{status.height} series, {special.height} special-cause points")
        yield dg.MaterializeResult(
            asset_key=["marts", POINTS],
            metadata={
                "dagster/row_count": points.height,
                "special_cause_points": special.height,
                "series_with_too_few_points": status.filter(pl.col("variation").is_null()).height,
            },
            check_results=[points_check],
        )
        yield dg.MaterializeResult(
            asset_key=["marts", STATUS],
            metadata={
                "dagster/row_count": status.height,
                "variation": dict(status.group_by("variation").len().sort("variation").rows()),
                "assurance": dict(status.group_by("assurance").len().sort("assurance").rows()),
            },
            check_results=[status_check],
        )

    return _measure_spc

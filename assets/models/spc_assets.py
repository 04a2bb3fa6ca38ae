"""Dagster assets for statistical process control over every service-measure series."""

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.models.build import load_table
from assets.models.project import read_documentation
from assets.models.versions import MODEL_VERSIONS, record_versions
from assets.project_files import SQL_DIR
from assets.spc.series import SpcSettings, spc_points, spc_status

POINTS_DOCS = read_documentation(SQL_DIR / "marts" / "fct_measure_spc.yml")
STATUS_DOCS = read_documentation(SQL_DIR / "marts" / "measure_spc_status.yml")

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
    load_table(con, "marts", "fct_measure_spc", points, POINTS_DOCS)
    load_table(con, "marts", "measure_spc_status", status, STATUS_DOCS)
    return points, status


class SpcConfig(dg.Config):
    """Rule lengths and baseline of the XmR charts (Making Data Count defaults)."""

    shift_points: int = 7
    trend_points: int = 7
    baseline_points: int | None = None
    minimum_points: int = 12


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["marts", "fct_measure_spc"],
            description=POINTS_DOCS.description,
            deps=[["marts", "fct_measure_period"], ["seeds", "measures"], ["seeds", "spc_rebases"]],
            group_name="marts",
            kinds={"duckdb", "polars"},
            owners=["team:analytics"],
            code_version=MODEL_VERSIONS["marts/fct_measure_spc"],
        ),
        dg.AssetSpec(
            ["marts", "measure_spc_status"],
            description=STATUS_DOCS.description,
            deps=[["marts", "fct_measure_spc"]],
            group_name="marts",
            kinds={"duckdb", "polars"},
            owners=["team:analytics"],
            code_version=MODEL_VERSIONS["marts/measure_spc_status"],
        ),
    ],
)
def measure_spc(context: dg.AssetExecutionContext, config: SpcConfig, duckdb: DuckDBResource):
    """XmR charts, special causes, variation and assurance for every service-measure series."""
    settings = SpcSettings(
        config.shift_points, config.trend_points, config.baseline_points, config.minimum_points
    )
    with duckdb.get_connection() as con:
        points, status = build_spc_tables(con, settings)
        record_versions(con, ["marts/fct_measure_spc", "marts/measure_spc_status"])
    special = points.filter(pl.col("special_cause").fill_null(False))
    context.log.info(f"{status.height} series, {special.height} special-cause points")
    yield dg.MaterializeResult(
        asset_key=["marts", "fct_measure_spc"],
        metadata={
            "dagster/row_count": points.height,
            "special_cause_points": special.height,
            "series_with_too_few_points": status.filter(pl.col("variation").is_null()).height,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["marts", "measure_spc_status"],
        metadata={
            "dagster/row_count": status.height,
            "variation": dict(status.group_by("variation").len().sort("variation").rows()),
            "assurance": dict(status.group_by("assurance").len().sort("assurance").rows()),
        },
    )

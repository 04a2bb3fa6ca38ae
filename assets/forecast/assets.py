"""Dagster asset forecasting every service-measure series to its year end (marts.fct_measure_forecast)."""

import time

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.forecast.mart import forecast_rows
from assets.forecast.outlook import VerdictThresholds
from assets.forecast.series import ForecastSettings
from assets.forecast.store import DOCUMENTATION as PARAMETERS_DOCS
from assets.forecast.store import ParameterStore
from assets.models.build import load_table
from assets.models.shipped import mart_documentation
from assets.models.versions import model_versions, record_versions
from assets.query import one_row
from assets.resources import PathsResource
from assets.validate.mart_checks import mart_check_result, mart_check_spec

MART = "fct_measure_forecast"
KEY = f"marts/{MART}"
PARAMETERS_TABLE = ("intermediate", "forecast_parameters")  # kept by this asset, not published

SERIES_SQL = """
    select f.service_code, f.measure_code, f.period, f.actual, f.target, f.denominator, f.judged_on,
           m.unit, m.value_type, m.direction
    from marts.fct_measure_period as f
    join seeds.measures as m on m.measure_code = f.measure_code
"""


class ForecastConfig(dg.Config):
    """Months ahead, the fewest months a forecast needs, simulated futures, the services held out per
    measure (they calibrate the intervals too) and the verdict's thresholds (ForecastSettings)."""

    months_ahead: int = 12
    minimum_months: int = 12
    repetitions: int = 2000
    holdout_series: int = 30
    on_course_probability: float = 0.75
    off_course_probability: float = 0.25


def kept_parameters(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """Return the parameters the last build kept in this database, or None before the first."""
    exists = one_row(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            list(PARAMETERS_TABLE),
        )
    )[0]
    return con.execute("select * from intermediate.forecast_parameters").pl() if exists else None


def measure_forecast_asset() -> dg.AssetsDefinition:
    """Return the asset building marts.fct_measure_forecast."""

    @dg.asset(
        key=["marts", MART],
        group_name="marts",
        deps=[["marts", "fct_measure_period"], ["seeds", "measures"]],
        kinds={"duckdb", "polars"},
        owners=["team:analytics"],
        description=mart_documentation(MART).description,
        code_version=model_versions()[KEY],
        check_specs=[mart_check_spec(MART)],
    )
    def _measure_forecast(
        context: dg.AssetExecutionContext,
        config: ForecastConfig,
        duckdb: DuckDBResource,
        paths: PathsResource,
    ) -> dg.MaterializeResult:
        """Forecasts, 80 % and 95 % intervals, and the chance of meeting the year-end target per series."""
        thresholds = VerdictThresholds(config.on_course_probability, config.off_course_probability)
        settings = ForecastSettings(
            config.months_ahead, config.minimum_months, config.repetitions, config.holdout_series, thresholds
        )
        with duckdb.get_connection() as con:
            series = con.execute(SERIES_SQL).pl()
            started = time.perf_counter()
            store = ParameterStore(kept_parameters(con))
            rows, fitted = forecast_rows(series, settings, model_versions()[KEY], store)
            seconds = time.perf_counter() - started
            con.execute("create schema if not exists intermediate")
            load_table(con, *PARAMETERS_TABLE, store.frame(), PARAMETERS_DOCS)
            load_table(con, "marts", MART, rows, mart_documentation(MART))
            record_versions(con, [KEY])
            check = mart_check_result(con, MART, paths, context.run.run_id)
        outlook = rows.filter(pl.col("months_ahead") == 1)
        context.log.info(
            f"{outlook.height} series forecast ({fitted} models estimated, the others kept "
            f"from earlier builds) in {seconds:.1f} s"
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows.height,
                "series": outlook.height,
                "models_estimated": fitted,
                "fitting_seconds": round(seconds, 2),
                "verdicts": dict(outlook.group_by("verdict").len().sort("verdict").rows()),
                "measures_not_beating_naive": sorted(
                    outlook.filter(pl.col("beats_naive").not_())["measure_code"].unique().to_list()
                ),
            },
            check_results=[check],
        )

    return _measure_forecast

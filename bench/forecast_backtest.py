"""Rolling-origin backtest of marts.fct_measure_forecast's method against naive forecasts.

    .venv/bin/python bench/forecast_backtest.py WAREHOUSE [--measures AE_4HR,AE_ATTENDANCES] [--step 1]

reads every service-measure series of a built warehouse's marts.fct_measure_period (the demo's:
`make demo`, then warehouse/joinedup.duckdb; the nhs-england scenario's: `joinedup run --scenario
nhs-england`, then scenario-output/nhs-england/warehouse/joinedup.duckdb), and from every origin
from month 24 on (every `--step` months) forecasts up to 12 months after it as a build given the
months before it would publish: the models estimated on the schedule and the intervals calibrated on
the sampled series' errors up to the origin (assets/forecast/backtest.py). It prints, per measure
and over all, for the forecast (ets), the naive forecast (last value) and the seasonal naive one
(same month a year earlier): the held-out months, MAE, MASE (|error| ÷ the training months' mean
absolute month-on-month change) and, for ets, the share of held-out months inside the 80 % and 95 %
intervals; then whether ets beat both naive forecasts (lower MASE), and the seconds taken.
"""

from __future__ import annotations

import argparse
import time

import duckdb
import polars as pl
from threadpoolctl import threadpool_limits

from assets.forecast.backtest import rolling_origin, summary
from assets.forecast.series import Series, series_from_frame
from assets.models.versions import model_versions

SERIES_SQL = """
    select f.service_code, f.measure_code, f.period, f.actual, f.target, f.denominator, f.judged_on,
           m.unit, m.value_type, m.direction
    from marts.fct_measure_period as f
    join seeds.measures as m on m.measure_code = f.measure_code
"""


def load_series(warehouse: str, measures: list[str] | None) -> list[Series]:
    """Return every series of the warehouse, or of `measures` only."""
    with duckdb.connect(warehouse, read_only=True) as con:
        frame = con.execute(SERIES_SQL).pl()
    if measures:
        frame = frame.filter(pl.col("measure_code").is_in(measures))
    return series_from_frame(frame)


def beats_naive_table(table: pl.DataFrame) -> pl.DataFrame:
    """Return per measure (and overall) the three MASEs and whether ets had the lowest."""
    wide = table.pivot(on="method", index="measure", values="mase")
    return wide.with_columns(
        ets_beats_naive=(pl.col("ets") < pl.col("naive")) & (pl.col("ets") < pl.col("seasonal_naive"))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse")
    parser.add_argument("--measures", help="comma-separated measure codes (default: all)")
    parser.add_argument("--step", type=int, default=1, help="months between origins")
    parser.add_argument("--min-train", type=int, default=24, help="months before the first origin")
    args = parser.parse_args()
    series = load_series(args.warehouse, args.measures.split(",") if args.measures else None)
    started = time.perf_counter()
    with threadpool_limits(1):
        errors = rolling_origin(
            series,
            model_versions()["marts/fct_measure_forecast"],
            min_train=args.min_train,
            origin_step=args.step,
        )
    seconds = time.perf_counter() - started
    table = pl.concat(
        [summary(errors, ["measure"]), summary(errors.with_columns(measure=pl.lit("(all)")), ["measure"])]
    )
    with pl.Config(
        tbl_rows=200,
        tbl_width_chars=160,
        float_precision=3,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
    ):
        print(
            f"{len(series)} series, {errors['origin'].n_unique()} origins, "
            f"{errors.filter(pl.col('method') == 'ets').height} held-out months per method"
        )
        print(table)
        print(beats_naive_table(table))
    print(f"{seconds:.1f} s fitting")


if __name__ == "__main__":
    main()

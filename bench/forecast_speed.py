"""Times the forecasts of marts.fct_measure_forecast at national scale: 300 services x 4 measures x 36 months.

    .venv/bin/python bench/forecast_speed.py [--services 300] [--months 36]

The series are simulated like the demo's (a level, noise, a yearly cycle on counts, a step in some),
with targets and every judging basis; the first build's last month is March. It prints the wall
and CPU seconds and the models estimated of: the first build (every model estimated), the same build
again with the parameters kept (nothing changed), a new month (April) for every series (no model
estimated: the latest quarter still ends in March), one series resubmitted, and a build from scratch
of the April data (which must give the same rows as the incremental one). The load average shows
how busy the machine was.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date

import numpy as np
import polars as pl

from assets.forecast.mart import forecast_rows
from assets.forecast.outlook import add_months
from assets.forecast.series import ForecastSettings
from assets.forecast.store import ParameterStore

MEASURES = [  # code, unit, value type, direction, judged on, level, noise sd
    ("DISCHARGES", "count", "count", "higher_is_better", "year_to_date", 260.0, 13.0),
    ("SAME_DAY", "percent", "rate", "higher_is_better", "month", 72.0, 0.8),
    ("HOME_91", "percent", "rate", "higher_is_better", "month", 80.0, 0.8),
    ("READMIT_30", "percent", "rate", "lower_is_better", "rolling_12_months", 14.0, 0.8),
]


def simulated_series(services: int, months: int, last: date, seed: int = 15) -> pl.DataFrame:
    """Return fct_measure_period-shaped rows for `services` services of the four measures to `last`."""
    rng = np.random.default_rng(seed)
    periods = [add_months(last, k - months + 1) for k in range(months)]
    frames = []
    for s in range(services):
        for code, unit, value_type, direction, judged_on, level, sd in MEASURES:
            centre = level * rng.uniform(0.85, 1.15)
            season = (
                0.06 * centre * np.sin(2 * np.pi * np.arange(months) / 12 + rng.uniform(0, 6.3))
                if value_type == "count"
                else 0.0
            )
            step = np.where(np.arange(months) >= months // 2, rng.choice([0.0, 0.0, 0.0, 5 * sd]), 0.0)
            actual = centre + season + step + rng.normal(0, sd, months)
            frames.append(
                pl.DataFrame(
                    {
                        "service_code": f"S{s:03d}",
                        "measure_code": code,
                        "period": periods,
                        "actual": actual,
                        "target": np.full(months, round(centre, 1)),
                        "denominator": None if value_type == "count" else rng.integers(150, 400, months),
                        "judged_on": judged_on,
                        "unit": unit,
                        "value_type": value_type,
                        "direction": direction,
                    },
                    schema_overrides={"denominator": pl.Int64},
                )
            )
    return pl.concat(frames)


def timed(label: str, frame: pl.DataFrame, kept: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Build the mart's rows from the parameters `kept`, print the wall and CPU seconds, return the rows
    and the parameters the build keeps."""
    store = ParameterStore(kept)
    wall, cpu = time.perf_counter(), time.process_time()
    rows, fitted = forecast_rows(frame, ForecastSettings(), "bench", store)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    series = rows.filter(pl.col("months_ahead") == 1).height
    print(f"{label:28s} {series:5d} series {fitted:5d} estimated {wall:7.2f} s wall {cpu:7.2f} s CPU")
    return rows, store.frame()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=300)
    parser.add_argument("--months", type=int, default=36)
    args = parser.parse_args()
    history = simulated_series(args.services, args.months + 1, date(2026, 4, 1))
    frame = history.filter(pl.col("period") < pl.col("period").max())
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before")
    _, kept = timed("first build", frame, None)
    timed("nothing changed", frame, kept)
    incremental, after = timed("a new month for every series", history, kept)
    changed = frame.with_columns(
        actual=pl.when((pl.col("service_code") == "S000") & (pl.col("measure_code") == "SAME_DAY"))
        .then(pl.col("actual") + 1)
        .otherwise(pl.col("actual"))
    )
    timed("one series resubmitted", changed, kept)
    scratch, _ = timed("the new month from scratch", history, None)
    print(f"incremental and from-scratch rows equal: {incremental.equals(scratch)}")
    print(f"load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()

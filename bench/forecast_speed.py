"""Times the forecasts of marts.fct_measure_forecast at national scale: 300 services x 4 measures x 36 months.

    .venv/bin/python bench/forecast_speed.py [--services 300] [--months 36]

The series are simulated like the demo's (a level, noise, a yearly cycle on counts, a step in some),
with targets and every judging basis. It prints the wall and CPU seconds of fitting every series
(the mart's first build, or a new month for every service) with `--workers` processes, then of the
same build with nothing changed (every series kept from the previous rows), and one changed series.
CPU seconds add this process's and its workers'; the load average shows how busy the machine was.
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

MEASURES = [  # code, unit, value type, direction, judged on, level, noise sd
    ("DISCHARGES", "count", "count", "higher_is_better", "year_to_date", 260.0, 13.0),
    ("SAME_DAY", "percent", "rate", "higher_is_better", "month", 72.0, 0.8),
    ("HOME_91", "percent", "rate", "higher_is_better", "month", 80.0, 0.8),
    ("READMIT_30", "percent", "rate", "lower_is_better", "rolling_12_months", 14.0, 0.8),
]


def simulated_series(services: int, months: int, seed: int = 15) -> pl.DataFrame:
    """Return fct_measure_period-shaped rows for `services` services of the four measures."""
    rng = np.random.default_rng(seed)
    periods = [add_months(date(2023, 4, 1), k) for k in range(months)]
    frames = []
    for s in range(services):
        for code, unit, value_type, direction, judged_on, level, sd in MEASURES:
            centre = level * rng.uniform(0.85, 1.15)
            season = (0.06 * centre * np.sin(2 * np.pi * np.arange(months) / 12 + rng.uniform(0, 6.3))
                      if value_type == "count" else 0.0)
            step = np.where(np.arange(months) >= months // 2, rng.choice([0.0, 0.0, 0.0, 5 * sd]), 0.0)
            actual = centre + season + step + rng.normal(0, sd, months)
            frames.append(pl.DataFrame({
                "service_code": f"S{s:03d}", "measure_code": code, "period": periods, "actual": actual,
                "target": np.full(months, round(centre, 1)),
                "denominator": None if value_type == "count" else rng.integers(150, 400, months),
                "judged_on": judged_on, "unit": unit, "value_type": value_type, "direction": direction,
            }, schema_overrides={"denominator": pl.Int64}))
    return pl.concat(frames)


def _cpu_seconds() -> float:
    """Return the CPU seconds of this process and of its finished worker processes."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(label: str, frame: pl.DataFrame, previous: pl.DataFrame | None, workers: int) -> pl.DataFrame:
    """Build the mart's rows, print the wall and CPU seconds, return the rows."""
    wall, cpu = time.perf_counter(), _cpu_seconds()
    rows, fitted = forecast_rows(frame, ForecastSettings(), "bench", previous, workers)
    wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    series = rows.filter(pl.col("months_ahead") == 1).height
    print(f"{label:24s} {series:5d} series {fitted:5d} fitted {wall:7.2f} s wall {cpu:7.2f} s CPU")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=300)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    frame = simulated_series(args.services, args.months)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before")
    rows = timed("every series fitted", frame, None, args.workers)
    timed("nothing changed", frame, rows, args.workers)
    changed = frame.with_columns(actual=pl.when((pl.col("service_code") == "S000")
                                                & (pl.col("measure_code") == "SAME_DAY"))
                                 .then(pl.col("actual") + 1).otherwise(pl.col("actual")))
    timed("one series resubmitted", changed, rows, args.workers)
    print(f"load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()

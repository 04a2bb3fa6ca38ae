"""Our forecasting engine against the libraries that could replace it, on the same series.

statsforecast 2.1 requires pandas below 3 (the project has pandas 3), so this runs in a throwaway
environment laid over the project's, which it leaves as it is (uv as `make setup` installs it):

    .tools/bin/uv run --no-sync --with statsforecast==2.1.1 python bench/forecast_libraries.py imports
    .tools/bin/uv run --no-sync --with statsforecast==2.1.1 python bench/forecast_libraries.py speed WAREHOUSE
    .tools/bin/uv run --no-sync --with statsforecast==2.1.1 python bench/forecast_libraries.py backtest \
        WAREHOUSE [--measures AE_4HR,AE_ATTENDANCES,AE_ADMISSIONS]

`imports`: in fresh processes, the seconds to import each engine after what a nightly run has
already imported (Dagster, Great Expectations, polars, DuckDB), and statsforecast's first and second
call on three series (a just-in-time compiler would show in the first). `speed`: the models a first
build or a quarter's end estimates (every series to its latest quarter's end and the sampled series'
calibration prefixes, as engine.forecast_batch) fitted and forecast 12 months with 80 % and 95 %
intervals by our engine (estimation.fit, engine.run_filter), by statsforecast's AutoETS over every
series in one `StatsForecast.forecast` call (one process) for the model sets ANN (level only), AZN
(no season) and AZZ (additive errors, every trend and season), and by statsmodels' ETSModel series by
series (the two forms estimation.fit compares). `backtest`: bench/forecast_backtest.py's rolling
origin with AutoETS(AZZ) in place of our engine, fitted on every month before each origin; its own
intervals, and the same scaled by the conformal factors the mart would learn from its errors
(calibration.group_scales over the sampled series' forecasts from four quarterly origins).
Each prints wall and CPU seconds; the machine's load average says how busy it was.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import warnings
from typing import Any

import numpy as np
import polars as pl
from forecast_backtest import load_series
from threadpoolctl import threadpool_limits

from assets.forecast.backtest import SCHEMA, record_errors, summary, truncated
from assets.forecast.calibration import Z_80, Z_95, group_scales
from assets.forecast.engine import UNIT_BOUNDS, run_filter
from assets.forecast.estimation import fit, seasonal_rows
from assets.forecast.holdout import HOLDOUT_MONTHS, holdout_sample
from assets.forecast.naive import naive, seasonal_naive
from assets.forecast.schedule import calibration_origins, estimation_months
from assets.forecast.series import Series

BASELINE = "import dagster, great_expectations, polars, duckdb"  # what a nightly run has loaded
IMPORTS = {"ours": "import assets.forecast.mart", "statsforecast": "import statsforecast.models"}
FIRST_CALLS = """
import time, numpy as np, polars as pl
from datetime import date
from statsforecast import StatsForecast
from statsforecast.models import AutoETS
frame = pl.DataFrame({"unique_id": [f"s{i}" for i in range(3) for _ in range(36)],
                      "ds": [date(2023 + m // 12, m % 12 + 1, 1) for _ in range(3) for m in range(36)],
                      "y": 100 + np.random.default_rng(1).normal(0, 3, 108)})
for call in ("first", "second"):
    started = time.perf_counter()
    StatsForecast(models=[AutoETS(season_length=12, model="AZZ")], freq="1mo", n_jobs=1
                  ).forecast(df=frame, h=12, level=[80, 95])
    print(f"statsforecast {call} call on 3 series: {time.perf_counter() - started:.2f} s wall")
"""
SF_MODELS = ("ANN", "AZN", "AZZ")
Item = tuple[str, list, np.ndarray]  # id, months, values


def cpu_seconds() -> float:
    """Return this process's user + system seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build_prefixes(series: list[Series]) -> list[Item]:
    """Return what a first build estimates: each series to its latest quarter's end, and the sampled
    series' calibration prefixes (as engine.forecast_batch with 30 series a measure)."""
    found = []
    sample = holdout_sample([(s.service_code, s.measure_code) for s in series], 30)
    for s in series:
        end = estimation_months(s.periods, 12)
        origins = calibration_origins(end, 12) if (s.service_code, s.measure_code) in sample else []
        found += [
            (f"{s.service_code}|{s.measure_code}|{m}", s.periods[:m], s.values[:m]) for m in [end, *origins]
        ]
    return found


def statsforecast_fit(items: list[Item], model: str, horizon: int) -> dict[str, tuple]:
    """Return per item id: AutoETS's forecast means, their standard deviations (from the 80 % interval)
    and whether the chosen model is seasonal; all items in one StatsForecast call, one process."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    frame = pl.DataFrame(
        {
            "unique_id": [key for key, _, values in items for _ in values],
            "ds": [month for _, months, _ in items for month in months],
            "y": np.concatenate([values for _, _, values in items]),
        }
    )
    forecaster = StatsForecast(models=[AutoETS(season_length=12, model=model)], freq="1mo", n_jobs=1)
    forecaster.fit(df=frame)
    found = forecaster.predict(h=horizon, level=[80])
    seasonal = {
        key: fitted.model_["method"].endswith(",A)")
        for key, fitted in zip(forecaster.uids.to_list(), forecaster.fitted_[:, 0], strict=True)
    }
    return {
        key: (
            part["AutoETS"].to_numpy(),
            (part["AutoETS-hi-80"].to_numpy() - part["AutoETS"].to_numpy()) / Z_80,
            seasonal[key],
        )
        for (key,), part in found.group_by(["unique_id"], maintain_order=True)
    }


def statsmodels_fit(items: list[Item]) -> None:
    """Fit each item's two forms (as estimation.fit: with and without a damped trend, seasonal when
    the series passes the test) with statsmodels' ETSModel, one series at a time."""
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    for _, _, values in items:
        seasonal = bool(seasonal_rows(values[None])[0])
        for trend in (False, True):
            model = ETSModel(
                pd.Series(values),
                error="add",
                trend="add" if trend else None,
                damped_trend=trend,
                seasonal="add" if seasonal else None,
                seasonal_periods=12 if seasonal else None,
                initialization_method="heuristic",
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(disp=False).get_prediction(start=len(values), end=len(values) + 11)


def imports() -> None:
    """Print each engine's import seconds in fresh processes, and statsforecast's first two calls."""
    for _ in range(3):
        for engine, statement in IMPORTS.items():
            code = (
                f"import resource, time; {BASELINE}\nu = resource.getrusage(resource.RUSAGE_SELF)\n"
                f"w = time.perf_counter(); {statement}\nv = resource.getrusage(resource.RUSAGE_SELF)\n"
                "print(f'{time.perf_counter() - w:.2f} s wall '"
                "f'{v.ru_utime + v.ru_stime - u.ru_utime - u.ru_stime:.2f} s CPU')"
            )
            found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            print(f"import {engine:14s} after a run's imports: {found.stdout.strip()}")
    print(
        subprocess.run(
            [sys.executable, "-c", FIRST_CALLS], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    sys.stdout.flush()


def speed(warehouse: str, engines: list[str]) -> None:
    """Print the seconds each engine takes to fit and forecast what a first build estimates."""
    series = [s for s in load_series(warehouse, None) if len(s.values) >= 12]
    items = build_prefixes(series)
    if any(engine.startswith("statsforecast") for engine in engines):
        import statsforecast.models  # noqa: F401 (imported before the clock starts: `imports` times it)
    print(f"{len(series)} series, {len(items)} models to estimate; load average {os.getloadavg()[0]:.1f}")
    for engine in engines:
        wall, cpu = time.perf_counter(), cpu_seconds()
        with threadpool_limits(1):
            if engine == "ours":
                values = [v for _, _, v in items]
                run_filter(values, fit(values)).mean_and_sd(12)
            elif engine == "statsmodels":
                statsmodels_fit(items)
            else:
                statsforecast_fit(items, engine.removeprefix("statsforecast-"), 12)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        print(f"{engine:18s} {wall:7.1f} s wall {cpu:7.1f} s CPU", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} after")


def calibration_factors(cut: list[Series]) -> dict:
    """Return the conformal factors a build of `cut` would learn with AutoETS(AZZ) (engine._calibration)."""
    sample = holdout_sample([(s.service_code, s.measure_code) for s in cut], 30)
    jobs: list[tuple[str, Series, int, int]] = []
    for s in cut:
        if (s.service_code, s.measure_code) in sample:
            end = estimation_months(s.periods, 12)
            jobs += [
                (f"{len(jobs) + j}", s, end, origin) for j, origin in enumerate(calibration_origins(end, 12))
            ]
    if not jobs:
        return {}
    found = statsforecast_fit(
        [(key, s.periods[:origin], s.values[:origin]) for key, s, _, origin in jobs], "AZZ", HOLDOUT_MONTHS
    )
    scores: dict = {}
    for key, s, end, origin in jobs:
        mean, sd, seasonal = found[key]
        held = s.values[origin:end]
        k = len(held)
        usable = sd[:k] > 0
        scores.setdefault((s.measure_code, seasonal), []).append(((held - mean[:k]) / sd[:k])[usable])
    return group_scales(scores)


def backtest(warehouse: str, measures: list[str] | None) -> None:
    """Print bench/forecast_backtest.py's table for AutoETS(AZZ): own and calibrated intervals."""
    series = load_series(warehouse, measures)
    columns: dict[str, dict[str, list[Any]]] = {
        variant: {name: [] for name in SCHEMA} for variant in ("own intervals", "calibrated")
    }
    wall, cpu = time.perf_counter(), cpu_seconds()
    with threadpool_limits(1):
        for origin in range(24, max(len(s.values) for s in series)):
            live = [s for s in series if len(s.values) > origin]
            cut = [truncated(s, origin) for s in live]
            found = statsforecast_fit([(f"{i}", t.periods, t.values) for i, t in enumerate(cut)], "AZZ", 12)
            scales = calibration_factors(cut)
            for i, (s, train) in enumerate(zip(live, cut, strict=True)):
                held = s.values[origin : origin + 12]
                k = len(held)
                mean, sd, seasonal = found[f"{i}"]
                mean, sd = mean[:k], sd[:k]
                low, high = UNIT_BOUNDS[s.unit]
                factors = scales.get((s.measure_code, seasonal), scales.get(s.measure_code, (1.0, 1.0)))
                scale = float(np.mean(np.abs(np.diff(train.values))))
                for variant, (f80, f95) in (("own intervals", (1.0, 1.0)), ("calibrated", factors)):
                    in_80, in_95 = (
                        (np.clip(mean - z * f * sd, low, high) <= held)
                        & (held <= np.clip(mean + z * f * sd, low, high))
                        for z, f in ((Z_80, f80), (Z_95, f95))
                    )
                    record_errors(
                        columns[variant],
                        s,
                        origin,
                        "ets",
                        held,
                        np.clip(mean, low, high),
                        scale,
                        (in_80, in_95),
                    )
                own = columns["own intervals"]
                record_errors(own, s, origin, "naive", held, naive(train.values, k), scale, None)
                record_errors(
                    own, s, origin, "seasonal_naive", held, seasonal_naive(train.values, k), scale, None
                )
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    with pl.Config(
        tbl_rows=200,
        tbl_width_chars=160,
        float_precision=3,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
    ):
        for variant, column in columns.items():
            errors = pl.DataFrame(column, schema=SCHEMA)
            print(
                f"statsforecast AutoETS(AZZ), {variant}: {len(series)} series, "
                f"{errors['origin'].n_unique()} origins, {errors.filter(pl.col('method') == 'ets').height} "
                "held-out months per method"
            )
            print(
                pl.concat(
                    [
                        summary(errors, ["measure"]),
                        summary(errors.with_columns(measure=pl.lit("(all)")), ["measure"]),
                    ]
                )
            )
    print(f"{wall:.1f} s wall {cpu:.1f} s CPU fitting")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("imports")
    timing = commands.add_parser("speed")
    timing.add_argument("warehouse")
    timing.add_argument(
        "--engines", default=",".join(["ours", *(f"statsforecast-{m}" for m in SF_MODELS), "statsmodels"])
    )
    scoring = commands.add_parser("backtest")
    scoring.add_argument("warehouse")
    scoring.add_argument("--measures", help="comma-separated measure codes (default: all)")
    args = parser.parse_args()
    if args.command == "imports":
        imports()
    elif args.command == "speed":
        speed(args.warehouse, args.engines.split(","))
    else:
        backtest(args.warehouse, args.measures.split(",") if args.measures else None)


if __name__ == "__main__":
    main()

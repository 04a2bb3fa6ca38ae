"""Each series' forecast, year-end outlook and holdout errors, fitted in this process or a pool of them."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from itertools import repeat

import numpy as np
from threadpoolctl import threadpool_limits

from assets.forecast.holdout import holdout_errors
from assets.forecast.model import forecast
from assets.forecast.outlook import (
    add_months,
    judged_figure,
    judged_window,
    meets,
    months_between,
    verdict,
    year_end,
)
from assets.forecast.series import ForecastSettings, Series

UNIT_BOUNDS = {"percent": (0.0, 100.0), "rate_per_1000": (0.0, 1000.0), "count": (0.0, np.inf)}
POOL_MIN_SERIES = 400  # below this, starting the worker processes costs more than they save


def year_end_outlook(series: Series, paths: np.ndarray, end: date
                      ) -> tuple[float, float | None, bool, float | None]:
    """Return the judged figure's median forecast at `end`, its target, whether carried, the probability."""
    last = series.periods[-1]
    known = {p: i for i, p in enumerate(series.periods)}
    recent_denominator = float(np.mean(series.denominators[-12:]))
    window = judged_window(series.judged_on, end)
    rows, weights, targets = [], [], []
    latest_target = next((t for t in reversed(series.targets) if t is not None), None)
    carried = False
    for month in (m for m in window if m >= series.periods[0]):  # months before the series count as none
        if month in known:
            i = known[month]
            rows.append(np.full(paths.shape[1], series.values[i]))
            weights.append(series.denominators[i])
            targets.append(series.targets[i])
        else:
            rows.append(paths[months_between(last, month) - 1])
            weights.append(recent_denominator)
            targets.append(latest_target)
            carried = True
    figure = judged_figure(np.vstack(rows), np.array(weights), series.value_type)
    if any(t is None for t in targets):
        return float(np.median(figure)), None, carried, None
    target = float(judged_figure(np.array(targets, dtype=float), np.array(weights), series.value_type))
    probability = float(np.mean(meets(figure, target, series.direction)))
    return float(np.median(figure)), target, carried, probability


def series_columns(series: Series, settings: ForecastSettings, holdout: bool) -> dict:
    """Return one series' forecast columns, a row per month to the year end or `months_ahead` ahead.

    With `holdout`, also its holdout errors (holdout.py); without, those are empty.
    """
    last = series.periods[-1]
    end = year_end(last)
    horizon = max(settings.months_ahead, months_between(last, end))
    bounds = UNIT_BOUNDS[series.unit]
    fitted = forecast(series.values, horizon, settings.repetitions, bounds=bounds)
    figure, target, carried, probability = year_end_outlook(series, fitted.paths, end)
    holdout_mae, naive_mae = holdout_errors(series.values, bounds) if holdout else (None, None)
    return {
        "service_code": series.service_code, "measure_code": series.measure_code,
        "period": [add_months(last, k) for k in range(1, horizon + 1)],
        "months_ahead": list(range(1, horizon + 1)), "forecast": fitted.mean,
        "lower_80": fitted.lower_80, "upper_80": fitted.upper_80,
        "lower_95": fitted.lower_95, "upper_95": fitted.upper_95, "model": fitted.model,
        "last_actual_period": last, "months_used": len(series.values),
        "months_interpolated": series.interpolated, "year_end_period": end,
        "judged_on": series.judged_on, "year_end_forecast": figure, "year_end_target": target,
        "target_carried_forward": carried and target is not None,
        "probability_meeting_target": probability,
        "verdict": verdict(probability, settings.thresholds), "holdout_mae": holdout_mae,
        "holdout_naive_mae": naive_mae,
    }


_LIMITS: list[threadpool_limits] = []


def _one_blas_thread() -> None:
    _LIMITS.append(threadpool_limits(1))


def fit_many(jobs: list[tuple[Series, bool]], settings: ForecastSettings, workers: int) -> list[dict]:
    """Return `series_columns` of every (series, holdout) job, in order.

    BLAS is held to one thread (its threads only add overhead to small fits). From POOL_MIN_SERIES
    jobs on, they are shared among `workers` fresh processes (spawned: nothing of this process's
    threads is copied); each job's numbers are the same wherever it runs.
    """
    if workers <= 1 or len(jobs) < POOL_MIN_SERIES:
        with threadpool_limits(1):
            return [series_columns(series, settings, holdout) for series, holdout in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_one_blas_thread) as pool:
        series, holdouts = zip(*jobs, strict=True)
        return list(pool.map(series_columns, series, repeat(settings), holdouts,
                             chunksize=max(1, len(jobs) // (8 * workers))))

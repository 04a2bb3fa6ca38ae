"""Rolling-origin backtest of the forecasts against the naive and seasonal naive forecasts."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl

from assets.forecast.model import SEASON, forecast

METHODS = ("ets", "naive", "seasonal_naive")


def naive(train: np.ndarray, horizon: int) -> np.ndarray:
    """Return the last value, repeated `horizon` times."""
    return np.full(horizon, train[-1], dtype=float)


def seasonal_naive(train: np.ndarray, horizon: int) -> np.ndarray:
    """Return the value of the same month a year earlier (the last year repeated); naive before a year."""
    if len(train) < SEASON:
        return naive(train, horizon)
    last_year = train[-SEASON:]
    return np.array([last_year[k % SEASON] for k in range(horizon)], dtype=float)


def origin_errors(values: np.ndarray, origin: int, horizon: int) -> pl.DataFrame:
    """Return each method's errors on the months after `origin` (the months before it are the training).

    One row per method and month ahead: the error (actual − forecast), its scale (the training
    months' mean absolute month-on-month change, which makes MASE) and, for ETS, whether the 80 % and
    95 % intervals held the actual.
    """
    train, held = values[:origin], values[origin:origin + horizon]
    steps = len(held)
    fitted = forecast(train, steps, repetitions=0)
    scale = float(np.mean(np.abs(np.diff(train))))
    rows = {"method": [], "months_ahead": [], "error": [], "in_80": [], "in_95": []}
    for method, predicted in (("ets", fitted.mean), ("naive", naive(train, steps)),
                              ("seasonal_naive", seasonal_naive(train, steps))):
        rows["method"] += [method] * steps
        rows["months_ahead"] += list(range(1, steps + 1))
        rows["error"] += list(held - predicted)
        for column, low, high in (("in_80", fitted.lower_80, fitted.upper_80),
                                  ("in_95", fitted.lower_95, fitted.upper_95)):
            rows[column] += list((low <= held) & (held <= high)) if method == "ets" else [None] * steps
    return pl.DataFrame(rows, schema={"method": pl.String, "months_ahead": pl.Int64, "error": pl.Float64,
                                      "in_80": pl.Boolean, "in_95": pl.Boolean}
                        ).with_columns(scale=pl.lit(scale))


def rolling_origin(series: Iterable[tuple[str, np.ndarray]], horizon: int = 12, min_train: int = 24,
                   origin_step: int = 1) -> pl.DataFrame:
    """Return the errors of every origin from `min_train` months on, every `origin_step` months."""
    frames = []
    for key, values in series:
        for origin in range(min_train, len(values), origin_step):
            frames.append(origin_errors(values, origin, horizon).with_columns(
                series=pl.lit(key), origin=pl.lit(origin)))
    return pl.concat(frames) if frames else pl.DataFrame()


def summary(errors: pl.DataFrame, by: list[str] | None = None) -> pl.DataFrame:
    """Return per method (and `by`): held-out months, MAE, MASE and the ETS intervals' coverage.

    MASE is the mean of |error| ÷ scale; a scale of 0 (a flat training series) leaves the month out of
    MASE. Coverage is the share of held-out months inside the interval.
    """
    scaled = pl.when(pl.col("scale") > 0).then(pl.col("error").abs() / pl.col("scale"))
    return (errors.group_by([*(by or []), "method"])
            .agg(months=pl.len(), mae=pl.col("error").abs().mean(), mase=scaled.mean(),
                 coverage_80=pl.col("in_80").mean(), coverage_95=pl.col("in_95").mean())
            .sort([*(by or []), "method"]))

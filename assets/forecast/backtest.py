"""Rolling-origin backtest of the published forecasts against the naive and seasonal naive forecasts."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from assets.forecast.engine import forecast_batch
from assets.forecast.naive import naive, seasonal_naive
from assets.forecast.series import Series
from assets.forecast.store import ParameterStore

METHODS = ("ets", "naive", "seasonal_naive")
SCHEMA = {
    "series": pl.String,
    "measure": pl.String,
    "origin": pl.Int64,
    "method": pl.String,
    "months_ahead": pl.Int64,
    "error": pl.Float64,
    "scale": pl.Float64,
    "in_80": pl.Boolean,
    "in_95": pl.Boolean,
}


def truncated(series: Series, months: int) -> Series:
    """Return the series as it stood with its first `months` months."""
    return replace(
        series,
        periods=series.periods[:months],
        values=series.values[:months],
        targets=series.targets[:months],
        denominators=series.denominators[:months],
    )


def record_errors(
    columns: dict[str, list],
    series: Series,
    origin: int,
    method: str,
    held: np.ndarray,
    predicted: np.ndarray,
    scale: float,
    inside: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """Add one method's held-out months after `origin` to `columns` (SCHEMA's): the errors, the scale,
    and whether the 80 % and 95 % intervals held each actual (`inside`; None for a method without)."""
    steps = len(held)
    columns["series"] += [f"{series.service_code}|{series.measure_code}"] * steps
    columns["measure"] += [series.measure_code] * steps
    columns["origin"] += [origin] * steps
    columns["method"] += [method] * steps
    columns["months_ahead"] += list(range(1, steps + 1))
    columns["error"] += (held - predicted).tolist()
    columns["scale"] += [scale] * steps
    columns["in_80"] += inside[0].tolist() if inside else [None] * steps
    columns["in_95"] += inside[1].tolist() if inside else [None] * steps


def rolling_origin(
    series: list[Series],
    code_version: str,
    horizon: int = 12,
    min_train: int = 24,
    origin_step: int = 1,
    minimum_months: int = 12,
    holdout_series: int = 30,
) -> pl.DataFrame:
    """Return each method's errors from every origin from `min_train` months on, every `origin_step`.

    At each origin every series is cut to its months before it and forecast as a build would then
    publish it (forecast_batch: the model estimated on the schedule, the intervals calibrated on the
    sampled series' errors up to the cut, never on the months scored). One row per series, origin,
    method and month ahead: the error (actual - forecast), its scale (the training months' mean
    absolute month-on-month change, which makes MASE) and, for ETS, whether the 80 % and 95 %
    intervals held the actual.
    """
    store = ParameterStore()  # models estimated on the same months are shared between origins
    columns: dict[str, list] = {name: [] for name in SCHEMA}
    longest = max((len(s.values) for s in series), default=0)
    for origin in range(min_train, longest, origin_step):
        cut = [truncated(s, origin) for s in series if len(s.values) > origin]
        batch = forecast_batch(cut, horizon, minimum_months, holdout_series, store, code_version)
        for i, (s, train) in enumerate(zip((s for s in series if len(s.values) > origin), cut, strict=True)):
            held = s.values[origin : origin + horizon]
            steps = len(held)
            scale = float(np.mean(np.abs(np.diff(train.values))))
            inside_80 = (batch.lower_80[i, :steps] <= held) & (held <= batch.upper_80[i, :steps])
            inside_95 = (batch.lower_95[i, :steps] <= held) & (held <= batch.upper_95[i, :steps])
            for method, predicted in (
                ("ets", batch.mean[i, :steps]),
                ("naive", naive(train.values, steps)),
                ("seasonal_naive", seasonal_naive(train.values, steps)),
            ):
                record_errors(
                    columns,
                    s,
                    origin,
                    method,
                    held,
                    predicted,
                    scale,
                    (inside_80, inside_95) if method == "ets" else None,
                )
    return pl.DataFrame(columns, schema=SCHEMA)


def summary(errors: pl.DataFrame, by: list[str] | None = None) -> pl.DataFrame:
    """Return per method (and `by`): held-out months, MAE, MASE and the ETS intervals' coverage.

    MASE is the mean of |error| ÷ scale; a scale of 0 (a flat training series) leaves the month out of
    MASE. Coverage is the share of held-out months inside the interval.
    """
    scaled = pl.when(pl.col("scale") > 0).then(pl.col("error").abs() / pl.col("scale"))
    return (
        errors.group_by([*(by or []), "method"])
        .agg(
            months=pl.len(),
            mae=pl.col("error").abs().mean(),
            mase=scaled.mean(),
            coverage_80=pl.col("in_80").mean(),
            coverage_95=pl.col("in_95").mean(),
        )
        .sort([*(by or []), "method"])
    )

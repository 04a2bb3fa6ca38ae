"""The rows of marts.fct_measure_forecast: every service-measure series forecast to its year end."""

from __future__ import annotations

import numpy as np
import polars as pl

from assets.forecast.engine import Batch, forecast_batch, futures
from assets.forecast.holdout import beats_naive
from assets.forecast.outlook import meets, months_between, verdict, year_end, year_end_basis
from assets.forecast.series import ForecastSettings, series_from_frame
from assets.forecast.store import ParameterStore

SCHEMA = {
    "service_code": pl.String,
    "measure_code": pl.String,
    "period": pl.Date,
    "months_ahead": pl.Int64,
    "forecast": pl.Float64,
    "lower_80": pl.Float64,
    "upper_80": pl.Float64,
    "lower_95": pl.Float64,
    "upper_95": pl.Float64,
    "model": pl.String,
    "last_actual_period": pl.Date,
    "months_used": pl.Int64,
    "months_interpolated": pl.Int64,
    "estimated_to": pl.Date,
    "interval_scale_80": pl.Float64,
    "interval_scale_95": pl.Float64,
    "year_end_period": pl.Date,
    "judged_on": pl.String,
    "year_end_forecast": pl.Float64,
    "year_end_target": pl.Float64,
    "target_carried_forward": pl.Boolean,
    "probability_meeting_target": pl.Float64,
    "verdict": pl.String,
    "holdout_mae": pl.Float64,
    "holdout_naive_mae": pl.Float64,
    "beats_naive": pl.Boolean,
}
EXPANDED = ("period", "months_ahead", "forecast", "lower_80", "upper_80", "lower_95", "upper_95")
CHUNK = 64  # series whose simulated futures are held at once (64 x 12 x 2,000 numbers: 12 MB)


def _outlooks(batch: Batch, horizon: int, settings: ForecastSettings) -> list[tuple]:
    """Return each series' year-end figure (median), target, whether carried and probability of meeting
    it, over its simulated futures (outlook.py)."""
    found = []
    for start in range(0, len(batch.series), CHUNK):
        rows = np.arange(start, min(start + CHUNK, len(batch.series)))
        paths = futures(
            batch.filtered,
            rows,
            batch.unclipped_mean[rows],
            batch.scale_80[rows],
            horizon,
            settings.repetitions,
            batch.bounds[rows],
        )
        bases = [
            year_end_basis(batch.series[r], year_end(batch.series[r].periods[-1]), horizon)
            for r in rows.tolist()
        ]
        weights = np.array([b.weights for b in bases])
        figures = (
            np.array([b.known for b in bases])[:, None] + np.einsum("sh,shr->sr", weights, paths)
        ) / np.array([b.divisor for b in bases])[:, None]
        medians = np.median(figures, axis=1)
        for basis, row, figure, median in zip(bases, rows.tolist(), figures, medians, strict=True):
            probability = (
                None
                if basis.target is None
                else float(np.mean(meets(figure, basis.target, batch.series[row].direction)))
            )
            found.append((float(median), basis.target, basis.carried, probability))
    return found


def forecast_rows(
    frame: pl.DataFrame, settings: ForecastSettings, code_version: str, store: ParameterStore | None = None
) -> tuple[pl.DataFrame, int]:
    """Return the mart's rows for every series of `frame` with enough months, and how many models were
    estimated (the others came from `store`, the parameters kept by earlier builds).

    Every series runs to its year end or `months_ahead` months, whichever is further; `beats_naive`
    is set per measure from the holdout of its sampled series.
    """
    store = store if store is not None else ParameterStore()
    usable = [s for s in series_from_frame(frame) if len(s.values) >= settings.minimum_months]
    if not usable:
        return pl.DataFrame(schema=SCHEMA), 0
    horizon = max(
        settings.months_ahead, max(months_between(s.periods[-1], year_end(s.periods[-1])) for s in usable)
    )
    batch = forecast_batch(
        usable, horizon, settings.minimum_months, settings.holdout_series, store, code_version
    )
    outlooks = _outlooks(batch, horizon, settings) if settings.repetitions else [(None,) * 4] * len(usable)
    per_series: dict[str, list] = {name: [] for name in SCHEMA if name not in (*EXPANDED, "beats_naive")}
    steps = []
    for i, series in enumerate(usable):
        last = series.periods[-1]
        end = year_end(last)
        steps.append(max(settings.months_ahead, months_between(last, end)))
        figure, target, carried, probability = outlooks[i]
        mae, naive_mae = batch.holdout.get((series.service_code, series.measure_code), (None, None))
        for name, value in (
            ("service_code", series.service_code),
            ("measure_code", series.measure_code),
            ("model", batch.models[i]),
            ("last_actual_period", last),
            ("months_used", len(series.values)),
            ("months_interpolated", series.interpolated),
            ("estimated_to", series.periods[batch.estimated_months[i] - 1]),
            ("interval_scale_80", float(batch.scale_80[i])),
            ("interval_scale_95", float(batch.scale_95[i])),
            ("year_end_period", end),
            ("judged_on", series.judged_on),
            ("year_end_forecast", figure),
            ("year_end_target", target),
            ("target_carried_forward", bool(carried) and target is not None),
            ("probability_meeting_target", probability),
            ("verdict", verdict(probability, settings.thresholds)),
            ("holdout_mae", mae),
            ("holdout_naive_mae", naive_mae),
        ):
            per_series[name].append(value)
    per_series["months_ahead"] = [list(range(1, k + 1)) for k in steps]
    for name in ("forecast", "lower_80", "upper_80", "lower_95", "upper_95"):
        source = batch.mean if name == "forecast" else getattr(batch, name)
        per_series[name] = [source[i, :k].tolist() for i, k in enumerate(steps)]
    rows = (
        pl.DataFrame(per_series)
        .explode(["months_ahead", *EXPANDED[2:]])
        .with_columns(
            period=pl.col("last_actual_period").dt.offset_by(pl.format("{}mo", pl.col("months_ahead")))
        )
        .select([name for name in SCHEMA if name != "beats_naive"])
        .cast({k: v for k, v in SCHEMA.items() if k != "beats_naive"})
    )
    per_measure = beats_naive(rows.filter(pl.col("months_ahead") == 1))
    return (
        rows.join(per_measure, on="measure_code", how="left")
        .select(list(SCHEMA))
        .sort("service_code", "measure_code", "period")
    ), batch.fitted

"""The rows of marts.fct_measure_forecast: every service-measure series forecast to its year end."""

from __future__ import annotations

import polars as pl

from assets.forecast.fitting import fit_many
from assets.forecast.holdout import HOLDOUT_MONTHS, beats_naive, holdout_sample
from assets.forecast.series import ForecastSettings, digest, series_from_frame

SCHEMA = {
    "service_code": pl.String, "measure_code": pl.String, "period": pl.Date, "months_ahead": pl.Int64,
    "forecast": pl.Float64, "lower_80": pl.Float64, "upper_80": pl.Float64, "lower_95": pl.Float64,
    "upper_95": pl.Float64, "model": pl.String, "last_actual_period": pl.Date, "months_used": pl.Int64,
    "months_interpolated": pl.Int64, "year_end_period": pl.Date, "judged_on": pl.String,
    "year_end_forecast": pl.Float64, "year_end_target": pl.Float64, "target_carried_forward": pl.Boolean,
    "probability_meeting_target": pl.Float64, "verdict": pl.String, "holdout_mae": pl.Float64,
    "holdout_naive_mae": pl.Float64, "beats_naive": pl.Boolean, "series_digest": pl.String,
}



def forecast_rows(frame: pl.DataFrame, settings: ForecastSettings, code_version: str,
                  previous: pl.DataFrame | None = None, workers: int = 1) -> tuple[pl.DataFrame, int]:
    """Return the mart's rows for every series of `frame` with enough months, and how many were fitted.

    Series whose digest is in `previous` (the mart as last built) keep their rows, holdout errors
    included, without a new fit; the others are fitted by `workers` processes (fitting.py). The
    holdout runs on `holdout_series` services per measure; `beats_naive` is set per measure from it.
    """
    kept = {} if previous is None or previous.is_empty() else {
        key: rows for (key,), rows in previous.group_by(["series_digest"])}
    usable = [s for s in series_from_frame(frame) if len(s.values) >= settings.minimum_months]
    sample = holdout_sample([(s.service_code, s.measure_code) for s in usable], settings.holdout_series)
    parts, jobs, keys = [], [], []
    for series in usable:
        key = digest(series, settings, code_version)
        held_out = (series.service_code, series.measure_code) in sample
        rows = kept.get(key)
        needs_holdout = held_out and len(series.values) >= 2 * HOLDOUT_MONTHS
        if rows is not None and not (needs_holdout and rows["holdout_mae"][0] is None):
            unsampled = pl.lit(None, pl.Float64)  # a series that left the sample keeps no errors
            parts.append(rows.select(list(SCHEMA)) if held_out else rows.select(list(SCHEMA)).with_columns(
                holdout_mae=unsampled, holdout_naive_mae=unsampled))
        else:
            jobs.append((series, held_out))
            keys.append(key)
    for key, columns in zip(keys, fit_many(jobs, settings, workers), strict=True):
        parts.append(pl.DataFrame(columns | {"beats_naive": None, "series_digest": key}, schema=SCHEMA))
    if not parts:
        return pl.DataFrame(schema=SCHEMA), len(jobs)
    rows = pl.concat(parts).drop("beats_naive")
    per_measure = beats_naive(rows.filter(pl.col("months_ahead") == 1))
    return (rows.join(per_measure, on="measure_code", how="left").select(list(SCHEMA))
            .sort("service_code", "measure_code", "period")), len(jobs)

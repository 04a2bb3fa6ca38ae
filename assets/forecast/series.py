"""The service-measure series the forecasts are fitted to, the settings, and what their rows depend on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np
import polars as pl

from assets.forecast.outlook import VerdictThresholds, add_months, months_between


@dataclass(frozen=True)
class ForecastSettings:
    """How far ahead, from how many months, with how many simulated futures, and the verdict's thresholds."""

    months_ahead: int = 12
    minimum_months: int = 12
    repetitions: int = 2000
    holdout_series: int = 30  # per measure
    thresholds: VerdictThresholds = field(default_factory=VerdictThresholds)


@dataclass(frozen=True)
class Series:
    """One service-measure series, gap-free from its first to its last actual."""

    service_code: str
    measure_code: str
    periods: list[date]
    values: np.ndarray
    targets: list[float | None]
    denominators: np.ndarray
    interpolated: int
    unit: str
    value_type: str
    direction: str
    judged_on: str


def series_from_frame(frame: pl.DataFrame) -> list[Series]:
    """Return the series of `frame` (one row per service, measure and month, as fct_measure_period).

    Each runs from its first to its last actual; months inside without an actual (or without a row)
    are filled on a straight line between their neighbours (ETS needs every month), and counted.
    """
    ordered = frame.sort("service_code", "measure_code", "period")
    columns = {name: ordered[name].to_list() for name in ordered.columns}
    keys = list(zip(columns["service_code"], columns["measure_code"], strict=True))
    found, start = [], 0
    for end in range(1, len(keys) + 1):
        if end < len(keys) and keys[end] == keys[start]:
            continue
        rows = {name: values[start:end] for name, values in columns.items()}
        start = end
        with_actual = [i for i, a in enumerate(rows["actual"]) if a is not None]
        if not with_actual:
            continue
        first = rows["period"][with_actual[0]]
        months = months_between(first, rows["period"][with_actual[-1]]) + 1
        actual, targets = np.full(months, np.nan), [None] * months
        denominators = np.full(months, np.nan)
        for i in range(with_actual[0], with_actual[-1] + 1):
            k = months_between(first, rows["period"][i])
            actual[k] = np.nan if rows["actual"][i] is None else rows["actual"][i]
            targets[k] = rows["target"][i]
            denominators[k] = np.nan if rows["denominator"][i] is None else rows["denominator"][i]
        gaps = np.isnan(actual)
        index = np.arange(months)
        values = np.interp(index, index[~gaps], actual[~gaps]) if gaps.any() else actual
        known = ~np.isnan(denominators)
        weights = np.interp(index, index[known], denominators[known]) if known.any() else np.ones(months)
        found.append(Series(keys[start - 1][0], keys[start - 1][1],
                            [add_months(first, k) for k in range(months)], values, targets, weights,
                            int(gaps.sum()), rows["unit"][0], rows["value_type"][0], rows["direction"][0],
                            rows["judged_on"][0]))
    return found


def digest(series: Series, settings: ForecastSettings, code_version: str) -> str:
    """Return a digest of everything a series' rows depend on: unchanged digest, unchanged rows."""
    payload = json.dumps([code_version, asdict(settings), series.service_code, series.measure_code,
                          [p.isoformat() for p in series.periods], series.values.tolist(),
                          series.targets, series.denominators.tolist(), series.unit, series.value_type,
                          series.direction, series.judged_on])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]

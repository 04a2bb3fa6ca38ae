"""The service-measure series the forecasts are fitted to, the settings, and what their rows depend on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from assets.forecast.outlook import VerdictThresholds, add_months


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
    month = pl.col("period").dt.year() * 12 + pl.col("period").dt.month() - 1
    keys = ["service_code", "measure_code"]
    spans = (
        frame.with_columns(index=month)
        .filter(
            pl.col("index").is_between(
                pl.col("index").filter(pl.col("actual").is_not_null()).min().over(keys),
                pl.col("index").filter(pl.col("actual").is_not_null()).max().over(keys),
            )
        )
        .sort([*keys, "period"])
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col("index"),
            pl.col("actual"),
            pl.col("target"),
            pl.col("denominator").cast(pl.Float64),
            pl.col("unit", "value_type", "direction", "judged_on").first(),
        )
    )
    found = []
    for row in spans.iter_rows(named=True):
        first = row["index"][0]
        months = row["index"][-1] - first + 1
        at = np.array(row["index"]) - first
        actual, denominators = np.full(months, np.nan), np.full(months, np.nan)
        targets: list[float | None] = [None] * months
        actual[at] = np.array(row["actual"], dtype=float)
        denominators[at] = np.array(row["denominator"], dtype=float)
        for k, target in zip(at.tolist(), row["target"], strict=True):
            targets[k] = target
        gaps = np.isnan(actual)
        index = np.arange(months)
        values = np.interp(index, index[~gaps], actual[~gaps]) if gaps.any() else actual
        known = ~np.isnan(denominators)
        weights = np.interp(index, index[known], denominators[known]) if known.any() else np.ones(months)
        start = date(first // 12, first % 12 + 1, 1)
        found.append(
            Series(
                row["service_code"],
                row["measure_code"],
                [add_months(start, k) for k in range(months)],
                values,
                targets,
                weights,
                int(gaps.sum()),
                row["unit"],
                row["value_type"],
                row["direction"],
                row["judged_on"],
            )
        )
    return found

"""The model of each series: its form and parameters estimated on a stretch of its months, by AICc."""

from __future__ import annotations

import numpy as np

from assets.forecast.ets import SEASON, Parameters, by_length, estimate

SEASONAL_MIN_MONTHS = 24  # two full years before a seasonal pattern can be estimated
Z_95_ONE_SIDED = 1.6449  # the seasonality test's critical value


def seasonal_rows(values: np.ndarray) -> np.ndarray:
    """Return which rows (series of one length) have two years or more and changes that repeat each year.

    The lag-12 autocorrelation of the month-on-month changes (differencing takes out level and trend,
    which would otherwise pass for a yearly pattern) must exceed 1.645 ÷ √(changes): a one-sided 5 %
    test against no autocorrelation. On noise, trends and random walks it fires about 5 % of the time.
    """
    rows, months = values.shape
    if months < SEASONAL_MIN_MONTHS:
        return np.zeros(rows, dtype=bool)
    changes = np.diff(values, axis=1)
    centred = changes - changes.mean(axis=1, keepdims=True)
    spread = (centred**2).sum(axis=1)
    lagged = (centred[:, SEASON:] * centred[:, :-SEASON]).sum(axis=1)
    autocorrelation = np.divide(lagged, spread, out=np.zeros(rows), where=spread > 0)
    return autocorrelation > Z_95_ONE_SIDED / np.sqrt(months - 1)


def fit(series: list[np.ndarray]) -> Parameters:
    """Return each series' model: the form and parameters of lower AICc, with and without a damped trend.

    Seasonal where the series passes `seasonal_rows`. Initial states come from the classical
    decomposition heuristic, so only the smoothing and damping parameters are estimated (ets.py).
    """
    parts, order = [], []
    for positions, values in by_length(series):
        seasonal = seasonal_rows(values)
        for is_seasonal in (False, True):
            rows = np.flatnonzero(seasonal == is_seasonal)
            if not len(rows):
                continue
            level_only, level_aicc = estimate(values[rows], trend=False, seasonal=is_seasonal)
            damped, damped_aicc = estimate(values[rows], trend=True, seasonal=is_seasonal)
            chosen = damped_aicc < level_aicc
            parts.append(
                Parameters.stack(
                    [level_only.take(np.flatnonzero(~chosen)), damped.take(np.flatnonzero(chosen))]
                )
            )
            order.append(np.concatenate([positions[rows][~chosen], positions[rows][chosen]]))
    found = Parameters.stack(parts)
    return found.take(np.argsort(np.concatenate(order), kind="stable"))

"""The naive forecasts the method is judged against: the last value, and the same month a year earlier."""

from __future__ import annotations

import numpy as np

from assets.forecast.ets import SEASON


def naive(train: np.ndarray, horizon: int) -> np.ndarray:
    """Return the last value, repeated `horizon` times."""
    return np.full(horizon, train[-1], dtype=float)


def seasonal_naive(train: np.ndarray, horizon: int) -> np.ndarray:
    """Return the value of the same month a year earlier (the last year repeated); naive before a year."""
    if len(train) < SEASON:
        return naive(train, horizon)
    last_year = train[-SEASON:]
    return np.array([last_year[k % SEASON] for k in range(horizon)], dtype=float)

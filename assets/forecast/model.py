"""One series' forecast: statsmodels' ETS state-space model, damped trend and seasonality where they show."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel, ETSResults
from statsmodels.tsa.stattools import acf

SEASON = 12  # months
SEASONAL_MIN_MONTHS = 24  # two full years before a seasonal pattern can be estimated
Z_95_ONE_SIDED = 1.6449  # the seasonality test's critical value


@dataclass(frozen=True)
class Forecast:
    """A series' forecast for the `horizon` months after its last one."""

    model: str  # in ETS notation (model_name)
    mean: np.ndarray
    lower_80: np.ndarray
    upper_80: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray
    paths: np.ndarray  # simulated futures, horizon x repetitions


def is_seasonal(values: np.ndarray) -> bool:
    """Return True when the series has two years or more and its monthly changes repeat each year.

    The lag-12 autocorrelation of the month-on-month changes (differencing takes out level and trend,
    which would otherwise pass for a yearly pattern) must exceed 1.645 ÷ √(changes): a one-sided 5 %
    test against no autocorrelation. On noise, trends and random walks it fires about 5 % of the time.
    """
    if len(values) < SEASONAL_MIN_MONTHS or np.ptp(values) == 0:
        return False
    changes = np.diff(values)
    if np.ptp(changes) == 0:
        return False
    return bool(acf(changes, nlags=SEASON, fft=False)[SEASON] > Z_95_ONE_SIDED / np.sqrt(len(changes)))


def fit(values: np.ndarray, seasonal: bool | None = None) -> ETSResults:
    """Return the maximum-likelihood ETS fit with additive errors, seasonal if the series shows it.

    Two models are fitted, without and with a damped additive trend (damping bounded to 0.8-0.98),
    and the one with the lower AICc is kept. Initial states come from the classical decomposition
    heuristic (Hyndman et al. 2008), so only the smoothing and damping parameters are estimated.
    """
    seasonal = is_seasonal(values) if seasonal is None else seasonal
    fits = []
    for trend in (False, True):
        model = ETSModel(pd.Series(values, dtype=float), error="add", trend="add" if trend else None,
                         damped_trend=trend, seasonal="add" if seasonal else None,
                         seasonal_periods=SEASON if seasonal else None, initialization_method="heuristic")
        with warnings.catch_warnings():
            # a flat or perfectly linear series stops the optimiser at a bound: still the maximum
            warnings.simplefilter("ignore")
            fits.append(model.fit(disp=False))
    return min(fits, key=lambda results: results.aicc)


def model_name(results: ETSResults) -> str:
    """Return the fitted model in ETS notation: ETS(A,N,N), ETS(A,Ad,N), ETS(A,N,A) or ETS(A,Ad,A)."""
    trend = "Ad" if results.model.trend is not None else "N"
    return f"ETS(A,{trend},{'A' if results.model.seasonal is not None else 'N'})"


def forecast(values: np.ndarray, horizon: int, repetitions: int = 2000, seed: int = 15,
             bounds: tuple[float, float] = (-np.inf, np.inf)) -> Forecast:
    """Return the forecast of `values` over `horizon` months, its 80 % and 95 % intervals and paths.

    The intervals are the model's analytical prediction intervals; the paths are `repetitions`
    simulated futures (none when 0; Gaussian errors and a fixed seed: the same inputs give the same
    numbers). All are clipped to `bounds` (the unit's possible range).
    """
    results = fit(values)
    n = len(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prediction = results.get_prediction(start=n, end=n + horizon - 1)
        band_80 = np.asarray(prediction.pred_int(alpha=0.20))
        band_95 = np.asarray(prediction.pred_int(alpha=0.05))
        paths = np.asarray(results.simulate(horizon, anchor="end", repetitions=repetitions,
                                            rng=np.random.default_rng(seed)), dtype=float
                           ) if repetitions else np.empty((horizon, 0))
    low, high = bounds
    return Forecast(model=model_name(results),
                    mean=np.clip(np.asarray(prediction.predicted_mean), low, high),
                    lower_80=np.clip(band_80[:, 0], low, high), upper_80=np.clip(band_80[:, 1], low, high),
                    lower_95=np.clip(band_95[:, 0], low, high), upper_95=np.clip(band_95[:, 1], low, high),
                    paths=np.clip(paths.reshape(horizon, repetitions), low, high))


def point_forecast(values: np.ndarray, horizon: int, bounds: tuple[float, float] = (-np.inf, np.inf)
                   ) -> np.ndarray:
    """Return the forecast's mean alone over `horizon` months (no intervals: cheaper, for backtests)."""
    return np.clip(np.asarray(fit(values).forecast(horizon), dtype=float), *bounds)

"""Forecasts of many series from their stored or estimated models: means, calibrated bands, futures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assets.forecast.calibration import Z_80, Z_95, Scores, group_scales
from assets.forecast.ets import Parameters, by_length, impulse, predict, relative_variance, smooth
from assets.forecast.holdout import HOLDOUT_MONTHS, holdout_sample
from assets.forecast.naive import naive, seasonal_naive
from assets.forecast.schedule import calibration_origins, estimation_months, fit_key
from assets.forecast.series import Series
from assets.forecast.store import ParameterStore

UNIT_BOUNDS = {"percent": (0.0, 100.0), "rate_per_1000": (0.0, 1000.0), "count": (0.0, np.inf)}
SEED = 15  # the simulated futures' random numbers: the same for every series and every build


@dataclass(frozen=True)
class Filtered:
    """Series run through the filter with fixed parameters: final states and one-step error spread."""

    params: Parameters
    months: np.ndarray
    level: np.ndarray
    slope: np.ndarray
    season: np.ndarray
    sigma: np.ndarray  # one-step error standard deviation over all the months (run_filter)

    def mean_and_sd(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the forecast means and the model's standard deviations, series x months ahead."""
        mean = predict(self.params, self.months, self.level, self.slope, self.season, horizon)
        return mean, self.sigma[:, None] * np.sqrt(relative_variance(self.params, horizon))


def estimated_numbers(params: Parameters) -> np.ndarray:
    """Return how many numbers each model took from its data: the level's smoothing parameter and
    initial state (2), the trend's smoothing and damping parameters and initial slope (3), the
    season's smoothing parameter and 11 free initial states (12; the 12th makes them sum to 0)."""
    return 2 + 3 * params.trend.astype(int) + 12 * params.seasonal.astype(int)


def run_filter(series: list[np.ndarray], params: Parameters) -> Filtered:
    """Return the filtered series (each with its own parameters, fixed).

    σ, the one-step error's standard deviation, is √(sum of squared one-step errors ÷ (months −
    the numbers the model took from the data)): dividing by the months alone (statsmodels' choice)
    understates it most for seasonal models, which take 14 numbers from two or three years.
    """
    states = np.zeros((len(series), 4))
    season = np.zeros_like(params.season)
    for rows, values in by_length(series):
        p = params.take(rows)
        _, sse, level, slope, last = smooth(
            values, p.alpha, p.beta, p.gamma, p.phi, p.level, p.slope, p.season, errors=False
        )
        free = np.maximum(values.shape[1] - estimated_numbers(p), 1)
        months = np.full(len(rows), values.shape[1])
        states[rows] = np.column_stack([level, slope, np.sqrt(sse / free), months])
        season[rows] = last
    return Filtered(params, states[:, 3].astype(np.int64), states[:, 0], states[:, 1], season, states[:, 2])


def futures(
    filtered: Filtered,
    rows: np.ndarray,
    mean: np.ndarray,
    scale: np.ndarray,
    horizon: int,
    repetitions: int,
    bounds: np.ndarray,
) -> np.ndarray:
    """Return `repetitions` simulated futures of the series at `rows` (rows x horizon x repetitions).

    Each month's error is Gaussian with the series' one-step standard deviation x `scale`; month h
    is the mean plus e_h + c_1 e_{h-1} + … + c_{h-1} e_1 (ets.impulse), which is what running the
    model's recursion on those errors gives. The same random numbers (a fixed seed) serve every
    series. Clipped to `bounds` (rows x 2).
    """
    shocks = np.random.default_rng(SEED).standard_normal((horizon, repetitions))
    c = impulse(filtered.params.take(rows), horizon)
    lag = np.subtract.outer(np.arange(horizon), np.arange(horizon))
    spread = np.where(lag >= 0, c[:, np.clip(lag, 0, None)], 0.0)  # rows x horizon x horizon
    paths = mean[:, :, None] + (filtered.sigma[rows] * scale)[:, None, None] * (spread @ shocks)
    return np.clip(paths, bounds[:, 0, None, None], bounds[:, 1, None, None])


@dataclass(frozen=True)
class Batch:
    """The published forecasts of a batch of series, and what the build learned on the way."""

    series: list[Series]
    filtered: Filtered
    models: list[str]
    estimated_months: np.ndarray
    mean: np.ndarray  # series x horizon, clipped
    lower_80: np.ndarray
    upper_80: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray
    unclipped_mean: np.ndarray
    scale_80: np.ndarray  # per series: its measure's interval factors
    scale_95: np.ndarray
    bounds: np.ndarray  # series x 2
    holdout: dict[tuple[str, str], tuple[float, float]]
    fitted: int


def _calibration(
    series: list[Series],
    estimated: list[int],
    sample: set[tuple[str, str]],
    minimum: int,
    store: ParameterStore,
    code_version: str,
) -> tuple[Scores, dict[tuple[str, str], tuple[float, float]]]:
    """Return the scaled errors, by measure and model seasonality, of the sampled series' forecasts from
    their calibration origins (scored on the months to the end of their estimation months), and their
    holdout errors."""
    jobs = [
        (s, end, origin)
        for s, end in zip(series, estimated, strict=True)
        if (s.service_code, s.measure_code) in sample
        for origin in calibration_origins(end, minimum)
    ]
    scores: Scores = {}
    holdout: dict[tuple[str, str], tuple[float, float]] = {}
    if not jobs:
        return scores, holdout
    prefixes = [s.values[:origin] for s, _, origin in jobs]
    params = store.parameters([fit_key(p, code_version) for p in prefixes], prefixes)
    mean, sd = run_filter(prefixes, params).mean_and_sd(HOLDOUT_MONTHS)
    for i, (s, end, origin) in enumerate(jobs):
        held = s.values[origin:end]
        k = len(held)
        usable = sd[i, :k] > 0
        scores.setdefault((s.measure_code, bool(params.seasonal[i])), []).append(
            (held - mean[i, :k])[usable] / sd[i, :k][usable]
        )
        if k == HOLDOUT_MONTHS:
            train = s.values[:origin]
            forecast = np.clip(mean[i], *UNIT_BOUNDS[s.unit])
            naive_mae = min(
                float(np.mean(np.abs(held - naive(train, k)))),
                float(np.mean(np.abs(held - seasonal_naive(train, k)))),
            )
            holdout[(s.service_code, s.measure_code)] = (float(np.mean(np.abs(held - forecast))), naive_mae)
    return scores, holdout


def forecast_batch(
    series: list[Series],
    horizon: int,
    minimum_months: int,
    holdout_series: int,
    store: ParameterStore,
    code_version: str,
) -> Batch:
    """Return the forecasts `horizon` months ahead of every series (each of at least `minimum_months`).

    Each model is estimated on the series' months to the latest quarter's end (schedule.py) and run
    over all its months. Each measure's intervals are the model's scaled by the measure's factors
    (for its seasonal and its other models apart, when each has enough scores), learnt from the
    errors of forecasts made by up to `holdout_series` sampled series of the measure from each quarter
    of the year before their estimation months' end.
    """
    fitted_before = store.fitted
    estimated = [estimation_months(s.periods, minimum_months) for s in series]
    keys = [(s.service_code, s.measure_code) for s in series]
    sample = holdout_sample(keys, holdout_series)
    scores, holdout = _calibration(series, estimated, sample, minimum_months, store, code_version)
    scales = group_scales(scores)
    prefixes = [s.values[:end] for s, end in zip(series, estimated, strict=True)]
    params = store.parameters([fit_key(p, code_version) for p in prefixes], prefixes)
    filtered = run_filter([s.values for s in series], params)
    mean, sd = filtered.mean_and_sd(horizon)
    groups = [(s.measure_code, bool(seasonal)) for s, seasonal in zip(series, params.seasonal, strict=True)]
    scale_80 = np.array([scales.get(g, scales.get(g[0], (1.0, 1.0)))[0] for g in groups])
    scale_95 = np.array([scales.get(g, scales.get(g[0], (1.0, 1.0)))[1] for g in groups])
    bounds = np.array([UNIT_BOUNDS[s.unit] for s in series]).reshape(-1, 2)
    low, high = bounds[:, :1], bounds[:, 1:]
    half_80, half_95 = Z_80 * scale_80[:, None] * sd, Z_95 * scale_95[:, None] * sd
    return Batch(
        series,
        filtered,
        params.model_names(),
        np.array(estimated),
        np.clip(mean, low, high),
        np.clip(mean - half_80, low, high),
        np.clip(mean + half_80, low, high),
        np.clip(mean - half_95, low, high),
        np.clip(mean + half_95, low, high),
        mean,
        scale_80,
        scale_95,
        bounds,
        holdout,
        store.fitted - fitted_before,
    )

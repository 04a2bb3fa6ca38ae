"""The forecast of one series against answers known by construction or worked out a second way."""

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from assets.forecast.model import fit, forecast, is_seasonal, point_forecast


def test_a_constant_series_forecasts_the_constant_with_a_narrow_band():
    """Fails if a flat series drifts or gets a band wider than rounding."""
    result = forecast(np.full(30, 42.0), 12, repetitions=200)
    assert result.mean == pytest.approx(np.full(12, 42.0))
    assert np.all(result.upper_95 - result.lower_95 < 1e-6)
    assert result.paths == pytest.approx(np.full((12, 200), 42.0))


def test_a_straight_line_continues_its_line_damped():
    """Fails if the trend is lost or not damped as ETS(A,Ad,N) should: l + b(φ + φ² + … + φʰ)."""
    values = 50 + 2.0 * np.arange(36)          # last value 120, slope 2
    results = fit(values)
    phi = dict(zip(results.param_names, results.params, strict=True))["damping_trend"]
    level, slope = results.states.iloc[-1][["level", "trend"]]
    by_hand = np.array([level + slope * sum(phi**j for j in range(1, h + 1)) for h in range(1, 13)])
    result = forecast(values, 12, repetitions=0)
    assert result.mean == pytest.approx(by_hand, rel=1e-9)
    assert result.mean[0] == pytest.approx(122.0, abs=0.5)           # the next point of the line
    assert np.all(np.diff(result.mean) > 0)                          # still rising after a year ...
    assert result.mean[-1] < 120 + 2.0 * 12                          # ... but less than the line


def test_a_planted_upward_trend_with_noise_forecasts_upward():
    """Fails if a noisy rising series (0.5 a month, noise sd 1) is forecast flat or falling."""
    rng = np.random.default_rng(3)
    values = 60 + 0.5 * np.arange(36) + rng.normal(0, 1, 36)
    result = forecast(values, 12, repetitions=0)
    assert result.mean[-1] > result.mean[0] > values[-6:].mean()
    assert result.lower_80[-1] > 60 + 0.5 * 30                       # well above where it was 6 months ago


def test_intervals_nest_and_widen_with_the_horizon():
    rng = np.random.default_rng(4)
    result = forecast(70 + rng.normal(0, 1, 36), 12, repetitions=0)
    assert np.all(result.lower_95 <= result.lower_80) and np.all(result.lower_80 <= result.mean)
    assert np.all(result.mean <= result.upper_80) and np.all(result.upper_80 <= result.upper_95)
    width = result.upper_80 - result.lower_80
    assert np.all(np.diff(width) >= -1e-9)


def test_the_analytic_80_percent_interval_matches_the_simulated_futures():
    """A second method: the 10th and 90th percentiles of 20,000 simulated paths give the same band."""
    rng = np.random.default_rng(5)
    result = forecast(50 + rng.normal(0, 2, 36), 12, repetitions=20000)
    spread = result.upper_95[-1] - result.lower_95[-1]
    assert np.quantile(result.paths, 0.1, axis=1) == pytest.approx(result.lower_80, abs=0.03 * spread)
    assert np.quantile(result.paths, 0.9, axis=1) == pytest.approx(result.upper_80, abs=0.03 * spread)


def test_the_80_percent_band_is_the_normal_band_of_the_mean_and_variance():
    """A second method: mean ± z(0.9) × √(forecast variance) from the same fit."""
    rng = np.random.default_rng(6)
    values = 30 + rng.normal(0, 1.5, 36)
    results = fit(values)
    prediction = results.get_prediction(start=36, end=47)
    sd = np.sqrt(prediction.forecast_variance)
    result = forecast(values, 12, repetitions=0)
    assert result.lower_80 == pytest.approx(result.mean - norm.ppf(0.9) * sd, rel=1e-9)
    assert result.upper_95 == pytest.approx(result.mean + norm.ppf(0.975) * sd, rel=1e-9)


def test_holt_winters_fitted_another_way_forecasts_about_the_same():
    """A second call path: statsmodels' Holt-Winters least squares on the same damped-trend model."""
    rng = np.random.default_rng(7)
    values = 100 + 0.8 * np.arange(36) + rng.normal(0, 2, 36)
    other = ExponentialSmoothing(values, trend="add", damped_trend=True,
                                 initialization_method="heuristic").fit().forecast(12)
    ours = point_forecast(values, 12)
    assert ours == pytest.approx(other, rel=0.02)


def test_seasonality_is_used_only_when_the_series_shows_it():
    rng = np.random.default_rng(8)
    months = np.arange(36)
    seasonal = 200 + 30 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 3, 36)
    assert is_seasonal(seasonal)
    assert not is_seasonal(seasonal[:23])                             # under two years: never
    assert not is_seasonal(200 + rng.normal(0, 3, 36))
    result = forecast(seasonal, 12, repetitions=0)
    assert result.model == "ETS(A,N,A)"                              # seasonal, and no trend in it
    assert np.corrcoef(result.mean, seasonal[-12:])[0, 1] > 0.9      # next year follows this year's cycle


def test_the_same_inputs_give_the_same_numbers():
    rng = np.random.default_rng(9)
    values = 10 + rng.normal(0, 1, 30)
    first, second = forecast(values, 12), forecast(values.copy(), 12)
    assert np.array_equal(first.mean, second.mean) and np.array_equal(first.paths, second.paths)


def test_bounds_clip_a_rate_to_its_range():
    values = np.linspace(90, 99.5, 30)                                # a percentage heading past 100
    result = forecast(values, 12, repetitions=100, bounds=(0.0, 100.0))
    assert result.upper_95.max() <= 100 and result.paths.max() <= 100


def test_the_seasonality_test_fires_about_5_percent_of_the_time_on_noise_and_trends():
    """Fails if trends or noise pass for a yearly pattern much more often than the test's 5 %."""
    rng = np.random.default_rng(10)
    months = np.arange(36)
    noise = [is_seasonal(100 + rng.normal(0, 3, 36)) for _ in range(300)]
    trends = [is_seasonal(100 + 2 * months + rng.normal(0, 3, 36)) for _ in range(300)]
    assert 0.01 < np.mean(noise) < 0.10 and 0.01 < np.mean(trends) < 0.10

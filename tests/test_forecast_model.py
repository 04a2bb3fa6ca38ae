"""The ETS model run with numpy, against statsmodels' ETSModel with the same parameters and by hand."""

import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from assets.forecast import ets
from assets.forecast.engine import forecast_batch, futures, run_filter
from assets.forecast.estimation import fit, seasonal_rows
from assets.forecast.outlook import add_months
from assets.forecast.series import Series
from assets.forecast.store import ParameterStore

FORMS = [(False, False), (True, False), (False, True), (True, True)]


def _statsmodels(values, trend, seasonal):
    model = ETSModel(
        pd.Series(values),
        error="add",
        trend="add" if trend else None,
        damped_trend=trend,
        seasonal="add" if seasonal else None,
        seasonal_periods=12 if seasonal else None,
        initialization_method="heuristic",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model, model.fit(disp=False)


def _wandering(rng, months=36):
    return (
        100
        + rng.uniform(-1, 1) * np.arange(months)
        + rng.uniform(0, 12) * np.sin(np.arange(months) * 2 * np.pi / 12)
        + rng.normal(0, 3, months)
    )


@pytest.mark.parametrize(("trend", "seasonal"), FORMS)
def test_the_filter_forecast_and_variance_are_statsmodels_with_the_same_parameters(trend, seasonal):
    """Fails if the recursion, the heuristic start, the means or the variances drift from statsmodels'."""
    values = _wandering(np.random.default_rng(1), 30)
    model, results = _statsmodels(values, trend, seasonal)
    level, slope, season = ets.initial_states(values[None], trend, seasonal)
    assert level[0] == pytest.approx(model.initial_level, abs=1e-9)
    assert slope[0] == pytest.approx(model.initial_trend if trend else 0.0, abs=1e-9)
    if seasonal:
        assert season[0] == pytest.approx(model.initial_seasonal, abs=1e-9)
    one = lambda x: np.array([float(x)])  # noqa: E731
    params = ets.Parameters(
        one(trend).astype(bool),
        one(seasonal).astype(bool),
        one(results.alpha),
        one(results.beta if trend else 0),
        one(results.gamma if seasonal else 0),
        one(results.phi if trend else 1),
        level,
        slope,
        season,
    )
    errors, sse, final_level, final_slope, final_season = ets.smooth(
        values[None], params.alpha, params.beta, params.gamma, params.phi, level, slope, season
    )
    assert errors[0] == pytest.approx(np.asarray(results.resid), abs=1e-9)
    assert sse[0] == pytest.approx(results.sse, rel=1e-12)
    prediction = results.get_prediction(start=30, end=44)
    assert ets.predict(params, 30, final_level, final_slope, final_season, 15)[0] == pytest.approx(
        np.asarray(prediction.predicted_mean)
    )
    assert ets.relative_variance(params, 15)[0] * results.mse == pytest.approx(
        np.asarray(prediction.forecast_variance)
    )


@pytest.mark.parametrize(("trend", "seasonal"), FORMS)
def test_the_estimates_fit_as_well_as_statsmodels_maximum_likelihood(trend, seasonal):
    """A second method: statsmodels' L-BFGS on the same model. Fails if the search stops short.

    Both are local searches of a surface with several dips: ours must be as good (to 0.1 %) on most
    series and never more than 6 % worse.
    """
    rng = np.random.default_rng(2)
    values = np.array([_wandering(rng) for _ in range(12)])
    params, _ = ets.estimate(values, trend, seasonal)
    ours = ets.smooth(
        values,
        params.alpha,
        params.beta,
        params.gamma,
        params.phi,
        params.level,
        params.slope,
        params.season,
        errors=False,
    )[1]
    ratio = ours / np.array([_statsmodels(v, trend, seasonal)[1].sse for v in values])
    assert np.mean(ratio <= 1.001) >= 0.75 and ratio.max() < 1.06


def _series(values, first=date(2023, 4, 1), unit="count", measure="M1", service="S1"):
    months = len(values)
    return Series(
        service,
        measure,
        [add_months(first, k) for k in range(months)],
        np.asarray(values, float),
        [None] * months,
        np.ones(months),
        0,
        unit,
        "count",
        "higher_is_better",
        "month",
    )


def _forecast(values, horizon=12, first=date(2023, 4, 1)):
    """One series forecast as the mart would, without calibration (no held-out series)."""
    return forecast_batch([_series(values, first)], horizon, 12, 0, ParameterStore(), "test")


@pytest.mark.parametrize(("trend", "seasonal"), FORMS)
def test_the_grid_evaluated_in_parts_finds_what_one_pass_finds(trend, seasonal, monkeypatch):
    """The grid's filter runs are evaluated a bounded number at a time; parts of every size, one of them
    ragged, give the very parameters and AICc of one pass over every row at once."""
    rng = np.random.default_rng(5)
    values = np.array([_wandering(rng) for _ in range(23)])
    whole, whole_aicc = ets.estimate(values, trend, seasonal)
    grid_points = {(False, False): 6, (True, False): 72, (False, True): 24, (True, True): 288}
    for rows_at_once in (1, 4, 22, 23):
        monkeypatch.setattr(ets, "GRID_RUNS", rows_at_once * grid_points[(trend, seasonal)])
        parts, parts_aicc = ets.estimate(values, trend, seasonal)
        np.testing.assert_array_equal(parts_aicc, whole_aicc)
        for name in ("alpha", "beta", "gamma", "phi", "level", "slope", "season"):
            np.testing.assert_array_equal(getattr(parts, name), getattr(whole, name))


def test_a_constant_series_forecasts_the_constant_with_a_band_of_no_width():
    batch = _forecast(np.full(30, 42.0))
    assert batch.mean[0] == pytest.approx(np.full(12, 42.0))
    assert np.all(batch.upper_95 - batch.lower_95 < 1e-6)


def test_a_straight_line_continues_its_line_damped():
    """Fails if the trend is lost or not damped: l + b(φ + φ² + … + φʰ) from the final states."""
    values = 50 + 2.0 * np.arange(36)  # last value 120, slope 2
    params = fit([values])
    assert params.model_names() == ["ETS(A,Ad,N)"]
    filtered = run_filter([values], params)
    phi = params.phi[0]
    by_hand = [
        filtered.level[0] + filtered.slope[0] * sum(phi**j for j in range(1, h + 1)) for h in range(1, 13)
    ]
    batch = _forecast(values)
    assert batch.mean[0] == pytest.approx(by_hand, rel=1e-12)
    assert batch.mean[0, 0] == pytest.approx(122.0, abs=0.5)  # the next point of the line
    assert np.all(np.diff(batch.mean[0]) > 0) and batch.mean[0, -1] < 120 + 2.0 * 12


def test_a_planted_upward_trend_with_noise_forecasts_upward():
    rng = np.random.default_rng(3)
    batch = _forecast(60 + 0.5 * np.arange(36) + rng.normal(0, 1, 36))
    assert batch.mean[0, -1] > batch.mean[0, 0] > 60 + 0.5 * 30
    assert batch.lower_80[0, -1] > 60 + 0.5 * 30


def test_intervals_nest_and_widen_with_the_horizon():
    batch = _forecast(70 + np.random.default_rng(4).normal(0, 1, 36))
    assert np.all(batch.lower_95 <= batch.lower_80) and np.all(batch.lower_80 <= batch.mean)
    assert np.all(batch.mean <= batch.upper_80) and np.all(batch.upper_80 <= batch.upper_95)
    assert np.all(np.diff(batch.upper_80 - batch.lower_80) >= -1e-9)


def test_the_80_percent_band_is_mean_plus_or_minus_z_sd_and_the_futures_agree():
    """Two second methods: 1.2816 statsmodels forecast sds around the mean (same parameters; its σ² is
    the sum of squares ÷ 36, ours ÷ (36 - the 2, 5 or 14 numbers estimated)), and the 10th-90th
    percentiles of 20,000 simulated futures."""
    values = 30 + np.random.default_rng(6).normal(0, 1.5, 36)
    params = fit([values])
    batch = _forecast(values)
    model, _ = _statsmodels(values, bool(params.trend[0]), bool(params.seasonal[0]))
    names = {
        "smoothing_level": params.alpha[0],
        "smoothing_trend": params.beta[0],
        "damping_trend": params.phi[0],
        "smoothing_seasonal": params.gamma[0],
    }
    results = model.smooth(np.array([names[n] for n in model.param_names]))
    taken = 2 + 3 * params.trend[0] + 12 * params.seasonal[0]
    sd = np.sqrt(np.asarray(results.get_prediction(start=36, end=47).forecast_variance) * 36 / (36 - taken))
    assert batch.lower_80[0] == pytest.approx(batch.mean[0] - norm.ppf(0.9) * sd, rel=1e-6)
    assert batch.upper_95[0] == pytest.approx(batch.mean[0] + norm.ppf(0.975) * sd, rel=1e-6)
    paths = futures(
        batch.filtered,
        np.array([0]),
        batch.unclipped_mean,
        np.ones(1),
        12,
        20000,
        np.array([[-np.inf, np.inf]]),
    )[0]
    spread = batch.upper_95[0, -1] - batch.lower_95[0, -1]
    assert np.quantile(paths, 0.1, axis=1) == pytest.approx(batch.lower_80[0], abs=0.03 * spread)
    assert np.quantile(paths, 0.9, axis=1) == pytest.approx(batch.upper_80[0], abs=0.03 * spread)


def test_seasonality_is_used_only_when_the_series_shows_it():
    rng = np.random.default_rng(8)
    months = np.arange(36)
    seasonal = 200 + 30 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 3, 36)
    assert seasonal_rows(seasonal[None])[0] and not seasonal_rows(seasonal[None, :23])[0]
    assert not seasonal_rows((200 + rng.normal(0, 3, 36))[None])[0]
    assert fit([seasonal]).model_names() == ["ETS(A,N,A)"]
    batch = _forecast(seasonal)
    assert np.corrcoef(batch.mean[0], seasonal[-12:])[0, 1] > 0.9


def test_the_seasonality_test_fires_about_5_percent_of_the_time_on_noise_and_trends():
    rng = np.random.default_rng(10)
    months = np.arange(36)
    noise = seasonal_rows(100 + rng.normal(0, 3, (300, 36)))
    trends = seasonal_rows(100 + 2 * months + rng.normal(0, 3, (300, 36)))
    assert 0.01 < noise.mean() < 0.10 and 0.01 < trends.mean() < 0.10


def test_bounds_clip_a_rate_to_its_range():
    series = _series(np.linspace(90, 99.5, 30), unit="percent")
    batch = forecast_batch([series], 12, 12, 0, ParameterStore(), "test")
    assert batch.upper_95.max() <= 100
    paths = futures(batch.filtered, np.array([0]), batch.unclipped_mean, np.ones(1), 12, 100, batch.bounds)
    assert paths.max() <= 100

"""The backtest's errors and coverage, the holdout's verdict on naive forecasts, and the mart's rows."""

from datetime import date

import numpy as np
import polars as pl
import pytest

from assets.forecast.backtest import naive, origin_errors, seasonal_naive, summary
from assets.forecast.holdout import beats_naive, holdout_errors, holdout_sample
from assets.forecast.mart import forecast_rows
from assets.forecast.outlook import add_months
from assets.forecast.series import ForecastSettings, series_from_frame


def test_naive_forecasts_by_hand():
    train = np.arange(1.0, 15.0)                                      # 1 … 14
    assert naive(train, 3).tolist() == [14.0, 14.0, 14.0]
    assert seasonal_naive(train, 3).tolist() == [3.0, 4.0, 5.0]       # the same months a year before
    assert seasonal_naive(train[:5], 2).tolist() == [5.0, 5.0]        # under a year: naive


def test_summary_by_hand():
    errors = pl.DataFrame({"method": ["ets", "ets", "naive", "naive"], "months_ahead": [1, 2, 1, 2],
                           "error": [1.0, -3.0, 2.0, 2.0], "in_80": [True, False, None, None],
                           "in_95": [True, True, None, None], "scale": [2.0, 2.0, 2.0, 2.0]})
    table = {r["method"]: r for r in summary(errors).iter_rows(named=True)}
    assert table["ets"]["mae"] == 2.0 and table["ets"]["mase"] == 1.0
    assert table["ets"]["coverage_80"] == 0.5 and table["ets"]["coverage_95"] == 1.0
    assert table["naive"]["mae"] == 2.0 and table["naive"]["coverage_80"] is None


def test_origin_errors_are_actual_minus_forecast():
    values = np.concatenate([np.full(24, 10.0), np.full(3, 13.0)])
    errors = origin_errors(values, 24, 12)
    assert errors.height == 9                                         # 3 months held out, 3 methods
    assert errors.filter(pl.col("method") == "naive")["error"].to_list() == [3.0, 3.0, 3.0]
    assert errors["scale"].unique().to_list() == [0.0]                # a flat training series


def test_holdout_errors_by_hand_on_a_step():
    """24 months at 10, then 12 at 20: every forecast from the first 24 months misses by 10."""
    values = np.concatenate([np.full(24, 10.0), np.full(12, 20.0)])
    mae, naive_mae = holdout_errors(values, (0.0, np.inf))
    assert mae == pytest.approx(10.0) and naive_mae == pytest.approx(10.0)
    assert holdout_errors(values[:23], (0.0, np.inf)) == (None, None)  # under 12 months to fit


def test_beats_naive_is_the_geometric_mean_ratio():
    per_series = pl.DataFrame({
        "measure_code": ["A", "A", "B", "B", "C", "D"],
        "holdout_mae": [1.0, 4.0, 1.0, 4.0, 0.0, None],
        "holdout_naive_mae": [2.0, 3.0, 2.0, 1.0, 1.0, None],
    })
    found = dict(beats_naive(per_series).iter_rows())
    # A: √(0.5 × 4/3) = 0.816 < 1; B: √(0.5 × 4) = 1.41; C: a zero MAE says nothing; D: not held out
    assert found == {"A": True, "B": False, "C": None, "D": None}


def test_the_holdout_sample_is_fixed_by_the_keys():
    keys = [(f"S{i:03d}", m) for i in range(100) for m in ("X", "Y")]
    sample = holdout_sample(keys, 10)
    assert len(sample) == 20 and sum(k[1] == "X" for k in sample) == 10
    assert holdout_sample(list(reversed(keys)), 10) == sample
    assert holdout_sample(keys[:6], 10) == set(keys[:6])


def _frame(series: dict[tuple[str, str], np.ndarray], first=date(2023, 4, 1)) -> pl.DataFrame:
    rows = []
    for (service, measure), values in series.items():
        for k, value in enumerate(values):
            rows.append((service, measure, add_months(first, k), None if np.isnan(value) else float(value),
                         75.0, 100, "month", "percent", "rate", "higher_is_better"))
    return pl.DataFrame(rows, orient="row", schema={
        "service_code": pl.String, "measure_code": pl.String, "period": pl.Date, "actual": pl.Float64,
        "target": pl.Float64, "denominator": pl.Int64, "judged_on": pl.String, "unit": pl.String,
        "value_type": pl.String, "direction": pl.String})


def test_a_gap_is_filled_on_a_straight_line_and_counted():
    values = np.array([70.0, np.nan, 74.0] + [75.0] * 10)
    (series,) = series_from_frame(_frame({("S1", "M1"): values}))
    assert series.values[1] == 72.0 and series.interpolated == 1


@pytest.fixture(scope="module")
def three_series():
    rng = np.random.default_rng(12)
    return _frame({("S1", "M1"): 80 + rng.normal(0, 1, 36), ("S2", "M1"): 70 + rng.normal(0, 1, 36),
                   ("S3", "M1"): 60 + rng.normal(0, 1, 8)})            # too short: no rows


def test_mart_rows_cover_each_series_to_the_year_end(three_series):
    rows, fitted = forecast_rows(three_series, ForecastSettings(), "v1")
    assert fitted == 2 and rows["service_code"].unique().sort().to_list() == ["S1", "S2"]
    assert rows.group_by("service_code", "measure_code", "period").len()["len"].max() == 1
    first = rows.filter(pl.col("service_code") == "S1")
    assert first["period"].to_list() == [add_months(date(2026, 4, 1), k) for k in range(12)]
    assert first["year_end_period"].unique().to_list() == [date(2027, 3, 1)]
    outlook = first.row(0, named=True)
    assert outlook["verdict"] == "on course" and outlook["probability_meeting_target"] > 0.99  # 80 vs 75
    assert rows.filter(pl.col("service_code") == "S2")["verdict"][0] == "off course"            # 70 vs 75
    assert rows["holdout_mae"].null_count() == 0 and rows["beats_naive"].n_unique() == 1


def test_unchanged_series_keep_their_rows_and_a_changed_one_is_fitted_again(three_series):
    rows, _ = forecast_rows(three_series, ForecastSettings(), "v1")
    again, fitted = forecast_rows(three_series, ForecastSettings(), "v1", rows)
    assert fitted == 0 and again.equals(rows)
    changed = three_series.with_columns(actual=pl.when(pl.col("service_code") == "S2")
                                        .then(pl.col("actual") + 1).otherwise("actual"))
    after, fitted = forecast_rows(changed, ForecastSettings(), "v1", rows)
    assert fitted == 1
    assert after.filter(pl.col("service_code") == "S1").equals(rows.filter(pl.col("service_code") == "S1"))
    _, fitted = forecast_rows(three_series, ForecastSettings(), "v2", rows)   # new code: every series
    assert fitted == 2


def test_two_worker_processes_give_the_numbers_of_one(three_series, monkeypatch):
    """Fails if the spawned workers fit differently (threads, seeds) from this process."""
    import assets.forecast.fitting as fitting

    serial, _ = forecast_rows(three_series, ForecastSettings(), "v1")
    monkeypatch.setattr(fitting, "POOL_MIN_SERIES", 0)
    pooled, fitted = forecast_rows(three_series, ForecastSettings(), "v1", workers=2)
    assert fitted == 2 and pooled.equals(serial)

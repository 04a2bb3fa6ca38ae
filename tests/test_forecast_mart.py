"""The backtest, the holdout's verdict on naive forecasts, the calibration, the schedule, the mart's rows."""

from datetime import date

import numpy as np
import polars as pl
import pytest

from assets.forecast.backtest import rolling_origin, summary
from assets.forecast.calibration import Z_80, Z_95, conformal_quantile, group_scales, interval_scales
from assets.forecast.engine import forecast_batch
from assets.forecast.holdout import beats_naive, holdout_sample
from assets.forecast.mart import forecast_rows
from assets.forecast.naive import naive, seasonal_naive
from assets.forecast.outlook import add_months
from assets.forecast.schedule import calibration_origins, estimation_months
from assets.forecast.series import ForecastSettings, series_from_frame
from assets.forecast.store import ParameterStore


def test_naive_forecasts_by_hand():
    train = np.arange(1.0, 15.0)  # 1 … 14
    assert naive(train, 3).tolist() == [14.0, 14.0, 14.0]
    assert seasonal_naive(train, 3).tolist() == [3.0, 4.0, 5.0]  # the same months a year before
    assert seasonal_naive(train[:5], 2).tolist() == [5.0, 5.0]  # under a year: naive


def test_summary_by_hand():
    errors = pl.DataFrame(
        {
            "method": ["ets", "ets", "naive", "naive"],
            "months_ahead": [1, 2, 1, 2],
            "error": [1.0, -3.0, 2.0, 2.0],
            "in_80": [True, False, None, None],
            "in_95": [True, True, None, None],
            "scale": [2.0, 2.0, 2.0, 2.0],
        }
    )
    table = {r["method"]: r for r in summary(errors).iter_rows(named=True)}
    assert table["ets"]["mae"] == 2.0 and table["ets"]["mase"] == 1.0
    assert table["ets"]["coverage_80"] == 0.5 and table["ets"]["coverage_95"] == 1.0
    assert table["naive"]["mae"] == 2.0 and table["naive"]["coverage_80"] is None


def test_the_backtest_scores_the_months_after_each_origin(three_series):
    series = [s for s in series_from_frame(three_series) if len(s.values) == 36]
    errors = rolling_origin(series, "v1", min_train=33)
    assert errors["origin"].unique().sort().to_list() == [33, 34, 35]
    naive_errors = errors.filter(
        (pl.col("method") == "naive") & (pl.col("origin") == 34) & (pl.col("series") == "S1|M1")
    )["error"].to_list()
    values = series[0].values
    assert naive_errors == pytest.approx([values[34] - values[33], values[35] - values[33]])


def test_the_holdout_by_hand_on_a_step():
    """24 months at 10, then 12 at 20 (to March 2026): every forecast from the first 24 misses by 10."""
    (series,) = series_from_frame(
        _frame({("S1", "M1"): np.concatenate([np.full(24, 10.0), np.full(12, 20.0)])})
    )
    batch = forecast_batch([series], 12, 12, 30, ParameterStore(), "v1")
    assert batch.holdout[("S1", "M1")] == pytest.approx((10.0, 10.0))
    shorter = forecast_batch(
        series_from_frame(_frame({("S1", "M1"): np.full(23, 10.0)})), 12, 12, 30, ParameterStore(), "v1"
    )
    assert shorter.holdout == {}  # under 12 months before the 12


def test_the_conformal_quantile_and_the_interval_scales_by_hand():
    scores = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5])  # n = 9
    assert conformal_quantile(scores, 0.8) == 4.0  # the ⌈10 × 0.8⌉ = 8th smallest
    assert conformal_quantile(scores, 0.95) == 4.5  # ⌈9.5⌉ = 10 > 9: the largest
    assert interval_scales(-scores) == pytest.approx((4.0 / Z_80, 4.5 / Z_95))
    assert interval_scales(np.array([])) == (1.0, 1.0)


def test_the_estimation_months_end_at_the_latest_quarter():
    def periods(first, months):
        return [add_months(first, k) for k in range(months)]

    assert estimation_months(periods(date(2023, 4, 1), 36), 12) == 36  # to March 2026
    assert estimation_months(periods(date(2023, 4, 1), 37), 12) == 36  # April: still March
    assert estimation_months(periods(date(2023, 4, 1), 38), 12) == 36
    assert estimation_months(periods(date(2023, 4, 1), 39), 12) == 39  # June ends a quarter
    assert estimation_months(periods(date(2025, 5, 1), 12), 12) == 12  # no quarter leaves 12
    assert calibration_origins(36, 12) == [24, 27, 30, 33]
    assert calibration_origins(20, 12) == [14, 17]


def test_beats_naive_is_the_geometric_mean_ratio():
    per_series = pl.DataFrame(
        {
            "measure_code": ["A", "A", "B", "B", "C", "D"],
            "holdout_mae": [1.0, 4.0, 1.0, 4.0, 0.0, None],
            "holdout_naive_mae": [2.0, 3.0, 2.0, 1.0, 1.0, None],
        }
    )
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
            rows.append(
                (
                    service,
                    measure,
                    add_months(first, k),
                    None if np.isnan(value) else float(value),
                    75.0,
                    100,
                    "month",
                    "percent",
                    "rate",
                    "higher_is_better",
                )
            )
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "service_code": pl.String,
            "measure_code": pl.String,
            "period": pl.Date,
            "actual": pl.Float64,
            "target": pl.Float64,
            "denominator": pl.Int64,
            "judged_on": pl.String,
            "unit": pl.String,
            "value_type": pl.String,
            "direction": pl.String,
        },
    )


def test_a_gap_is_filled_on_a_straight_line_and_counted():
    values = np.array([70.0, np.nan, 74.0] + [75.0] * 10)
    (series,) = series_from_frame(_frame({("S1", "M1"): values}))
    assert series.values[1] == 72.0 and series.interpolated == 1


@pytest.fixture(scope="module")
def three_series():
    rng = np.random.default_rng(12)
    return _frame(
        {
            ("S1", "M1"): 80 + rng.normal(0, 1, 36),
            ("S2", "M1"): 70 + rng.normal(0, 1, 36),
            ("S3", "M1"): 60 + rng.normal(0, 1, 8),
        }
    )  # too short: no rows


def test_mart_rows_cover_each_series_to_the_year_end(three_series):
    rows, fitted = forecast_rows(three_series, ForecastSettings(), "v1")
    assert rows["service_code"].unique().sort().to_list() == ["S1", "S2"]
    assert rows.group_by("service_code", "measure_code", "period").len()["len"].max() == 1
    first = rows.filter(pl.col("service_code") == "S1")
    assert first["period"].to_list() == [add_months(date(2026, 4, 1), k) for k in range(12)]
    assert first["year_end_period"].unique().to_list() == [date(2027, 3, 1)]
    outlook = first.row(0, named=True)
    assert outlook["verdict"] == "on course" and outlook["probability_meeting_target"] > 0.99  # 80 vs 75
    assert rows.filter(pl.col("service_code") == "S2")["verdict"][0] == "off course"  # 70 vs 75
    assert rows["holdout_mae"].null_count() == 0 and rows["beats_naive"].n_unique() == 1
    assert fitted == 2 + 2 * 4  # and the 4 calibration origins of each


def test_a_new_month_estimates_nothing_and_equals_a_build_from_scratch(three_series):
    """Fails if the forecasts stop being incremental, or a nightly build differs from a full one."""
    store = ParameterStore()
    forecast_rows(three_series, ForecastSettings(), "v1", store)
    april = pl.concat(
        [
            three_series,
            three_series.filter(pl.col("period") == date(2026, 3, 1)).with_columns(
                period=pl.lit(date(2026, 4, 1)), actual=pl.col("actual") + 0.5
            ),
        ]
    )
    nightly, estimated = forecast_rows(april, ForecastSettings(), "v1", ParameterStore(store.frame()))
    assert estimated == 0  # the latest quarter still ends in March
    scratch, estimated = forecast_rows(april, ForecastSettings(), "v1")
    assert estimated == 2 + 2 * 4  # two series and, as both are sampled, 4 calibration origins
    assert nightly.equals(scratch)
    assert nightly["estimated_to"].unique().to_list() == [date(2026, 3, 1)]
    assert nightly["last_actual_period"].unique().to_list() == [date(2026, 4, 1)]


def test_a_quarter_end_or_a_resubmission_estimates_again(three_series):
    store = ParameterStore()
    forecast_rows(three_series, ForecastSettings(), "v1", store)
    kept = store.frame()
    changed = three_series.with_columns(
        actual=pl.when(pl.col("service_code") == "S2").then(pl.col("actual") + 1).otherwise("actual")
    )
    _, estimated = forecast_rows(changed, ForecastSettings(), "v1", ParameterStore(kept))
    assert estimated == 1 + 4  # S2 and its calibration origins
    _, estimated = forecast_rows(three_series, ForecastSettings(), "v2", ParameterStore(kept))
    assert estimated == 2 + 2 * 4  # new code: everything


def test_the_intervals_are_the_models_scaled_by_the_measures_factors(three_series):
    rows, _ = forecast_rows(three_series, ForecastSettings(), "v1")
    one = rows.filter(pl.col("months_ahead") == 1)
    assert one["interval_scale_80"].n_unique() == 1 and one["interval_scale_80"][0] != 1.0
    plain, _ = forecast_rows(three_series, ForecastSettings(holdout_series=0), "v1")
    assert plain["interval_scale_80"].unique().to_list() == [1.0]
    ratio = ((rows["upper_80"] - rows["forecast"]) / (plain["upper_80"] - plain["forecast"])).to_numpy()
    assert ratio == pytest.approx(np.full(len(ratio), one["interval_scale_80"][0]))


def test_seasonal_and_other_models_get_factors_of_their_own_when_each_has_enough_scores():
    """Mondrian conformal prediction: 40 scores of 1 for the measure's other models, 10 of 3 for its
    seasonal ones: the others get 1 ÷ 1.2816; the seasonal ones, too few, the measure's 50 together,
    whose ⌈51 × 0.8⌉ = 41st smallest is 3."""
    scales = group_scales({("M", False): [np.ones(40)], ("M", True): [np.full(10, 3.0)]})
    assert scales[("M", False)][0] == pytest.approx(1 / Z_80)
    assert ("M", True) not in scales and scales["M"][0] == pytest.approx(3 / Z_80)

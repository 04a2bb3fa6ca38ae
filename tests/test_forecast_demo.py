"""marts.fct_measure_forecast on the small demo: present, at its grain, and the planted step recovered."""

from datetime import date

import duckdb
import pytest

from assets.query import one_row


@pytest.fixture(scope="module")
def forecast_mart(demo_run):
    settings, report, truth = demo_run
    assert report.success
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute("select * from marts.fct_measure_forecast").pl()
        (series,) = one_row(
            con.execute(
                "select count(distinct (service_code, measure_code)) "
                "from marts.fct_measure_period where actual is not null"
            )
        )
    return rows, series, truth


def test_every_series_is_forecast_a_year_ahead_once_per_month(forecast_mart):
    rows, series, _ = forecast_mart
    per_series = rows.group_by("service_code", "measure_code").len()
    assert per_series.height == series  # every demo series has 36 months
    assert per_series["len"].unique().to_list() == [12]  # April 2026 to March 2027
    assert rows.select("service_code", "measure_code", "period").is_duplicated().sum() == 0
    assert rows["year_end_period"].unique().to_list() == [date(2027, 3, 1)]
    assert set(rows["verdict"].unique()) <= {"on course", "at risk", "off course", "no target"}
    assert (rows["lower_95"] <= rows["lower_80"]).all() and (rows["lower_80"] <= rows["forecast"]).all()
    assert (rows["forecast"] <= rows["upper_80"]).all() and (rows["upper_80"] <= rows["upper_95"]).all()
    assert rows["beats_naive"].null_count() == 0  # every measure held out


def test_the_planted_step_is_recovered(forecast_mart):
    """EAS-EH's EH_ASSESS_15D steps up by 12 points from October 2024 (demo_truth.json).

    Fails if the forecast sits at the old level or at the mean of the two levels.
    """
    rows, _, truth = forecast_mart
    step = truth["truths"]["step_change"]
    after = step["level_before"] + step["delta"]
    found = rows.filter(
        (rows["service_code"] == step["service_code"]) & (rows["measure_code"] == step["measure_code"])
    )
    assert found.height == 12
    assert found["forecast"].to_numpy() == pytest.approx(after, abs=3.0)
    assert found["lower_80"][0] > step["level_before"] + step["delta"] / 2  # next month: the new level

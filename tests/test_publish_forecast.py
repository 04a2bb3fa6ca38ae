"""The RBA forecast on the SPC charts: its rows in each chart's data against marts.fct_measure_forecast, its
layers in the chart templates, and what the chart's text description says of it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb
import pytest

from assets.publish import chart_names, charts
from assets.publish.service_charts import chance, forecast_words
from assets.publish.spc_series import Forecast, load_spc_series

BOUNDS = ("forecast", "lower_80", "upper_80", "lower_95", "upper_95")


@pytest.fixture(scope="module")
def warehouse(demo_run):
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        yield con


def test_each_series_carries_its_forecast_rows_as_the_mart_holds_them(warehouse):
    series = load_spc_series(warehouse)
    expected: dict[tuple[str, str], list[dict]] = {}
    for service, measure, period, ahead, *bounds in warehouse.execute(f"""
            select service_code, measure_code, period, months_ahead, {", ".join(BOUNDS)}
            from marts.fct_measure_forecast order by all""").fetchall():
        expected.setdefault((service, measure), []).append(
            {"period": period.isoformat(), "month": period.strftime("%b %Y"), "months_ahead": ahead}
            | {name: round(value, 4) for name, value in zip(BOUNDS, bounds, strict=True)}
        )
    assert expected, "the demo forecasts its series"
    latest = {
        (s, m): (p, v)
        for s, m, p, v in warehouse.execute("""
        select service_code, measure_code, max(period), arg_max(actual, period)
        from marts.fct_measure_period where actual is not null group by all""").fetchall()
    }
    for key, found in series.items():
        rows = json.loads(found.rows_json)
        ahead = [r for r in rows if r.get("months_ahead", 0) >= 1]
        assert ahead == expected.get(key, []), key
        if key not in expected:
            assert found.forecast is None and not any("months_ahead" in r for r in rows), key
            continue
        # the line and bands start at the latest actual
        (start,) = [r for r in rows if r.get("months_ahead") == 0]
        period, value = latest[key]
        assert start == {
            "period": period.isoformat(),
            "month": period.strftime("%b %Y"),
            "months_ahead": 0,
        } | dict.fromkeys(BOUNDS, round(value, 4)), key
        # no forecast row holds a value the SPC layers would draw
        assert not any("value" in r for r in ahead + [start])
    assert set(expected) <= set(series)


def test_each_forecast_s_outlook_is_its_first_month_s_row(warehouse):
    series = load_spc_series(warehouse)
    rows = warehouse.execute("""
        select service_code, measure_code, period, forecast, lower_80, upper_80, last_actual_period,
               year_end_period, judged_on, year_end_forecast, year_end_target, probability_meeting_target,
               verdict, beats_naive,
               max(period) over (partition by service_code, measure_code)
        from marts.fct_measure_forecast qualify months_ahead = 1""").fetchall()
    assert len(rows) == sum(1 for s in series.values() if s.forecast)
    for service, measure, *facts, last in rows:
        period, forecast, lower, upper, *outlook = facts
        assert series[(service, measure)].forecast == Forecast(period, forecast, lower, upper, last, *outlook)


def test_forecast_templates_draw_the_bands_and_a_dashed_line_after_the_spc_layers():
    specs = charts.build_specs()
    plain = specs[chart_names.spc_name(True, True, False)]
    forecast = specs[chart_names.spc_name(True, True, False, True)]
    assert forecast["layer"][: len(plain["layer"])] == plain["layer"]
    added = forecast["layer"][len(plain["layer"]) :]
    assert [layer.get("name") for layer in added] == [
        "forecast_band_95",
        "forecast_band_80",
        "forecast_line",
        None,
    ]
    bands = {
        layer["name"]: (
            layer["encoding"]["y"]["field"],
            layer["encoding"]["y2"]["field"],
            layer["mark"]["opacity"],
        )
        for layer in added[:2]
    }
    assert bands == {
        "forecast_band_95": ("lower_95", "upper_95", 0.12),
        "forecast_band_80": ("lower_80", "upper_80", 0.28),
    }
    assert added[2]["mark"]["strokeDash"] == charts.FORECAST_DASH
    # only forecast rows (those with months_ahead) reach the forecast layers
    assert all(layer["transform"][0] == {"filter": "isValid(datum.months_ahead)"} for layer in added)


def _forecast(**changes) -> Forecast:
    facts: dict[str, Any] = {
        "next_period": date(2026, 4, 1),
        "next_forecast": 84.67,
        "next_lower_80": 82.2,
        "next_upper_80": 87.12,
        "last_period": date(2027, 3, 1),
        "last_actual_period": date(2026, 3, 1),
        "year_end_period": date(2027, 3, 1),
        "judged_on": "month",
        "year_end_forecast": 84.75,
        "year_end_target": 83.0,
        "probability_meeting_target": 0.62,
        "verdict": "at risk",
        "beats_naive": True,
    }
    return Forecast(**(facts | changes))


def test_the_description_says_the_forecast_verdict_and_chance_in_words():
    assert forecast_words(_forecast(), "percent") == (
        "The dashed line is the forecast from Apr 2026 to Mar 2027, its 80 % prediction interval shaded "
        "and its 95 % interval lighter: 84.7% in Apr 2026 (80 % interval 82.2% to 87.1%). "
        "Year-end outlook for March 2027, judged on the month: at risk; the chance of meeting the target "
        "of 83.0% is 62 % (forecast 84.8%). "
        "Tested on past months, forecasts of this measure did better than the latest figure repeated."
    )


def test_a_forecast_no_better_than_the_latest_figure_says_so():
    words = forecast_words(
        _forecast(
            beats_naive=False,
            verdict="on course",
            probability_meeting_target=0.9,
            judged_on="year_to_date",
            year_end_target=2760,
            year_end_forecast=2900,
        ),
        "count",
    )
    assert (
        "judged on the year to date: on course; the chance of meeting the target of 2,760 is 90 % "
        "(forecast 2,900)." in words
    )
    assert words.endswith(
        "Tested on past months, forecasts of this measure did no better than the latest "
        "figure repeated: trust this one no more than the latest figure."
    )
    untested = forecast_words(_forecast(beats_naive=None), "percent")
    assert untested.endswith("Forecasts of this measure could not yet be tested against past months.")


def test_without_a_target_the_outlook_says_so():
    words = forecast_words(
        _forecast(year_end_target=None, probability_meeting_target=None, verdict="no target"), "rate_per_1000"
    )
    assert (
        "Year-end outlook for March 2027, judged on the month: no target, forecast 84.8 per 1,000." in words
    )
    assert "chance" not in words


@pytest.mark.parametrize(
    ("probability", "words"),
    [
        (0.0, "under 1 %"),
        (0.004, "under 1 %"),
        (0.005, "under 1 %"),
        (0.0051, "1 %"),
        (0.62, "62 %"),
        (0.994, "99 %"),
        (0.996, "over 99 %"),
        (1.0, "over 99 %"),
    ],
)
def test_a_chance_is_a_whole_percentage_never_a_certainty(probability, words):
    assert chance(probability) == words

"""The year-end outlook: windows, judged figures, the probability of meeting the target and the verdict."""

from datetime import date

import numpy as np
import pytest
from scipy.stats import norm

from assets.forecast.engine import forecast_batch, futures
from assets.forecast.outlook import (
    VerdictThresholds,
    judged_figure,
    judged_window,
    meets,
    verdict,
    year_end,
    year_end_outlook,
)
from assets.forecast.series import Series
from assets.forecast.store import ParameterStore


@pytest.mark.parametrize(
    ("latest", "end"),
    [
        (date(2026, 3, 1), date(2027, 3, 1)),  # the year's last month: the next year end
        (date(2025, 12, 1), date(2026, 3, 1)),
        (date(2025, 4, 1), date(2026, 3, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
    ],
)
def test_the_year_end_is_the_next_march(latest, end):
    assert year_end(latest) == end


def test_judged_windows():
    end = date(2027, 3, 1)
    assert judged_window("month", end) == [end]
    ytd = judged_window("year_to_date", end)
    assert ytd[0] == date(2026, 4, 1) and ytd[-1] == end and len(ytd) == 12
    assert judged_window("year_to_date", date(2026, 6, 1)) == [
        date(2026, 4, 1),
        date(2026, 5, 1),
        date(2026, 6, 1),
    ]
    rolling = judged_window("rolling_12_months", date(2026, 6, 1))
    assert rolling[0] == date(2025, 7, 1) and rolling[-1] == date(2026, 6, 1) and len(rolling) == 12


def test_judged_figures_by_hand():
    # counts add up: 10 + 20 + 30
    assert judged_figure(np.array([10.0, 20.0, 30.0]), np.ones(3), "count") == 60
    # rates add numerators and denominators: (50 % of 100 + 80 % of 300) / 400 = 72.5 %
    assert judged_figure(np.array([50.0, 80.0]), np.array([100.0, 300.0]), "rate") == pytest.approx(72.5)
    # per simulated path (columns)
    paths = np.array([[50.0, 60.0], [80.0, 90.0]])
    assert judged_figure(paths, np.array([100.0, 300.0]), "rate") == pytest.approx([72.5, 82.5])


def test_meeting_respects_the_direction():
    assert meets(95.0, 95.0, "higher_is_better") and not meets(94.9, 95.0, "higher_is_better")
    assert meets(12.0, 12.0, "lower_is_better") and not meets(12.1, 12.0, "lower_is_better")


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        (1.0, "on course"),
        (0.75, "on course"),
        (0.7499, "at risk"),
        (0.5, "at risk"),
        (0.25, "at risk"),
        (0.2499, "off course"),
        (0.0, "off course"),
        (None, "no target"),
    ],
)
def test_verdict_thresholds(probability, expected):
    assert verdict(probability, VerdictThresholds()) == expected


def _series(
    values,
    targets,
    judged_on="month",
    value_type="rate",
    direction="higher_is_better",
    denominators=None,
    first=date(2023, 4, 1),
):
    periods = [
        date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)
        for k in range(len(values))
    ]
    return Series(
        "S1",
        "M1",
        periods,
        np.asarray(values, dtype=float),
        targets,
        np.asarray(denominators if denominators is not None else np.ones(len(values)), float),
        0,
        "percent" if value_type == "rate" else "count",
        value_type,
        direction,
        judged_on,
    )


def test_probability_of_a_count_judged_year_to_date_by_hand():
    """Known April-December actuals plus three simulated months against the year's summed targets.

    Actuals 100 a month for 9 months (900), targets 100 a month (year: 1,200). Paths for January-March
    add 250, 300 and 350 in three paths: 1,150, 1,200, 1,250 → 2 of 3 meet 1,200.
    """
    series = _series([100.0] * 9, [100.0] * 9, "year_to_date", "count", first=date(2025, 4, 1))
    paths = np.array([[80.0, 100.0, 120.0], [80.0, 100.0, 110.0], [90.0, 100.0, 120.0]])
    figure, target, carried, probability = year_end_outlook(series, paths, date(2026, 3, 1))
    assert target == 1200 and carried
    assert probability == pytest.approx(2 / 3)
    assert figure == 1200


def test_probability_lower_is_better_counts_paths_at_or_below():
    series = _series([10.0] * 12, [9.0] * 12, direction="lower_is_better", first=date(2025, 1, 1))
    paths = np.array([[8.0, 9.0, 9.5, 12.0]] * 3)  # December 2025 → March 2026
    _, target, _, probability = year_end_outlook(series, paths, date(2026, 3, 1))
    assert target == 9.0 and probability == 0.5


def test_no_target_gives_no_probability():
    series = _series([10.0] * 12, [None] * 12, first=date(2025, 1, 1))
    _, target, _, probability = year_end_outlook(series, np.ones((3, 5)), date(2026, 3, 1))
    assert target is None and probability is None


def test_the_simulated_probability_matches_the_normal_distribution_of_the_forecast():
    """A second method: for a month-judged measure, P = 1 - Φ((target - mean) ÷ sd) from the intervals."""
    values = 70 + np.random.default_rng(11).normal(0, 2, 36)
    series = _series(values, [71.0] * 36, first=date(2023, 4, 1))  # last month March 2026
    batch = forecast_batch([series], 12, 12, 0, ParameterStore(), "test")
    paths = futures(batch.filtered, np.array([0]), batch.unclipped_mean, np.ones(1), 12, 20000, batch.bounds)
    _, _, _, probability = year_end_outlook(series, paths[0], date(2027, 3, 1))
    mean, sd = batch.mean[0, -1], (batch.upper_80[0, -1] - batch.mean[0, -1]) / norm.ppf(0.9)
    assert probability == pytest.approx(1 - norm.cdf((71.0 - mean) / sd), abs=0.015)

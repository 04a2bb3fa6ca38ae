"""Reading the rules: point types by side of the mean and direction, and assurance against a target."""

import numpy as np
import pytest

from assets.spc.classify import assurance, direction_sign, point_types

# special causes at 12 (above the mean of 10), 8 (below) and 10 (exactly on it); 12 again is common cause
SPECIAL = np.array([True, True, True, False])
VALUES = np.array([12.0, 8.0, 10.0, 12.0])


def types(direction: str | None) -> list[str]:
    return point_types(SPECIAL, VALUES, 10.0, direction).tolist()


def test_higher_is_better_reads_above_as_improvement_and_below_or_on_as_concern():
    assert types("higher_is_better") == ["special cause improvement", "special cause concern",
                                         "special cause concern", "common cause"]


def test_lower_is_better_reads_below_as_improvement_and_above_or_on_as_concern():
    assert types("lower_is_better") == ["special cause concern", "special cause improvement",
                                        "special cause concern", "common cause"]


@pytest.mark.parametrize("direction", [None, "neutral"])
def test_neutral_measures_read_high_and_low(direction):
    assert types(direction) == ["special cause high", "special cause low", "special cause low",
                                "common cause"]


def test_a_rising_trend_below_the_mean_of_a_higher_is_better_measure_is_concern():
    rising = np.array([4.0, 5, 6, 7, 8, 9, 9.5])
    assert set(point_types(np.ones(7, dtype=bool), rising, 10.0, "higher_is_better")) == {
        "special cause concern"}


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="unknown direction 'up'"):
        direction_sign("up")


@pytest.mark.parametrize(("target", "direction", "expected"), [
    (20.0, "higher_is_better", "consistently failing"),
    (20.0, "lower_is_better", "consistently passing"),
    (0.0, "higher_is_better", "consistently passing"),
    (0.0, "lower_is_better", "consistently failing"),
    (10.0, "higher_is_better", "hit and miss"),
    (15.0, "higher_is_better", "hit and miss"),  # on the upper limit: within, inclusive
    (5.0, "lower_is_better", "hit and miss"),  # on the lower limit
    (None, "higher_is_better", None),
    (20.0, None, None),
    (20.0, "neutral", None),
])
def test_assurance_against_limits_15_and_5(target, direction, expected):
    assert assurance(target, 15.0, 5.0, direction) == expected


def test_no_assurance_without_limits():
    assert assurance(10.0, None, None, "higher_is_better") is None


@pytest.mark.parametrize(("direction", "expected"), [
    ("higher_is_better", ["consistently failing", "consistently passing", "hit and miss"]),
    ("lower_is_better", ["consistently passing", "consistently failing", "hit and miss"]),
])
def test_assurance_matches_the_reference_tests(direction, expected):
    # NHSRplotthedots tests/testthat/test-ptd_calculate_assurance_type.R: target 4 against
    # (lpl, upl) = (1, 3), (5, 7), (1, 5) gives consistent_fail, consistent_pass, inconsistent when
    # increasing, and consistent_pass, consistent_fail, inconsistent when decreasing
    limits = [(3.0, 1.0), (7.0, 5.0), (5.0, 1.0)]
    assert [assurance(4.0, upper, lower, direction) for upper, lower in limits] == expected

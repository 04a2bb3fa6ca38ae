"""Reading the rules: which way each signal points, point types by direction, assurance against a target."""

import numpy as np
import pytest

from assets.spc.classify import assurance, direction_sign, point_types, signal_sides

# mean 10; points 12 (above), 8 (below), 10 (exactly on the mean), 12 again
VALUES = np.array([12.0, 8.0, 10.0, 12.0])
NOWHERE = np.zeros(4, dtype=bool)
NO_TREND = np.zeros(4)


def test_a_signal_outside_any_trend_points_to_its_side_of_the_mean_and_on_the_mean_reads_as_below():
    # NHSRplotthedots ptd_special_cause_type: ifelse(relative_to_mean > 0, "Above", "Below")
    assert signal_sides(VALUES, 10.0, NOWHERE, NO_TREND).tolist() == [1, -1, -1, 1]


def test_a_point_in_a_trend_points_the_trend_s_way_whichever_side_of_the_mean_it_lies():
    # issue #171 of the package: 12 in a falling trend points down, 8 in a rising one up
    trends = np.array([-1.0, 1.0, 1.0, 0.0])
    assert signal_sides(VALUES, 10.0, NOWHERE, trends).tolist() == [-1, 1, 1, 1]


def test_outside_the_limits_comes_before_the_trend():
    # the package's case_when tests outside_limits first: 8 below the lower limit in a rising trend
    # points down
    outside = np.array([False, True, False, False])
    assert signal_sides(VALUES, 10.0, outside, np.array([1.0, 1.0, 1.0, 0.0])).tolist() == [1, -1, 1, 1]


SPECIAL = np.array([True, True, False, True])
SIDES = np.array([1, -1, 1, -1])


def types(direction: str | None) -> list[str]:
    return point_types(SPECIAL, SIDES, direction).tolist()


def test_higher_is_better_reads_up_as_improvement_and_down_as_concern():
    assert types("higher_is_better") == [
        "special cause improvement",
        "special cause concern",
        "common cause",
        "special cause concern",
    ]


def test_lower_is_better_reads_down_as_improvement_and_up_as_concern():
    assert types("lower_is_better") == [
        "special cause concern",
        "special cause improvement",
        "common cause",
        "special cause improvement",
    ]


@pytest.mark.parametrize("direction", [None, "neutral"])
def test_neutral_measures_read_high_and_low(direction):
    assert types(direction) == [
        "special cause high",
        "special cause low",
        "common cause",
        "special cause low",
    ]


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="unknown direction 'up'"):
        direction_sign("up")


@pytest.mark.parametrize(
    ("target", "direction", "expected"),
    [
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
    ],
)
def test_assurance_against_limits_15_and_5(target, direction, expected):
    assert assurance(target, 15.0, 5.0, direction) == expected


def test_no_assurance_without_limits():
    assert assurance(10.0, None, None, "higher_is_better") is None


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ("higher_is_better", ["consistently failing", "consistently passing", "hit and miss"]),
        ("lower_is_better", ["consistently passing", "consistently failing", "hit and miss"]),
    ],
)
def test_assurance_matches_the_reference_tests(direction, expected):
    # NHSRplotthedots tests/testthat/test-ptd_calculate_assurance_type.R: target 4 against
    # (lpl, upl) = (1, 3), (5, 7), (1, 5) gives consistent_fail, consistent_pass, inconsistent when
    # increasing, and consistent_pass, consistent_fail, inconsistent when decreasing
    limits = [(3.0, 1.0), (7.0, 5.0), (5.0, 1.0)]
    assert [assurance(4.0, upper, lower, direction) for upper, lower in limits] == expected

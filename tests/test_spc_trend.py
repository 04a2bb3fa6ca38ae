"""Rule 3: a trend, 7 or more consecutive points each strictly above (or below) the one before; its way."""

import numpy as np

from assets.spc.rules import trend, trend_direction


def flags(values: list[float], run_length: int = 7) -> list[bool]:
    return trend(np.array(values, dtype=float), run_length).tolist()


def test_seven_rising_points_are_all_flagged():
    # NHSRplotthedots test-ptd_calculate_point_type.R: ptd_seven_point_trend(1:7) flags the 7th point,
    # and ptd_part_of_seven_trend carries it back over all 7
    assert flags([1, 2, 3, 4, 5, 6, 7]) == [True] * 7


def test_seven_falling_points_are_all_flagged():
    assert flags([7, 6, 5, 4, 3, 2, 1]) == [True] * 7


def test_only_the_points_of_the_trend_are_flagged():
    # the reference's c(2, 1:7, 3): the trend is 1..7, not the 2 before it nor the 3 after
    assert flags([2, 1, 2, 3, 4, 5, 6, 7, 3]) == [False] + [True] * 7 + [False]


def test_points_continuing_the_trend_are_flagged_too():
    assert flags([1, 2, 3, 4, 5, 6, 7, 8, 9, 1]) == [True] * 9 + [False]


def test_six_rising_points_are_not_a_trend():
    assert flags([1, 2, 3, 4, 5, 6, 1]) == [False] * 7


def test_a_tie_breaks_the_trend():
    # the reference's c(1:3, 3:6): seven points, but 3 -> 3 is not a rise
    assert flags([1, 2, 3, 3, 4, 5, 6]) == [False] * 7


def test_a_rise_then_a_fall_share_their_peak():
    assert flags([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1]) == [True] * 13


def test_the_run_length_is_configurable():
    assert flags([1, 2, 3, 4, 5, 1], run_length=5) == [True] * 5 + [False]


def test_short_series_have_no_trend():
    assert flags([]) == []
    assert flags([1]) == [False]


def directions(values: list[float], run_length: int = 7) -> list[float]:
    return trend_direction(np.array(values, dtype=float), run_length).tolist()


def test_a_rising_trend_points_up_and_a_falling_one_down():
    assert directions([2, 1, 2, 3, 4, 5, 6, 7, 3]) == [0] + [1] * 7 + [0]
    assert directions([9, 8, 7, 6, 5, 4, 3, 9]) == [-1] * 7 + [0]


def test_a_turning_point_takes_the_trend_after_it():
    # NHSRplotthedots ptd_special_cause_type: "if a point is part of a trend either side, use right side";
    # the peak 7 ends the rise and starts the fall, so it points down
    assert directions([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1]) == [1] * 6 + [-1] * 7


def test_the_last_point_of_a_trend_followed_by_no_trend_keeps_its_own():
    # 7 ends the rise; the step 7 -> 6 is in no trend, so 7 still points up
    assert directions([1, 2, 3, 4, 5, 6, 7, 6, 7]) == [1] * 7 + [0, 0]


def test_a_tie_between_two_trends_leaves_each_point_its_own_trend():
    # 1..7 rising, then 7 again and 6..1 falling: the flat step is in neither, so the first 7 points up and
    # the second down (the package would read the first as decreasing from the zero step)
    assert directions([1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1]) == [1] * 7 + [-1] * 7


def test_directions_follow_the_run_length():
    assert directions([1, 2, 3, 4, 5, 1], run_length=5) == [1] * 5 + [0]
    assert directions([1, 2, 3, 4, 5, 1]) == [0] * 6
    assert directions([]) == [] and directions([4]) == [0]

"""Rule 2: a shift, 7 or more consecutive points on one side of the mean."""

from collections.abc import Sequence

import numpy as np

from assets.spc.rules import shift

MEAN = 10.0


def flags(values: Sequence[float], run_length: int = 7) -> list[bool]:
    return shift(np.array(values, dtype=float), MEAN, run_length).tolist()


def test_seven_points_above_the_mean_are_all_flagged():
    assert flags([9, 11, 11, 11, 11, 11, 11, 11, 9]) == [False] + [True] * 7 + [False]


def test_seven_points_below_the_mean_are_all_flagged():
    assert flags([9] * 7) == [True] * 7


def test_points_continuing_the_run_are_flagged_too():
    assert flags([11] * 9 + [9]) == [True] * 9 + [False]


def test_six_points_are_not_a_shift():
    assert flags([11] * 6 + [9] * 6) == [False] * 12


def test_a_point_exactly_on_the_mean_breaks_the_run():
    assert flags([11, 11, 11, 10, 11, 11, 11, 11]) == [False] * 8


def test_matches_the_reference_tests():
    # NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R: ptd_seven_point_one_side_mean of
    # c(rep(1, 8), -1) is 0 x 6, 1, 1, 0, so ptd_part_of_seven_trend flags the first 8 points
    assert flags([11] * 8 + [9]) == [True] * 8 + [False]
    # ... and of c(-1, rep(1, 8), -1) the 8 points in between
    assert flags([9] + [11] * 8 + [9]) == [False] + [True] * 8 + [False]


def test_the_run_length_is_configurable():
    assert flags([11] * 6 + [9], run_length=6) == [True] * 6 + [False]

"""Rule 4: two (or three) of three consecutive points near a process limit, all on one side of the mean."""

import numpy as np

from assets.spc.limits import XmrLimits, xmr_limits
from assets.spc.rules import outside_limits, shift, trend, two_in_three

# mean 10, mean moving range 1: near-limit lines 11.7733 / 8.2267, process limits 12.66 / 7.34
LIMITS = XmrLimits.around(mean=10.0, mean_moving_range=1.0)


def flags(values: list[float]) -> list[bool]:
    return two_in_three(np.array(values, dtype=float), LIMITS).tolist()


def test_two_near_points_above_the_mean_are_flagged():
    assert flags([10.5, 12, 12]) == [False, True, True]


def test_two_near_points_below_the_mean_are_flagged():
    assert flags([8, 9, 8]) == [True, False, True]


def test_only_the_near_points_are_flagged():
    # NHSRplotthedots test-ptd_calculate_point_type.R: ptd_part_of_two_in_three of close-to-limits
    # c(0, 0, 1, 0, 1, 0, 0), all above the mean, flags just the two close points
    assert flags([10.5, 10.5, 12, 10.5, 12, 10.5, 10.5]) == [False, False, True, False, True, False, False]


def test_one_near_point_in_three_does_not_fire():
    assert flags([10.5, 12, 10.5, 10.5]) == [False] * 4


def test_near_points_three_apart_do_not_fire():
    # the reference's close-to-limits c(1, 0, 0, 1) gives c(0, 0, 0, 0)
    assert flags([12, 10.5, 10.5, 12]) == [False] * 4


def test_near_points_on_opposite_sides_do_not_fire():
    assert flags([12, 8, 10.5]) == [False] * 3
    assert flags([12, 10.5, 8]) == [False] * 3


def test_a_point_on_the_other_side_or_on_the_mean_between_them_stops_it():
    assert flags([12, 9.5, 12]) == [False] * 3
    assert flags([12, 10, 12]) == [False] * 3


def test_a_point_outside_the_limits_is_not_a_near_point():
    assert flags([13, 12, 10.5]) == [False] * 3
    assert flags([13, 12, 12]) == [False, True, True]


def test_a_point_exactly_on_the_near_line_is_not_beyond_it():
    assert flags([LIMITS.upper_near, 12, 10.5]) == [False] * 3


def test_near_points_on_opposite_sides_stay_common_cause_as_in_the_reference():
    # NHSRplotthedots test-ptd_spc_standard.R: 1, -1, ... (16 points) with the 15th set to 5.5 and the 16th to
    # -5.5; both points must be common cause.
    # mean 0; moving ranges 13 x 2, 6.5, 11 -> mean 43.5 / 15 = 2.9; screen 9.47 leaves out 11;
    # mean mR 32.5 / 14 = 2.3214: limits +/- 6.175, near lines +/- 4.117, so 5.5 and -5.5 are both near
    values = np.array([1.0, -1.0] * 7 + [5.5, -5.5])
    limits = xmr_limits(values)
    assert limits is not None
    assert limits.lower_near > -5.5 > limits.lower and limits.upper_near < 5.5 < limits.upper
    for rule in (
        two_in_three(values, limits),
        outside_limits(values, limits),
        shift(values, limits.mean),
        trend(values),
    ):
        assert rule[-2:].tolist() == [False, False]

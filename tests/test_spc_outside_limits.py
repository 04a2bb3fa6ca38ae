"""Rule 1: a point above the upper or below the lower process limit."""

import numpy as np
import pytest

from assets.spc.limits import XmrLimits, xmr_limits
from assets.spc.rules import outside_limits

LIMITS = XmrLimits.around(mean=10.0, mean_moving_range=1.0)  # limits 12.66 and 7.34


def test_points_beyond_either_limit_are_flagged():
    values = np.array([10, 13, 7, 10.5, 12.6])
    assert outside_limits(values, LIMITS).tolist() == [False, True, True, False, False]


def test_a_point_exactly_on_a_limit_is_inside():
    values = np.array([LIMITS.upper, LIMITS.lower])
    assert outside_limits(values, LIMITS).tolist() == [False, False]


def test_a_spike_is_outside_limits_worked_by_hand():
    # 10, 11 (x 5 each), 10, 30: mean (6 x 10 + 5 x 11 + 30) / 12 = 145 / 12 = 12.0833
    # moving ranges 10 x 1 and 19: mean 29 / 11 = 2.636, screen 8.61 leaves out 19, mean mR 1
    # limits 12.0833 +/- 2.66 = 14.7433 and 9.4233: only 30 is outside
    values = np.array([10, 11] * 5 + [10, 30.0])
    limits = xmr_limits(values)
    assert limits is not None
    assert (limits.upper, limits.lower) == (pytest.approx(14.7433, abs=1e-4), pytest.approx(9.4233, abs=1e-4))
    assert outside_limits(values, limits).tolist() == [False] * 11 + [True]


def test_a_constant_baseline_puts_any_other_value_outside():
    values = np.array([7.0] * 12 + [7.5, 7.0])
    baseline = xmr_limits(values, 12)
    assert baseline is not None
    assert outside_limits(values, baseline).tolist() == [False] * 12 + [True, False]

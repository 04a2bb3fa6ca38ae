"""XmR limits: centre line, screened mean moving range, process and near-limit lines, segment starts."""

import datetime as dt

import numpy as np
import pytest

from assets.spc.limits import XmrLimits, moving_ranges, screened_mean_moving_range, segment_starts, xmr_limits

# set.seed(123); rnorm(20) in R: the data of NHSRplotthedots tests/testthat/test-ptd_spc_standard.R, whose
# snapshot (tests/testthat/_snaps/ptd_spc_standard.md) prints to 3 significant figures: -0.560, -0.230, ...
REFERENCE_VALUES = [
    -0.56047565,
    -0.23017749,
    1.55870831,
    0.07050839,
    0.12928774,
    1.71506499,
    0.46091621,
    -1.26506123,
    -0.68685285,
    -0.44566197,
    1.22408180,
    0.35981383,
    0.40077145,
    0.11068272,
    -0.55584113,
    1.78691314,
    0.49785048,
    -1.96661716,
    0.70135590,
    -0.47279141,
]


def test_limits_worked_by_hand_with_a_screened_moving_range():
    # values:            5, 6, 5, 6, 5, 6, 30
    # moving ranges:        1, 1, 1, 1, 1, 24
    # mean mR:           (5 x 1 + 24) / 6 = 29 / 6 = 4.8333
    # screen:            3.267 x 4.8333 = 15.79; 24 >= 15.79, so 24 is left out
    # mean mR, screened: 5 / 5 = 1
    # mean:              (5 + 6 + 5 + 6 + 5 + 6 + 30) / 7 = 63 / 7 = 9
    # process limits:    9 + 2.66 x 1 = 11.66 and 9 - 2.66 x 1 = 6.34
    # near-limit lines:  9 +/- (2 / 3 x 2.66) x 1 = 9 +/- 1.77333 = 10.77333 and 7.22667
    values = np.array([5, 6, 5, 6, 5, 6, 30.0])
    assert moving_ranges(values).tolist() == [1, 1, 1, 1, 1, 24]
    limits = xmr_limits(values)
    assert limits is not None
    assert limits.mean == pytest.approx(9)
    assert limits.mean_moving_range == pytest.approx(1)
    assert (limits.upper, limits.lower) == (pytest.approx(11.66), pytest.approx(6.34))
    assert (limits.upper_near, limits.lower_near) == (
        pytest.approx(10.77333, abs=1e-5),
        pytest.approx(7.22667, abs=1e-5),
    )


def test_a_large_moving_range_below_the_screen_is_kept():
    # values 4, 6, 5, 7, 20: moving ranges 2, 1, 2, 13; mean mR = 18 / 4 = 4.5; screen = 3.267 x 4.5 = 14.70
    # 13 < 14.70 stays; mean = 42 / 5 = 8.4; limits = 8.4 +/- 2.66 x 4.5 = 8.4 +/- 11.97 = 20.37 and -3.57
    limits = xmr_limits(np.array([4, 6, 5, 7, 20.0]))
    assert limits is not None
    assert limits.mean_moving_range == pytest.approx(4.5)
    assert (limits.upper, limits.lower) == (pytest.approx(20.37), pytest.approx(-3.57))


def test_screening_leaves_out_every_range_at_or_above_the_screen():
    # ranges 1 x 9 and 50: mean 59 / 10 = 5.9, screen 19.28: 50 is left out, mean of the rest = 1
    assert screened_mean_moving_range(np.array([1.0] * 9 + [50.0])) == pytest.approx(1)


def test_when_every_non_zero_range_screens_out_the_limits_cannot_be_computed():
    # 14 equal values and one different: ranges 0 (x 13) and 2; mean 2 / 14 = 0.143, screen 0.467 leaves out
    # the 2 and only zeros remain
    assert screened_mean_moving_range(np.array([0.0] * 13 + [2.0])) is None
    assert xmr_limits(np.array([10.0] * 14 + [12.0])) is None
    # one equal value in the middle: ranges 2 and 2 both screen out too (mean 4 / 14, screen 0.93)
    assert xmr_limits(np.array([10.0] * 7 + [12.0] + [10.0] * 7)) is None
    # a smaller range survives the screen: ranges 0 (x 12), 2 and 0.1: mean 2.1 / 14 = 0.15, screen 0.49
    # leaves out the 2; the mean of the rest is 0.1 / 13
    assert screened_mean_moving_range(np.array([0.0] * 12 + [2.0, 0.1])) == pytest.approx(0.1 / 13)


def test_baseline_sets_the_limits_from_its_first_points_only():
    # baseline 10, 12, ... (12 points): mean 11, 11 moving ranges of 2 -> mean mR 2, limits 11 +/- 5.32;
    # the later 30 and 40 and the range 12 -> 30 play no part
    values = np.array([10, 12] * 6 + [30, 40.0])
    limits = xmr_limits(values, baseline_points=12)
    assert limits is not None
    assert (limits.mean, limits.mean_moving_range) == (pytest.approx(11), pytest.approx(2))
    assert (limits.upper, limits.lower) == (pytest.approx(16.32), pytest.approx(5.68))
    every_point = xmr_limits(values)
    assert every_point is not None and every_point.mean == pytest.approx(202 / 14)


def test_a_constant_baseline_has_limits_on_the_mean():
    limits = xmr_limits(np.array([7.0] * 12))
    assert limits is not None
    assert limits == XmrLimits(7.0, 0.0, 7.0, 7.0, 7.0, 7.0)


def test_limits_match_the_reference_snapshot():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc_standard.md: mean 0.142, lpl -3.01, upl 3.29
    limits = xmr_limits(np.array(REFERENCE_VALUES))
    assert limits is not None
    assert limits.mean == pytest.approx(0.142, abs=5e-4)
    assert limits.lower == pytest.approx(-3.01, abs=5e-3)
    assert limits.upper == pytest.approx(3.29, abs=5e-3)


MONTHS = np.array([dt.date(2024, month, 1) for month in range(1, 7)], dtype="datetime64[D]")


@pytest.mark.parametrize(
    ("changes", "starts"),
    [
        ([], [0]),
        (["2024-03-01"], [0, 2]),
        (["2024-03-15"], [0, 3]),
        (["2024-03-01", "2024-05-01"], [0, 2, 4]),
        (["2024-02-10", "2024-02-20"], [0, 2]),
        (["2023-12-01", "2024-01-01", "2024-07-01"], [0]),
    ],
)
def test_segments_start_at_the_first_period_on_or_after_each_change(changes, starts):
    assert segment_starts(MONTHS, np.array(changes, dtype="datetime64[D]")).tolist() == starts

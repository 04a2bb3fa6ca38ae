"""XmR chart limits: centre line, screened mean moving range, process and near-limit lines, segments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LIMIT_FACTOR = 2.66
NEAR_LIMIT_FACTOR = 2 * LIMIT_FACTOR / 3
SCREEN_FACTOR = 3.267


@dataclass(frozen=True)
class XmrLimits:
    """The lines of one segment's XmR chart."""

    mean: float
    mean_moving_range: float
    upper: float
    lower: float
    upper_near: float
    lower_near: float

    @classmethod
    def around(cls, mean: float, mean_moving_range: float) -> XmrLimits:
        """Return the lines for a centre line and a mean moving range."""
        spread, near = LIMIT_FACTOR * mean_moving_range, NEAR_LIMIT_FACTOR * mean_moving_range
        return cls(
            mean=mean,
            mean_moving_range=mean_moving_range,
            upper=mean + spread,
            lower=mean - spread,
            upper_near=mean + near,
            lower_near=mean - near,
        )


def moving_ranges(values: np.ndarray) -> np.ndarray:
    """Return |x_i - x_(i-1)| for every point after the first (one fewer than there are values)."""
    return np.abs(np.diff(values))


def screened_mean_moving_range(ranges: np.ndarray) -> float | None:
    """Return the mean moving range after leaving out ranges of 3.267 x the mean or more; 0 when every
    range is 0, and None when the screen leaves only zero ranges of values that vary (no spread to go by).
    """
    first_mean = float(ranges.mean())
    if first_mean == 0.0:
        return 0.0
    screened = float(ranges[ranges < SCREEN_FACTOR * first_mean].mean())
    return screened if screened > 0.0 else None


def xmr_limits(values: np.ndarray, baseline_points: int | None = None) -> XmrLimits | None:
    """Return the limits set from the first `baseline_points` values (all when None), None when they cannot be
    computed (see `screened_mean_moving_range`); needs 2 or more values."""
    baseline = values if baseline_points is None else values[:baseline_points]
    mean_moving_range = screened_mean_moving_range(moving_ranges(baseline))
    if mean_moving_range is None:
        return None
    return XmrLimits.around(float(baseline.mean()), mean_moving_range)


def segment_starts(periods: np.ndarray, change_periods: np.ndarray) -> np.ndarray:
    """Return the index of each segment's first point: 0, then the first period on or after each change."""
    starts = np.searchsorted(periods, change_periods, side="left")
    return np.unique(np.concatenate(([0], starts[(starts > 0) & (starts < len(periods))])))

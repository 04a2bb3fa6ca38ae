"""Special-cause rules, one function each, over one segment's values (no missing values) in period order."""

from __future__ import annotations

import numpy as np

from assets.spc.limits import XmrLimits


def members_of_long_runs(keys: np.ndarray, length: int) -> np.ndarray:
    """Flag the items of every run of `length` or more equal, non-zero keys."""
    if len(keys) == 0:
        return np.zeros(0, dtype=bool)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    run_lengths = np.diff(np.append(starts, len(keys)))
    long_runs = (run_lengths >= length) & (keys[starts] != 0)
    return np.repeat(long_runs, run_lengths)


def outside_limits(values: np.ndarray, limits: XmrLimits) -> np.ndarray:
    """Flag points above the upper or below the lower process limit (a point on a limit is inside)."""
    return (values > limits.upper) | (values < limits.lower)


def shift(values: np.ndarray, mean: float, run_length: int = 7) -> np.ndarray:
    """Flag every point of a run of `run_length` or more on one side of the mean (a point on it breaks it)."""
    return members_of_long_runs(np.sign(values - mean), run_length)


def trend_direction(values: np.ndarray, run_length: int = 7) -> np.ndarray:
    """Return +1 for each point of a rising run of `run_length` or more (each strictly above the one before),
    -1 for a falling one and 0 elsewhere; a point ending one trend and starting the next takes the next's."""
    steps = np.sign(np.diff(values))
    trend_steps = np.where(members_of_long_runs(steps, run_length - 1), steps, 0)
    directions = np.zeros(len(values))
    directions[1:] = trend_steps
    # as NHSRplotthedots reads a turning point: by the step after it when that step is in a trend
    directions[:-1] = np.where(trend_steps != 0, trend_steps, directions[:-1])
    return directions


def trend(values: np.ndarray, run_length: int = 7) -> np.ndarray:
    """Flag every point of a run of `run_length` or more, each strictly above (or below) the one before."""
    return trend_direction(values, run_length) != 0


def two_in_three(values: np.ndarray, limits: XmrLimits) -> np.ndarray:
    """Flag near-limit points where 2 or more of 3 consecutive points on one side of the mean are near."""
    near = ~outside_limits(values, limits) & ((values > limits.upper_near) | (values < limits.lower_near))
    flags = np.zeros(len(values), dtype=bool)
    if len(values) < 3:
        return flags
    side = np.sign(values - limits.mean)
    one_side = (side[:-2] == side[1:-1]) & (side[1:-1] == side[2:]) & (side[1:-1] != 0)
    windows = one_side & (near[:-2].astype(int) + near[1:-1] + near[2:] >= 2)
    for offset in range(3):
        flags[offset : len(values) - 2 + offset] |= windows
    return flags & near

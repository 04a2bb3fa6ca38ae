"""Reading the rules: each point's type, and a series' assurance against its target."""

from __future__ import annotations

import numpy as np

COMMON_CAUSE = "common cause"
IMPROVEMENT = "special cause improvement"
CONCERN = "special cause concern"
HIGH = "special cause high"
LOW = "special cause low"

CONSISTENTLY_PASSING = "consistently passing"
CONSISTENTLY_FAILING = "consistently failing"
HIT_AND_MISS = "hit and miss"

DIRECTIONS = {"higher_is_better": 1, "lower_is_better": -1, "neutral": 0, None: 0}


def direction_sign(direction: str | None) -> int:
    """Return +1 when higher is better, -1 when lower is better and 0 for a neutral measure (None)."""
    if direction not in DIRECTIONS:
        raise ValueError(
            f"unknown direction {direction!r}: expected 'higher_is_better', 'lower_is_better', "
            "'neutral' or None"
        )
    return DIRECTIONS[direction]


def signal_sides(
    values: np.ndarray, mean: float, outside_limits: np.ndarray, trend_directions: np.ndarray
) -> np.ndarray:
    """Return the way each point's signal points, +1 (up) or -1 (down), as NHSRplotthedots 0.2 reads it.

    A point outside the limits points to its side of the mean; else a point in a trend points the trend's
    way, whichever side of the mean it lies (the package's change after its issue #171); else its side of
    the mean. A point exactly on the mean reads as below it, as in the package.
    """
    side_of_mean = np.where(values > mean, 1, -1)
    by_trend = np.where(trend_directions != 0, np.sign(trend_directions), side_of_mean)
    return np.where(outside_limits, side_of_mean, by_trend).astype(int)


def point_types(special_cause: np.ndarray, sides: np.ndarray, direction: str | None) -> np.ndarray:
    """Return each point's type: a special cause pointing the better way is improvement, the other concern;
    high or low for a neutral measure (None); common cause where no rule fired."""
    sign = direction_sign(direction)
    special = np.where(sides > 0, HIGH, LOW) if sign == 0 else np.where(sides == sign, IMPROVEMENT, CONCERN)
    return np.where(special_cause, special, COMMON_CAUSE)


def assurance(
    target: float | None, upper_limit: float | None, lower_limit: float | None, direction: str | None
) -> str | None:
    """Return whether the process will pass its target consistently, fail it consistently, or hit and miss."""
    sign = direction_sign(direction)
    if target is None or upper_limit is None or lower_limit is None or sign == 0:
        return None
    if target > upper_limit:
        return CONSISTENTLY_FAILING if sign > 0 else CONSISTENTLY_PASSING
    if target < lower_limit:
        return CONSISTENTLY_PASSING if sign > 0 else CONSISTENTLY_FAILING
    return HIT_AND_MISS

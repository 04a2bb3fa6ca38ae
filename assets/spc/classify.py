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
        raise ValueError(f"unknown direction {direction!r}: expected 'higher_is_better', 'lower_is_better', "
                         "'neutral' or None")
    return DIRECTIONS[direction]


def point_types(special_cause: np.ndarray, values: np.ndarray, mean: float,
                direction: str | None) -> np.ndarray:
    """Return each point's type, a special cause read by its side of the mean (on the mean: concern / low)."""
    sign = direction_sign(direction)
    side = np.sign(values - mean)
    special = np.where(side > 0, HIGH, LOW) if sign == 0 else np.where(side == sign, IMPROVEMENT, CONCERN)
    return np.where(special_cause, special, COMMON_CAUSE)


def assurance(target: float | None, upper_limit: float | None, lower_limit: float | None,
              direction: str | None) -> str | None:
    """Return whether the process will pass its target consistently, fail it consistently, or hit and miss."""
    sign = direction_sign(direction)
    if target is None or upper_limit is None or lower_limit is None or sign == 0:
        return None
    if target > upper_limit:
        return CONSISTENTLY_FAILING if sign > 0 else CONSISTENTLY_PASSING
    if target < lower_limit:
        return CONSISTENTLY_PASSING if sign > 0 else CONSISTENTLY_FAILING
    return HIT_AND_MISS

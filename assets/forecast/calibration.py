"""Intervals as wide as the forecasts' own past errors say: a factor per measure (split-conformal)."""

from __future__ import annotations

import math

import numpy as np

Z_80 = 1.2815516  # the standard normal's 90th percentile: mean ± Z_80 sd holds 80 %
Z_95 = 1.9599640  # its 97.5th percentile
MIN_SCORES = 30  # scores a group of models needs for factors of its own
Scores = dict[tuple[str, bool], list[np.ndarray]]  # by measure and whether the model is seasonal


def conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """Return the ⌈(n + 1) × coverage⌉-th smallest score (the largest when that is past n).

    A new score exchangeable with the n scores falls at or below it with probability at least
    `coverage` (split-conformal prediction, Vovk et al. 2005).
    """
    ordered = np.sort(np.asarray(scores, dtype=float))
    rank = math.ceil((len(ordered) + 1) * coverage)
    return float(ordered[min(rank, len(ordered)) - 1])


def interval_scales(scores: np.ndarray) -> tuple[float, float]:
    """Return the factors by which the model's 80 % and 95 % intervals are widened (or narrowed).

    `scores` are past forecast errors ÷ the model's forecast standard deviation for their month
    ahead, made sign-free; the 80 % factor is their conformal 80 % quantile ÷ 1.2816, the 95 % one
    their 95 % quantile ÷ 1.96. Without scores both are 1 (the model's own intervals).
    """
    scores = np.abs(np.asarray(scores, dtype=float))
    if not len(scores):
        return 1.0, 1.0
    return conformal_quantile(scores, 0.80) / Z_80, conformal_quantile(scores, 0.95) / Z_95


def group_scales(scores: Scores) -> dict:
    """Return the interval factors per (measure, seasonal model or not) with MIN_SCORES scores or more,
    and per measure over both, for a group with fewer (Mondrian conformal prediction: seasonal models'
    own standard deviations are further off than the others')."""
    scales: dict = {}
    for measure in {m for m, _ in scores}:
        pooled = [
            np.concatenate(scores.get((measure, seasonal), [np.empty(0)])) for seasonal in (False, True)
        ]
        scales[measure] = interval_scales(np.concatenate(pooled))
        for seasonal, found in zip((False, True), pooled, strict=True):
            if len(found) >= MIN_SCORES:
                scales[(measure, seasonal)] = interval_scales(found)
    return scales

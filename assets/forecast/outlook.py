"""The year-end outlook: the judged figure at the year end and its chance of meeting the target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

YEAR_END_MONTH = 3  # the financial year runs April to March


@dataclass(frozen=True)
class VerdictThresholds:
    """Probability of meeting the year-end target from which a measure is on course, or below which off."""

    on_course: float = 0.75
    off_course: float = 0.25


def add_months(month: date, months: int) -> date:
    """Return the first day of the month `months` after `month`."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def year_end(latest: date) -> date:
    """Return the March that ends the financial year after `latest` (the next one when `latest` is March)."""
    year = latest.year if latest.month < YEAR_END_MONTH else latest.year + 1
    return date(year, YEAR_END_MONTH, 1)


def months_between(first: date, last: date) -> int:
    """Return how many months `last` is after `first`."""
    return (last.year - first.year) * 12 + last.month - first.month


def judged_window(judged_on: str, end: date) -> list[date]:
    """Return the months whose figures make up the judged figure at `end`, oldest first.

    month: `end` alone; year_to_date: April to `end`; rolling_12_months: the 12 months to `end`.
    """
    if judged_on == "month":
        return [end]
    if judged_on == "year_to_date":
        start = date(end.year if end.month >= 4 else end.year - 1, 4, 1)
        return [add_months(start, k) for k in range(months_between(start, end) + 1)]
    if judged_on == "rolling_12_months":
        return [add_months(end, -k) for k in range(11, -1, -1)]
    raise ValueError(f"unknown basis {judged_on!r}")


def judged_figure(values: np.ndarray, weights: np.ndarray, value_type: str) -> np.ndarray:
    """Return the judged figure over the window's months (axis 0): a sum for counts, else a weighted mean.

    Rates add numerators and denominators, which is the mean of the monthly rates weighted by their
    denominators.
    """
    if value_type == "count":
        return values.sum(axis=0)
    weights = weights.reshape((-1,) + (1,) * (values.ndim - 1))
    return (values * weights).sum(axis=0) / weights.sum()


def meets(figure: np.ndarray | float, target: float, direction: str) -> np.ndarray:
    """Return where `figure` meets `target`: at least it when higher is better, at most it when lower."""
    return np.asarray(figure) >= target if direction == "higher_is_better" else np.asarray(figure) <= target


def verdict(probability: float | None, thresholds: VerdictThresholds) -> str:
    """Return 'on course', 'at risk', 'off course', or 'no target' when there is no probability."""
    if probability is None:
        return "no target"
    if probability >= thresholds.on_course:
        return "on course"
    if probability < thresholds.off_course:
        return "off course"
    return "at risk"

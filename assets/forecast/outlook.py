"""The year-end outlook: the judged figure at the year end and its chance of meeting the target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from assets.forecast.series import Series

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


@dataclass(frozen=True)
class YearEndBasis:
    """What a series' judged figure at the year end is made of: the months known, the months forecast."""

    known: float  # the known months' part: their sum (counts) or weighted sum (rates)
    weights: np.ndarray  # per month ahead, the weight of its forecast (0 outside the window)
    divisor: float  # 1 for counts, else the sum of all the window's weights
    target: float | None
    carried: bool


def year_end_basis(series: Series, end: date, horizon: int) -> YearEndBasis:
    """Return how the judged figure at `end` is worked out from the series' actuals and `horizon` months
    of forecasts: counts add up; rates weight each month by its denominator (months ahead by the mean
    denominator of the latest 12), so the figure is the window's numerators over its denominators."""
    last = series.periods[-1]
    recent_denominator = float(np.mean(series.denominators[-12:]))
    latest_target = next((t for t in reversed(series.targets) if t is not None), None)
    targets: list[tuple[float | None, float]] = []  # each month's target and weight
    known, weights, carried = 0.0, np.zeros(horizon), False
    for month in judged_window(series.judged_on, end):
        if month < series.periods[0]:  # months before the series count as none
            continue
        i = months_between(series.periods[0], month)
        if i < len(series.values):
            weight = 1.0 if series.value_type == "count" else float(series.denominators[i])
            known += weight * float(series.values[i])
            targets.append((series.targets[i], float(series.denominators[i])))
        else:
            weight = 1.0 if series.value_type == "count" else recent_denominator
            weights[months_between(last, month) - 1] = weight
            targets.append((latest_target, recent_denominator))
            carried = True
    total = sum(w for _, w in targets)
    divisor = 1.0 if series.value_type == "count" else total
    given = [(t, w) for t, w in targets if t is not None]
    if len(given) < len(targets):
        return YearEndBasis(known, weights, divisor, None, carried)
    target = (
        sum(t for t, _ in given) if series.value_type == "count" else sum(t * w for t, w in given) / total
    )
    return YearEndBasis(known, weights, divisor, float(target), carried)


def year_end_figures(basis: YearEndBasis, paths: np.ndarray) -> np.ndarray:
    """Return the judged figure at the year end in each simulated future (paths: months ahead x futures)."""
    return (basis.known + basis.weights[: len(paths)] @ paths) / basis.divisor


def year_end_outlook(
    series: Series, paths: np.ndarray, end: date
) -> tuple[float, float | None, bool, float | None]:
    """Return the judged figure's median forecast at `end`, its target, whether carried, the probability."""
    basis = year_end_basis(series, end, len(paths))
    figure = year_end_figures(basis, paths)
    if basis.target is None:
        return float(np.median(figure)), None, basis.carried, None
    return (
        float(np.median(figure)),
        basis.target,
        basis.carried,
        float(np.mean(meets(figure, basis.target, series.direction))),
    )

"""Additive-error exponential smoothing (ETS) run on many series at once with numpy.

The model is statsmodels' ETSModel with additive errors (Hyndman et al. 2008): a level, an optional
damped additive trend and optional additive 12-month seasonality, started from the classical
decomposition heuristic. Series of one length are rows of one array, so one pass of the recursion
serves every series and every candidate parameter set: the maximum-likelihood search costs about as
much for 1,000 series as statsmodels' optimiser for a few.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEASON = 12  # months
EDGE = 1e-4  # smoothing parameters stay in (EDGE, 1 - EDGE), as statsmodels' bounds
DAMPING = (0.8, 0.98)  # the damping parameter's bounds (statsmodels' default)
HEURISTIC_MONTHS = 10  # initial level and slope: a straight line through the first 10 (adjusted) months
# Grid of starting points in the unit cube of (alpha, beta/alpha, gamma/(1 - alpha), damping)
GRID = ((0.0, 0.1, 0.25, 0.45, 0.7, 1.0), (0.0, 0.1, 0.4, 1.0), (0.0, 0.1, 0.4, 1.0), (0.0, 0.5, 1.0))
STARTS = 3  # the best grid points each search starts from
SEARCH_STEPS = 40  # pattern-search iterations after the grid (the step halves when nothing improves)
# filter runs the grid evaluates at once (series x grid points, each a copy of its series and states): at
# x10, 11,612 series of one length at the 72 points of the damped trend at once took 480 MB more, and longer
GRID_RUNS = 65_536


@dataclass(frozen=True)
class Parameters:
    """Per series (arrays of one row per series): the form, smoothing parameters and initial states.

    Without a trend `beta` and `slope` are 0 and `phi` 1; without seasonality `gamma` and `season`
    are 0. `season[:, k]` is the seasonal state of the months k, k + 12, … of the series.
    """

    trend: np.ndarray  # bool: a damped additive trend
    seasonal: np.ndarray  # bool
    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    phi: np.ndarray
    level: np.ndarray
    slope: np.ndarray
    season: np.ndarray  # series x 12

    def take(self, rows: np.ndarray | list[int]) -> Parameters:
        """Return the parameters of the series at `rows`."""
        return Parameters(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})

    @staticmethod
    def stack(parts: list[Parameters]) -> Parameters:
        """Return the parameters of `parts` one after the other."""
        return Parameters(
            **{
                name: np.concatenate([getattr(p, name) for p in parts])
                for name in Parameters.__dataclass_fields__
            }
        )

    def model_names(self) -> list[str]:
        """Return each series' model in ETS notation: ETS(A,N,N), ETS(A,Ad,N), ETS(A,N,A) or ETS(A,Ad,A)."""
        return [
            f"ETS(A,{'Ad' if t else 'N'},{'A' if s else 'N'})"
            for t, s in zip(self.trend.tolist(), self.seasonal.tolist(), strict=True)
        ]


def by_length(series: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the series grouped by length: (their positions in `series`, their values as rows)."""
    lengths = np.array([len(v) for v in series])
    return [
        (
            np.flatnonzero(lengths == n),
            np.array([series[i] for i in np.flatnonzero(lengths == n)], dtype=float).reshape(-1, n),
        )
        for n in np.unique(lengths)
    ]


def _line(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the intercepts (at month 0) and slopes of least-squares lines through each row's months 1-10."""
    x = np.arange(1, HEURISTIC_MONTHS + 1, dtype=float)
    head = values[:, :HEURISTIC_MONTHS]
    centred = x - x.mean()
    slope = (centred * (head - head.mean(axis=1, keepdims=True))).sum(axis=1) / (centred**2).sum()
    return head.mean(axis=1) - slope * x.mean(), slope


def initial_states(
    values: np.ndarray, trend: bool, seasonal: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the initial level, slope and 12 seasonal states of each row by statsmodels' heuristic.

    Seasonal: the centred 2x12 moving average of the first 2-5 full years is the trend; the mean
    difference from it of each calendar position, centred on 0, is the season; the level and slope
    come from the moving average. Otherwise from the series itself. The level and slope are the
    intercept and slope of a straight line through the first 10 months (Hyndman et al. 2008, 2.6).
    Rows are series of one length.
    """
    rows, months = values.shape
    season = np.zeros((rows, SEASON))
    base = values
    if seasonal:
        head = values[:, : min(5, months // SEASON) * SEASON]
        half = SEASON // 2
        total = np.cumsum(np.pad(head, ((0, 0), (1, 0))), axis=1)
        window = total[:, SEASON:] - total[:, :-SEASON]  # sums of 12 consecutive months
        average = (window[:, :-1] + window[:, 1:]) / (2 * SEASON)  # centred at months 6 … len - 7
        detrended = head[:, half : head.shape[1] - half] - average
        positions = np.arange(half, head.shape[1] - half) % SEASON
        season = np.column_stack([detrended[:, positions == k].mean(axis=1) for k in range(SEASON)])
        season -= season.mean(axis=1, keepdims=True)
        base = average
    level, slope = _line(base)
    return level, (slope if trend else np.zeros(rows)), season


def _unit_to_parameters(
    unit: np.ndarray, trend: bool, seasonal: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Map points of the unit cube to (alpha, beta, gamma, phi) within statsmodels' traditional bounds.

    0 < alpha < 1, 0 < beta < alpha, 0 < gamma < 1 - alpha, 0.8 < phi < 0.98; a component the form
    lacks gets 0 (phi 1).
    """
    inside = EDGE + (1 - 2 * EDGE) * unit
    alpha = inside[:, 0]
    none = np.zeros(len(unit))
    beta = alpha * inside[:, 1] if trend else none
    gamma = (1 - alpha) * inside[:, 2] if seasonal else none
    phi = DAMPING[0] + (DAMPING[1] - DAMPING[0]) * unit[:, 3] if trend else none + 1
    return alpha, beta, gamma, phi


def smooth(
    values: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    gamma: np.ndarray,
    phi: np.ndarray,
    level: np.ndarray,
    slope: np.ndarray,
    season: np.ndarray,
    errors: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the filter over each row (series of one length); return errors, their sum of squares, states.

    For each month: forecast = level + phi x slope + season; error = actual - forecast; then
    level = level + phi x slope + alpha x error, slope = phi x slope + beta x error and season =
    season + gamma x error (the error-correction form of statsmodels' ETS with additive errors).
    Returns the one-step errors (rows x months; empty without `errors`), the sums of their squares
    and the final level, slope and season (rows x 12).
    """
    columns = np.ascontiguousarray(values.T)
    level, slope = level.astype(float), slope.astype(float)
    season = np.ascontiguousarray(season.T, dtype=float)  # 12 x rows: each month's states together
    found = np.zeros(columns.shape) if errors else np.zeros((0, len(level)))
    sse = np.zeros(len(level))
    damped, error = np.empty(len(level)), np.empty(len(level))
    for t, actual in enumerate(columns):
        np.multiply(phi, slope, out=damped)
        np.subtract(actual, level, out=error)
        error -= damped
        error -= season[t % SEASON]
        level += damped
        level += alpha * error
        np.add(damped, beta * error, out=slope)
        season[t % SEASON] += gamma * error
        sse += error * error
        if errors:
            found[t] = error
    return found.T, sse, level, slope, season.T.copy()


def _search(
    values: np.ndarray, trend: bool, seasonal: bool, level: np.ndarray, slope: np.ndarray, season: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's least-squares point of the unit cube and its sum of squared errors.

    A grid of starting points, then a compass search: each step tries ± the step on every free
    coordinate, moves to the best point if it lowers the sum, else halves the step.
    """
    rows = len(values)
    free = np.array([True, trend, seasonal, trend])

    def sse(units: np.ndarray, repeat: np.ndarray) -> np.ndarray:
        alpha, beta, gamma, phi = _unit_to_parameters(units, trend, seasonal)
        return smooth(
            values[repeat],
            alpha,
            beta,
            gamma,
            phi,
            level[repeat],
            slope[repeat],
            season[repeat],
            errors=False,
        )[1]

    grid = np.unique(np.array(np.meshgrid(*GRID, indexing="ij")).reshape(4, -1).T * free, axis=0)
    # every row at every grid point, `GRID_RUNS` runs at a time: each run is the same arithmetic whatever
    # else runs beside it, so the sums are those of one pass over all rows
    chunk = max(1, GRID_RUNS // len(grid))
    parts = [np.arange(first, min(first + chunk, rows)) for first in range(0, max(rows, 1), chunk)]
    found = np.vstack(
        [
            sse(np.tile(grid, (len(part), 1)), np.repeat(part, len(grid))).reshape(len(part), len(grid))
            for part in parts
        ]
    )
    starts = min(STARTS, len(grid))
    best = np.argsort(found, axis=1, kind="stable")[:, :starts]
    point = grid[best].reshape(-1, 4)  # rows x starts, one after the other
    lowest = np.take_along_axis(found, best, axis=1).reshape(-1)
    step = np.full(len(point), 0.125)
    moves = np.vstack([np.eye(4)[free], -np.eye(4)[free]])
    repeat = np.repeat(np.arange(rows), starts * len(moves))
    for _ in range(SEARCH_STEPS):
        tried = np.clip(
            np.repeat(point, len(moves), axis=0)
            + np.tile(moves, (len(point), 1)) * np.repeat(step, len(moves))[:, None],
            0,
            1,
        )
        found = sse(tried, repeat).reshape(len(point), len(moves))
        better = found.argmin(axis=1)
        improved = found[np.arange(len(point)), better] < lowest
        chosen = tried.reshape(len(point), len(moves), 4)[np.arange(len(point)), better]
        point = np.where(improved[:, None], chosen, point)
        lowest = np.where(improved, found[np.arange(len(point)), better], lowest)
        step = np.where(improved, step, step / 2)
        if step.max() < 1e-7:
            break
    winner = lowest.reshape(rows, starts).argmin(axis=1)
    point = point.reshape(rows, starts, 4)[np.arange(rows), winner]
    lowest = lowest.reshape(rows, starts)[np.arange(rows), winner]
    return point, lowest


def estimate(values: np.ndarray, trend: bool, seasonal: bool) -> tuple[Parameters, np.ndarray]:
    """Return the least-squares parameters of one form for each row (series of one length), and AICc.

    With additive Gaussian errors and fixed initial states the likelihood is maximal where the sum
    of squared one-step errors is least; AICc = n log(2π SSE ÷ n) + n + 2k + 2k(k + 1) ÷ (n - k - 1)
    with k the smoothing parameters estimated plus the error variance (statsmodels' definition).
    """
    rows, n = values.shape
    level, slope, season = initial_states(values, trend, seasonal)
    point, sse = _search(values, trend, seasonal, level, slope, season)
    alpha, beta, gamma, phi = _unit_to_parameters(point, trend, seasonal)
    k = 2 + 2 * trend + seasonal
    mse = np.maximum(sse / n, 1e-12 * (1 + np.abs(values).max(axis=1) ** 2))  # a perfect fit
    aicc = n * np.log(2 * np.pi * mse) + n + 2 * k + 2 * k * (k + 1) / (n - k - 1)
    return Parameters(
        np.full(rows, trend), np.full(rows, seasonal), alpha, beta, gamma, phi, level, slope, season
    ), aicc


def impulse(params: Parameters, horizon: int) -> np.ndarray:
    """Return c_j (series x horizon, c_0 = 1): how much of month 1's error reaches month 1 + j.

    c_j = alpha + beta (phi + … + phi^j) + gamma when j is a multiple of 12 (Hyndman et al. 2008,
    class 1 models): the h-step error is e_h + c_1 e_{h-1} + … + c_{h-1} e_1.
    """
    j = np.arange(1, horizon)
    damped = np.cumsum(params.phi[:, None] ** j[None], axis=1)
    c = params.alpha[:, None] + params.beta[:, None] * damped + params.gamma[:, None] * (j % SEASON == 0)
    return np.hstack([np.ones((len(params.alpha), 1)), c])


def predict(
    params: Parameters,
    months: np.ndarray | int,
    level: np.ndarray,
    slope: np.ndarray,
    season: np.ndarray,
    horizon: int,
) -> np.ndarray:
    """Return the forecast means (series x horizon) from each series' final states after `months`."""
    h = np.arange(1, horizon + 1)
    damped = np.cumsum(params.phi[:, None] ** h[None], axis=1)
    slot = (np.reshape(months, (-1, 1)) + h[None] - 1) % SEASON
    return level[:, None] + damped * slope[:, None] + np.take_along_axis(season, slot, axis=1)


def relative_variance(params: Parameters, horizon: int) -> np.ndarray:
    """Return the h-step forecast error variance ÷ the one-step variance: 1 + c_1² + … + c_{h-1}²."""
    return np.cumsum(impulse(params, horizon) ** 2, axis=1)

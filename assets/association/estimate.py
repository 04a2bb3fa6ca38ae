"""How results move with staffing: fixed-effects (within-service) regressions with confidence intervals.

This measures association, not cause: services with more vacancies may differ in ways the model
does not see, and results may drive staffing as much as staffing drives results.
"""

from __future__ import annotations

import numpy as np
import polars as pl

WORKFORCE_MEASURES = ("vacancy_rate", "turnover_rate_12m", "sickness_rate", "agency_share")
LAGS = (0, 1, 2, 3)
MINIMUM_OBSERVATIONS = 12
# the share of findings shown that may be false, controlled over every test run (Benjamini-Hochberg)
FALSE_DISCOVERY_RATE = 0.05
RESULT_SCHEMA = {
    "service_kind": pl.String,
    "outcome": pl.String,
    "workforce_measure": pl.String,
    "lag_months": pl.Int64,
    "slope": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
    "q_value": pl.Float64,
    "tests": pl.Int64,
    "is_discovery": pl.Boolean,
    "observations": pl.Int64,
    "services": pl.Int64,
    "finding": pl.String,
}
SUMS = ("n", "xx", "xy", "yy", "within")


def _runs(frame: pl.DataFrame, keys: list[str]) -> tuple[pl.DataFrame, np.ndarray]:
    """Return the first row of each run of equal `keys` (rows sorted by them) and where each run starts."""
    first = frame.select(pl.struct(keys).is_first_distinct()).to_series().to_numpy()
    return frame.filter(first).select(keys), np.flatnonzero(first)


def _service_sums(frame: pl.DataFrame, by: list[str], pairs: dict[str, tuple[str, str]]) -> pl.DataFrame:
    """Sums over each `by` group (one service of one fit) of x and y demeaned inside the group.

    `pairs` names (x column, y column) pairs; rows where x or y is null or NaN are left out of a pair.
    Returns *by, pair and SUMS: n rows, Σx̃², Σx̃ỹ, Σỹ² and within = max |x̃|. Each sum adds its
    terms in row order (numpy over sorted rows), so the same rows give the same bits every run.
    """
    frame = frame.sort(by, maintain_order=True)
    groups, starts = _runs(frame, by)
    sizes = np.diff(np.append(starts, frame.height))
    found = []
    for name, (x_column, y_column) in pairs.items():
        x, y = (frame[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in (x_column, y_column))
        known = ~(np.isnan(x) | np.isnan(y))
        n = np.add.reduceat(known.astype(float), starts)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_mean, y_mean = (np.add.reduceat(np.where(known, v, 0.0), starts) / n for v in (x, y))
        x_tilde = np.where(known, x - np.repeat(x_mean, sizes), 0.0)
        y_tilde = np.where(known, y - np.repeat(y_mean, sizes), 0.0)
        found.append(
            groups.with_columns(
                pair=pl.lit(name),
                n=n,
                xx=np.add.reduceat(x_tilde * x_tilde, starts),
                xy=np.add.reduceat(x_tilde * y_tilde, starts),
                yy=np.add.reduceat(y_tilde * y_tilde, starts),
                within=np.maximum.reduceat(np.abs(x_tilde), starts),
            )
        )
    return pl.concat(found)


def _fits(sums: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Slope of y on x with one intercept per service, for each `keys` group of `_service_sums` rows.

    Equal to OLS on x and one dummy per service: slope = Σx̃ỹ ÷ Σx̃², RSS = Σỹ² − slope × Σx̃ỹ,
    SE = √(RSS ÷ (n − services − 1) ÷ Σx̃²), t-distribution on n − services − 1 degrees of freedom.
    Returns keys, observations, services, within, slope, ci_low, ci_high and p_value.
    """
    from scipy.special import (
        stdtr,
        stdtrit,
    )  # here, not at import: every process loading the definitions paid it

    sums = sums.sort(keys, maintain_order=True)
    fits, starts = _runs(sums, keys)
    n = sums["n"].to_numpy()
    sxx, sxy, syy = (np.add.reduceat(sums[c].to_numpy(), starts) for c in ("xx", "xy", "yy"))
    observations = np.add.reduceat(n, starts).astype(np.int64)
    services = np.add.reduceat((n > 0).astype(np.int64), starts)
    df = (observations - services - 1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = sxy / sxx
        se = np.sqrt(np.maximum(syy - slope * sxy, 0) / df / sxx)
        half = stdtrit(df, 0.975) * se
        p_value = 2 * stdtr(df, -np.abs(slope / se))
    return fits.with_columns(
        observations=observations,
        services=services,
        within=np.maximum.reduceat(sums["within"].to_numpy(), starts),
        slope=slope,
        ci_low=slope - half,
        ci_high=slope + half,
        p_value=p_value,
    )


def fixed_effects_slope(frame: pl.DataFrame, y: str, x: str) -> tuple[float, float, float, float]:
    """Return (slope, 95 % CI low, CI high, p-value) of y on x with one intercept per service."""
    fit = _fits(_service_sums(frame, ["service_code"], {"fit": (x, y)}), ["pair"])
    return fit.select("slope", "ci_low", "ci_high", "p_value").row(0)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) over every finite p-value given; NaN stays NaN.

    A test is a discovery at false discovery rate q when its adjusted p-value is at most q: of the k-th
    smallest of m p-values, m × p ÷ k, made non-decreasing from the largest down and capped at 1.
    """
    # six lines of numpy, not scipy.stats.false_discovery_control: importing scipy.stats takes about a
    # second of every run; tests check these against statsmodels' multipletests
    found = np.full(len(p_values), np.nan)
    finite = np.flatnonzero(np.isfinite(p_values))
    if finite.size:
        order = finite[np.argsort(p_values[finite], kind="stable")]
        scaled = p_values[order] * finite.size / np.arange(1, finite.size + 1)
        found[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return found


def _finding(measure: str, outcome: str, lag: int, slope: float, is_discovery: bool, tests: int) -> str:
    when = "the same month" if lag == 0 else f"{lag} month{'s' if lag > 1 else ''} later"
    name = measure.replace("_12m", "").replace("_", " ")
    if not is_discovery:
        return (
            f"No clear association between {name} and {outcome} ({when}), once the "
            f"{tests} test{'s' if tests != 1 else ''} run are allowed for."
        )
    way = "higher" if slope > 0 else "lower"
    return f"Where {name} was higher, {outcome} was {way} {when} (an association, not proof of cause)."


def associations(
    outcomes: pl.DataFrame,
    workforce: pl.DataFrame,
    lags: tuple[int, ...] = LAGS,
    outcome_names: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Estimate every outcome × workforce measure × lag within each kind of service.

    `outcomes`: service_code, service_kind, period, outcome, value (one row per outcome and month).
    `workforce`: service_code, period and the WORKFORCE_MEASURES columns.
    `outcome_names`: how each outcome code reads in the plain-words finding (default: the code).
    A fit needs MINIMUM_OBSERVATIONS service-months and a measure that changes inside some service
    (one constant inside every service cannot be told apart from the services' intercepts). Every fit is
    one of `tests`; a discovery holds at FALSE_DISCOVERY_RATE after Benjamini-Hochberg over all of them.
    """
    # staffing in month t is compared with results in month t + lag; each lag's fits are its own, so one
    # lag's rows are held at a time (all four at once took 580 MB at 1,000 areas)
    outcomes = outcomes.sort("service_code", "period")
    sums = pl.concat(
        _service_sums(
            outcomes.join(
                workforce.with_columns(pl.col("period").dt.offset_by(f"{lag}mo")),
                on=["service_code", "period"],
                how="inner",
                maintain_order="left",
            ).with_columns(lag_months=pl.lit(lag, pl.Int64)),
            ["service_kind", "outcome", "lag_months", "service_code"],
            {measure: (measure, "value") for measure in WORKFORCE_MEASURES},
        )
        for lag in lags
    )
    fits = _fits(
        sums.rename({"pair": "workforce_measure"}),
        ["service_kind", "outcome", "workforce_measure", "lag_months"],
    ).filter((pl.col("observations") >= MINIMUM_OBSERVATIONS) & (pl.col("within") > 1e-9))
    # every fit is a test: the false discovery rate is controlled over all of them, every kind and lag
    q_values = benjamini_hochberg(fits["p_value"].to_numpy())
    tests = int(np.isfinite(q_values).sum())
    fits = fits.with_columns(
        q_value=q_values,
        tests=pl.lit(tests, pl.Int64),
        is_discovery=pl.Series(q_values <= FALSE_DISCOVERY_RATE),
    )
    names = outcome_names or {}
    findings = [
        _finding(measure, names.get(outcome, outcome), lag, slope, is_discovery, tests)
        for measure, outcome, lag, slope, is_discovery in fits.select(
            "workforce_measure", "outcome", "lag_months", "slope", "is_discovery"
        ).iter_rows()
    ]
    return (
        fits.with_columns(finding=pl.Series(findings, dtype=pl.String))
        .select(pl.col(c).cast(t) for c, t in RESULT_SCHEMA.items())
        .sort("service_kind", "outcome", "workforce_measure", "lag_months")
    )

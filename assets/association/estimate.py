"""How results move with staffing: fixed-effects regressions with confidence intervals (statsmodels).

This measures association, not cause: services with more vacancies may differ in ways the model
does not see, and results may drive staffing as much as staffing drives results.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import statsmodels.api as sm

WORKFORCE_MEASURES = ("vacancy_rate", "turnover_rate_12m", "sickness_rate", "agency_share")
LAGS = (0, 1, 2, 3)
MINIMUM_OBSERVATIONS = 12
RESULT_SCHEMA = {
    "service_kind": pl.String, "outcome": pl.String, "workforce_measure": pl.String,
    "lag_months": pl.Int64, "slope": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
    "p_value": pl.Float64, "observations": pl.Int64, "services": pl.Int64, "finding": pl.String,
}


def fixed_effects_slope(frame: pl.DataFrame, y: str, x: str) -> tuple[float, float, float, float]:
    """Return (slope, 95 % CI low, CI high, p-value) of y on x with one intercept per service."""
    dummies = frame["service_code"].to_dummies().to_numpy().astype(float)
    design = np.column_stack([frame[x].to_numpy().astype(float), dummies])
    fit = sm.OLS(frame[y].to_numpy().astype(float), design).fit()
    low, high = fit.conf_int(alpha=0.05)[0]
    return float(fit.params[0]), float(low), float(high), float(fit.pvalues[0])


def _varies_within_services(sample: pl.DataFrame, column: str) -> bool:
    """A measure constant inside every service cannot be told apart from the services' intercepts."""
    within = sample.select((pl.col(column) - pl.col(column).mean().over("service_code")).abs().max()).item()
    return within is not None and within > 1e-9


def _finding(measure: str, outcome: str, lag: int, low: float, high: float) -> str:
    when = "the same month" if lag == 0 else f"{lag} month{'s' if lag > 1 else ''} later"
    name = measure.replace("_12m", "").replace("_", " ")
    if low <= 0 <= high:
        return f"No clear association between {name} and {outcome} ({when})."
    way = "higher" if low > 0 else "lower"
    return (f"Where {name} was higher, {outcome} was {way} {when} "
            "(an association, not proof of cause).")


def associations(outcomes: pl.DataFrame, workforce: pl.DataFrame,
                 lags: tuple[int, ...] = LAGS) -> pl.DataFrame:
    """Estimate every outcome × workforce measure × lag within each kind of service.

    `outcomes`: service_code, service_kind, period, outcome, value (one row per outcome and month).
    `workforce`: service_code, period and the WORKFORCE_MEASURES columns.
    """
    results = []
    for lag in lags:
        # staffing in month t is compared with results in month t + lag
        shifted = workforce.with_columns(pl.col("period").dt.offset_by(f"{lag}mo"))
        joined = outcomes.join(shifted, on=["service_code", "period"], how="inner")
        for (kind, outcome), group in joined.group_by(["service_kind", "outcome"], maintain_order=True):
            for measure in WORKFORCE_MEASURES:
                sample = group.drop_nulls(["value", measure]).filter(pl.col("value").is_not_nan())
                if sample.height < MINIMUM_OBSERVATIONS or not _varies_within_services(sample, measure):
                    continue
                slope, low, high, p_value = fixed_effects_slope(sample, "value", measure)
                results.append((kind, outcome, measure, lag, slope, low, high, p_value, sample.height,
                                sample["service_code"].n_unique(),
                                _finding(measure, outcome, lag, low, high)))
    return pl.DataFrame(results, schema=RESULT_SCHEMA, orient="row").sort(
        "service_kind", "outcome", "workforce_measure", "lag_months")

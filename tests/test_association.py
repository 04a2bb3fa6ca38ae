"""The association estimator on a panel with a known slope, and on one with none."""

from datetime import date

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from assets.association.estimate import associations, benjamini_hochberg, fixed_effects_slope


def panel(slope: float, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    rows, staff = [], []
    for s in range(6):
        level = 50 + 10 * s  # services differ a lot: only fixed effects recover the slope
        for m in range(24):
            period = date(2023 + m // 12, m % 12 + 1, 1)
            vacancy = rng.uniform(2, 25) + s
            rows.append((f"S{s}", "K", period, "OUTCOME", level + slope * vacancy + rng.normal(0, 0.5)))
            staff.append((f"S{s}", period, vacancy, None, rng.uniform(2, 6), rng.uniform(0, 10)))
    outcomes = pl.DataFrame(
        rows, orient="row", schema=["service_code", "service_kind", "period", "outcome", "value"]
    )
    workforce = pl.DataFrame(
        staff,
        orient="row",
        schema={
            "service_code": pl.String,
            "period": pl.Date,
            "vacancy_rate": pl.Float64,
            "turnover_rate_12m": pl.Float64,
            "sickness_rate": pl.Float64,
            "agency_share": pl.Float64,
        },
    )
    return outcomes, workforce


def test_fixed_effects_slope_matches_a_hand_computed_within_estimate():
    frame = pl.DataFrame(
        {
            "service_code": ["A", "A", "A", "B", "B", "B"],
            "x": [1.0, 2.0, 3.0, 1.0, 2.0, 3.0],
            "y": [10.0, 12.0, 14.5, 20.0, 21.5, 24.0],
        }
    )
    # demeaned within service: x -1, 0, 1 in both; y A -2.1667, -0.1667, 2.3333; B -1.8333, -0.3333, 2.1667
    # slope = sum(x*y) / sum(x*x) = (2.1667 + 2.3333 + 1.8333 + 2.1667) / 4 = 2.125
    slope, low, high, _ = fixed_effects_slope(frame, "y", "x")
    assert slope == pytest.approx(2.125)
    assert low < slope < high


@pytest.mark.parametrize(("seed", "slope"), [(0, 0.0), (1, -0.4), (2, 1.5)])
def test_fixed_effects_slope_equals_ols_with_one_dummy_per_service(seed, slope):
    # unbalanced: 1 to 30 months per service, and service S0 seen once (its dummy fits it exactly)
    rng = np.random.default_rng(seed)
    months = [1, *rng.integers(2, 31, size=11)]
    code = np.repeat([f"S{s}" for s in range(12)], months)
    level = np.repeat(rng.normal(50, 20, size=12), months)
    x = np.repeat(rng.uniform(0, 20, size=12), months) + rng.normal(0, 3, size=code.size)
    y = level + slope * x + rng.normal(0, 2, size=code.size)
    frame = pl.DataFrame({"service_code": code, "x": x, "y": y}).sample(fraction=1, shuffle=True, seed=seed)
    # independent method: statsmodels OLS on x and one dummy column per service (no global constant)
    dummies = frame["service_code"].to_dummies().to_numpy().astype(float)
    ols = sm.OLS(frame["y"].to_numpy(), np.column_stack([frame["x"].to_numpy(), dummies])).fit()
    expected = (ols.params[0], *ols.conf_int(alpha=0.05)[0], ols.pvalues[0])
    assert fixed_effects_slope(frame, "y", "x") == pytest.approx(expected, rel=1e-9, abs=0)


def test_planted_slope_is_inside_the_interval_and_unplanted_measures_are_null():
    outcomes, workforce = panel(slope=-0.6)
    found = associations(outcomes, workforce, lags=(0,))
    vacancy = found.filter(pl.col("workforce_measure") == "vacancy_rate").row(0, named=True)
    assert vacancy["ci_low"] <= -0.6 <= vacancy["ci_high"]
    assert vacancy["ci_high"] < 0 and "lower" in vacancy["finding"]
    assert (vacancy["observations"], vacancy["services"]) == (144, 6)
    agency = found.filter(pl.col("workforce_measure") == "agency_share").row(0, named=True)
    assert agency["ci_low"] <= 0 <= agency["ci_high"]
    assert agency["finding"].startswith("No clear association")
    assert "turnover_rate_12m" not in found["workforce_measure"].to_list()  # no data at all


def test_intervals_cover_the_truth_about_95_times_in_100():
    # over 60 panels the 95 % interval should hold the planted slope (and zero, for a measure with no
    # effect) in about 57; a binomial(60, 0.95) falls below 52 less than once in a thousand runs
    covered = {"vacancy_rate": 0, "sickness_rate": 0, "agency_share": 0}
    truth = {"vacancy_rate": -0.6, "sickness_rate": 0.0, "agency_share": 0.0}
    for seed in range(60):
        found = associations(*panel(slope=-0.6, seed=seed), lags=(0,))
        for row in found.iter_rows(named=True):
            measure = row["workforce_measure"]
            covered[measure] += row["ci_low"] <= truth[measure] <= row["ci_high"]
    assert all(52 <= n <= 60 for n in covered.values()), covered


def test_lags_compare_staffing_with_later_results():
    outcomes, workforce = panel(slope=-0.6)
    found = associations(outcomes, workforce, lags=(0, 2))
    lagged = found.filter((pl.col("workforce_measure") == "vacancy_rate") & (pl.col("lag_months") == 2))
    assert lagged["observations"].item() == 6 * 22  # the first two months have no staffing before them
    assert lagged["ci_low"].item() <= 0 <= lagged["ci_high"].item()  # vacancies here are not persistent


def test_a_measure_constant_within_each_service_is_not_estimated():
    outcomes, workforce = panel(slope=-0.6)
    # agency share differs between services but never changes inside one: fixed effects absorb it
    level = workforce.with_columns(pl.col("service_code").str.slice(1).cast(pl.Float64).alias("agency_share"))
    found = associations(outcomes, level, lags=(0,))
    assert "agency_share" not in found["workforce_measure"].to_list()
    assert "vacancy_rate" in found["workforce_measure"].to_list()


def test_estimates_are_the_same_to_the_last_bit_whatever_order_the_rows_come_in():
    rng = np.random.default_rng(5)
    services = [f"S{s:02d}" for s in range(40)]
    months = [date(2023 + m // 12, m % 12 + 1, 1) for m in range(36)]
    workforce = pl.DataFrame(
        [(s, p, *rng.uniform(0, 30, 4)) for s in services for p in months],
        orient="row",
        schema=[
            "service_code",
            "period",
            "vacancy_rate",
            "turnover_rate_12m",
            "sickness_rate",
            "agency_share",
        ],
    )
    outcomes = pl.DataFrame(
        [(s, "K", p, f"OUTCOME_{o}", rng.normal(60, 9)) for s in services for p in months for o in range(4)],
        orient="row",
        schema=["service_code", "service_kind", "period", "outcome", "value"],
    )
    first = associations(outcomes, workforce)
    for seed in range(4):
        shuffled = associations(
            outcomes.sample(fraction=1, shuffle=True, seed=seed),
            workforce.sample(fraction=1, shuffle=True, seed=seed),
        )
        assert shuffled.equals(first)


def test_findings_name_the_outcome_in_words_when_given_its_name():
    outcomes, workforce = panel(slope=-0.6)
    found = associations(outcomes, workforce, lags=(0,), outcome_names={"OUTCOME": "people still at home"})
    vacancy = found.filter(pl.col("workforce_measure") == "vacancy_rate").row(0, named=True)
    assert vacancy["outcome"] == "OUTCOME"  # the code stays the key
    assert vacancy["finding"] == (
        "Where vacancy rate was higher, people still at home was lower the same "
        "month (an association, not proof of cause)."
    )


def test_benjamini_hochberg_gives_the_adjusted_p_values_worked_by_hand():
    # docs/metrics.md: m = 8; m × p ÷ k = 0.008, 0.032, 0.104, 0.082, 0.0672, 0.08, 0.0846, 0.205, each
    # then the smallest of itself and those above it; given out of order, with a test that gave no p-value
    p = np.array([0.205, 0.001, 0.042, np.nan, 0.039, 0.008, 0.074, 0.041, 0.060])
    expected = [0.205, 0.008, 0.0672, np.nan, 0.0672, 0.032, 8 * 0.074 / 7, 0.0672, 0.08]
    assert benjamini_hochberg(p) == pytest.approx(expected, rel=1e-12, nan_ok=True)
    # a second method: statsmodels' multipletests
    finite = np.isfinite(p)
    reject, adjusted, _, _ = multipletests(p[finite], alpha=0.05, method="fdr_bh")
    assert benjamini_hochberg(p)[finite] == pytest.approx(adjusted, rel=1e-12)
    assert reject.sum() == 2 and (p[finite] < 0.05).sum() == 5
    # many p-values, some tied and some above 1 once scaled
    many = np.random.default_rng(3).random(500) ** 2
    many[::9] = many[0]
    assert benjamini_hochberg(many) == pytest.approx(multipletests(many, method="fdr_bh")[1], rel=1e-12)


def test_findings_are_controlled_over_every_test_run():
    outcomes, workforce = panel(slope=-0.6)
    found = associations(outcomes, workforce)
    assert (found["tests"] == found.height).all()  # every fit of every kind and lag is one test
    assert found["q_value"].to_list() == pytest.approx(
        benjamini_hochberg(found["p_value"].to_numpy()).tolist(), rel=1e-12
    )
    assert (found["q_value"] >= found["p_value"]).all()
    assert found["is_discovery"].to_list() == (found["q_value"] <= 0.05).to_list()
    for row in found.iter_rows(named=True):
        assert row["finding"].startswith("Where") == row["is_discovery"]
        assert "1 months" not in row["finding"]
        if not row["is_discovery"]:
            assert f"once the {found.height} tests run are allowed for" in row["finding"]

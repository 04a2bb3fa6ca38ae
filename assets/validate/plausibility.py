"""How far a partner's monthly outcome figure moved from its previous month, for the plausibility rule."""

from __future__ import annotations

import duckdb
import polars as pl

# The submission type whose rows are checked against the partner's figure for the month before.
PLAUSIBILITY_CHECKED = "outcomes"
KEY = ["partner_code", "service_code", "measure_code", "period"]
FIGURES = ["numerator", "denominator", "value"]
ORDER = ["submitted_on", "loaded_at", "file_name", "row_number"]
# what the change needs of every row checked in the batch
BATCH_COLUMNS = KEY + FIGURES + ORDER + ["period_grain"]

HISTORY_SQL = f"""
    select {", ".join(KEY + FIGURES + ORDER)}
    from validated.outcomes
    where period_grain = 'month'
"""
BOUNDS_SQL = """
    select measure_code, cast(plausible_monthly_change_pct as double) as plausible_monthly_change_pct
    from seeds.measure_plausibility
"""


def _figure(prefix: str = "") -> pl.Expr:
    """The partner's own figure: its rate (scaled as the measure's unit says) or its count."""
    numerator, denominator = pl.col(f"{prefix}numerator"), pl.col(f"{prefix}denominator")
    scale = pl.when(pl.col("unit") == "rate_per_1000").then(1000.0).otherwise(100.0)
    return (
        pl.when(pl.col("value_type") != "rate")
        .then(pl.col(f"{prefix}value"))
        .when(denominator > 0)
        .then(scale * numerator / denominator)
    )


def with_monthly_change(
    rows: pl.DataFrame, con: duckdb.DuckDBPyConnection, batch: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Add `monthly_change_pct` and the measure's `plausible_monthly_change_pct` to outcome rows.

    The change compares a row's figure with the partner's figure for the month before, as it stands
    (its latest submission among the rows already loaded and the rows being checked), as a
    percentage of the larger of the two; empty when either is missing or both are zero.
    `rows` carry `value_type` and `unit` of their measure; `batch` (`BATCH_COLUMNS`) holds every row being
    checked when `rows` are a part of them.
    """
    checked = (
        (rows if batch is None else batch)
        .filter(pl.col("period_grain") == "month")
        .select(KEY + FIGURES + ORDER)
    )
    latest = (
        pl.concat([con.execute(HISTORY_SQL).pl(), checked], how="vertical_relaxed")
        .sort(ORDER)
        .unique(KEY, keep="last")
        .select(
            *KEY[:-1],
            pl.col("period").dt.offset_by("1mo"),
            *(pl.col(c).alias(f"previous_{c}") for c in FIGURES),
        )
    )
    joined = rows.join(latest, on=KEY, how="left", maintain_order="left").join(
        con.execute(BOUNDS_SQL).pl(), on="measure_code", how="left", maintain_order="left"
    )
    figure, previous = _figure(), _figure("previous_")
    larger = pl.max_horizontal(figure.abs(), previous.abs())
    change = pl.when(pl.col("period_grain") == "month").then(
        100 * (figure - previous).abs() / pl.when(larger > 0).then(larger)
    )
    return joined.with_columns(change.alias("monthly_change_pct")).drop(f"previous_{c}" for c in FIGURES)

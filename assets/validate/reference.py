"""Reference-data facts that the suites check codes against, and the columns they need for it."""

from __future__ import annotations

import duckdb
import polars as pl

from assets.contract import SubmissionType
from assets.validate.plausibility import PLAUSIBILITY_CHECKED, with_monthly_change

PARAMETER_QUERIES = {
    "known_partners": "select partner_code from seeds.partners",
    "known_services": "select service_code from seeds.joint_services",
    "known_measures": "select measure_code from seeds.measures",
    "known_staff_groups": "select staff_group_code from seeds.staff_groups",
    "partner_services": "select partner_code || '|' || service_code from seeds.service_partners",
    "service_measures": "select service_code || '|' || measure_code from seeds.service_measures",
}


def suite_parameters(con: duckdb.DuckDBPyConnection) -> dict[str, list[str] | float]:
    """Return what the suites' `$PARAMETER`s refer to, read from the seeds.

    They are the code sets (`known_partners`, ...) and each column's ceiling from
    `seeds.figure_ceilings`, named `ceiling_<submission type>_<column>`.
    """
    parameters: dict[str, list[str] | float] = {
        name: [v for (v,) in con.execute(sql).fetchall()] for name, sql in PARAMETER_QUERIES.items()
    }
    ceilings = con.execute(
        "select submission_type, column_name, cast(ceiling as double) from seeds.figure_ceilings"
    ).fetchall()
    parameters |= {f"ceiling_{kind}_{column}": ceiling for kind, column, ceiling in ceilings}
    return parameters


def with_check_columns(
    rows: pl.DataFrame,
    con: duckdb.DuckDBPyConnection,
    kind: SubmissionType,
    batch: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Add the derived columns the suites test to typed submission rows.

    They are the code pairs, the measure's type and unit, the submission month, the service's first
    month, funded FTE, and (outcomes) the change from the partner's previous month.
    `<column>_reported` is set where a figure was given or suppressed ("*"), so that a suppressed
    figure meets the `required` rule without being read as a number.
    """
    derived = [
        pl.col("submitted_on").dt.truncate("1mo").cast(pl.Date).alias("submitted_month"),
        pl.concat_str("partner_code", "service_code", separator="|").alias("partner_service"),
        *(
            pl.when(pl.col(c).is_not_null() | pl.col("suppressed_columns").list.contains(c))
            .then(pl.lit(True))
            .alias(f"{c}_reported")
            for c in kind.suppressible
        ),
    ]
    starts = con.execute(
        "select service_code, cast(start_period as date) as service_start from seeds.joint_services"
    ).pl()
    rows = rows.join(starts, on="service_code", how="left", maintain_order="left")
    if "measure_code" in rows.columns:
        measures = con.execute("select measure_code, value_type, unit from seeds.measures").pl()
        rows = rows.join(measures, on="measure_code", how="left", maintain_order="left")
        derived.append(pl.concat_str("service_code", "measure_code", separator="|").alias("service_measure"))
    if "vacant_fte" in rows.columns:
        derived.append((pl.col("contracted_fte") + pl.col("vacant_fte")).alias("funded_fte"))
    rows = rows.with_columns(derived)
    if kind.item:
        rows = with_card_text(rows, kind)
    return with_monthly_change(rows, con, batch) if kind.name == PLAUSIBILITY_CHECKED else rows


def with_card_text(rows: pl.DataFrame, kind: SubmissionType) -> pl.DataFrame:
    """Add `<text>_on_card`: each free text of a key's rows (a report card) as its first row in the file
    gives it (the first row giving it), for the rules that a card has its text and that rows repeat it."""
    card = ["file_hash", "sheet_name", *kind.key, "period_grain"]
    texts = [c for c in kind.free_text if c not in kind.item]
    return rows.with_columns(
        pl.col(c).sort_by("row_number").drop_nulls().first().over(card).alias(f"{c}_on_card") for c in texts
    )

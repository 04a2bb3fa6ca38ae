"""Reference-data facts that the suites check codes against, and the columns they need for it."""

from __future__ import annotations

import duckdb
import polars as pl

from assets.contract import SubmissionType

PARAMETER_QUERIES = {
    "known_partners": "select partner_code from seeds.partners",
    "known_services": "select service_code from seeds.joint_services",
    "known_measures": "select measure_code from seeds.measures",
    "known_staff_groups": "select staff_group_code from seeds.staff_groups",
    "partner_services": "select partner_code || '|' || service_code from seeds.service_partners",
    "service_measures": "select service_code || '|' || measure_code from seeds.service_measures",
}


def suite_parameters(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Return the value sets the suites' `$PARAMETER`s refer to, read from the seeds."""
    return {name: [v for (v,) in con.execute(sql).fetchall()]
            for name, sql in PARAMETER_QUERIES.items()}


def with_check_columns(rows: pl.DataFrame, con: duckdb.DuckDBPyConnection,
                       kind: SubmissionType) -> pl.DataFrame:
    """Add the derived columns the suites test: code pairs, measure value type, submission month.

    `<column>_reported` is set where a figure was given or suppressed ("*"), so that a suppressed
    figure meets the `required` rule without being read as a number.
    """
    derived = [pl.col("submitted_on").dt.truncate("1mo").cast(pl.Date).alias("submitted_month"),
               pl.concat_str("partner_code", "service_code", separator="|").alias("partner_service"),
               *(pl.when(pl.col(c).is_not_null() | pl.col("suppressed_columns").list.contains(c))
                 .then(pl.lit(True)).alias(f"{c}_reported") for c in kind.suppressible)]
    if "measure_code" in rows.columns:
        value_types = con.execute("select measure_code, value_type from seeds.measures").pl()
        rows = rows.join(value_types, on="measure_code", how="left")
        derived.append(pl.concat_str("service_code", "measure_code", separator="|")
                       .alias("service_measure"))
    return rows.with_columns(derived)

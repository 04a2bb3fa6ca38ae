"""Validate a published mart with its suite (`expectations/mart_<name>.json`), compiled to SQL."""

from __future__ import annotations

import duckdb
import polars as pl

from assets.validate.suites import SuiteResult, run_suite

# The marts scorecards and analysts rely on; each has a suite of its own.
CHECKED_MARTS = ("fct_measure_period", "scorecard_service_period", "fct_workforce_period", "pay_parity",
                 "accountability", "peer_benchmark", "partner_data_quality")
# A mart's rows as its suite sees them: some rules need the measure's unit from reference data.
FRAMES = {
    "fct_measure_period": "select f.*, m.unit from marts.fct_measure_period as f "
                          "left join seeds.measures as m using (measure_code)",
    "accountability": "select a.*, m.unit from marts.accountability as a "
                      "left join seeds.measures as m using (measure_code)",
}


def mart_suite_name(mart: str) -> str:
    """Return the name of a mart's suite (its file in `expectations/`)."""
    return f"mart_{mart}"


def validate_mart(con: duckdb.DuckDBPyConnection, mart: str) -> SuiteResult:
    """Run the mart's suite over every row of `marts.<mart>`."""
    frame = con.execute(FRAMES.get(mart, f"select * from marts.{mart}")).pl()
    rows = frame.with_row_index("row_id").with_columns(pl.col("row_id").cast(pl.Int64))
    return run_suite(rows, mart_suite_name(mart), {})

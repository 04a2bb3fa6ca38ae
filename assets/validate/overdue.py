"""Returns that are overdue: past their deadline and still not received."""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

OVERDUE_SQL = """
    select q.partner_code, p.partner_name, q.submission_type, q.period, q.deadline,
           q.returns_expected - q.returns_received as returns_missing,
           date_diff('day', q.deadline, $today) as days_overdue
    from marts.partner_data_quality as q
    left join marts.dim_partner as p using (partner_code)
    where q.deadline < $today and q.returns_received < q.returns_expected
    order by q.partner_code, q.submission_type, q.period
"""


def overdue_returns(con: duckdb.DuckDBPyConnection, today: date) -> pl.DataFrame:
    """Return each partner, type and month whose expected returns are past the deadline and missing."""
    return con.execute(OVERDUE_SQL, {"today": today}).pl()


@dg.asset_check(asset=dg.AssetKey(["marts", "partner_data_quality"]), name="no_returns_overdue",
                description="Partners whose returns are past their deadline (seeds.submission_deadlines) "
                            "and still missing; a warning for the partnership team to chase.")
def no_returns_overdue(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Warn about overdue returns, by partner."""
    with duckdb.get_connection() as con:
        overdue = overdue_returns(con, date.today())
    by_partner = (overdue.group_by("partner_code", "partner_name").agg(
        pl.col("returns_missing").sum(), pl.len().alias("months")).sort("partner_code"))
    return dg.AssetCheckResult(
        passed=overdue.is_empty(), severity=dg.AssetCheckSeverity.WARN,
        metadata={"partners_with_overdue_returns": by_partner.height,
                  "returns_missing": int(overdue["returns_missing"].sum()) if overdue.height else 0,
                  "by_partner": by_partner.to_dicts()[:50]})

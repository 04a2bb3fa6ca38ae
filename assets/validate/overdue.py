"""Returns that are overdue: past their deadline and still not received, judged against the calendar.

`marts.partner_data_quality` knows the months up to the latest one any service of a kind reported; a
month after it whose deadline has passed is overdue too, for every partner that owed that kind of return
in the mart's latest month (as many returns as it owed then), unless its rows for the month arrived or
the month is after the last one it owes (intermediate.int_returns_owed). Only returns owed can be
overdue: a type the reference data (or the scenario) declares owed by nobody never is.
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.query import one_row

# as marts.partner_data_quality: a type the reference data does not name is due 15 working days after
DEFAULT_WORKING_DAYS = 15

OVERDUE_SQL = """
    select q.partner_code, p.partner_name, q.submission_type, q.period, q.deadline,
           q.returns_expected - q.returns_received as returns_missing,
           date_diff('day', q.deadline, $today) as days_overdue
    from marts.partner_data_quality as q
    left join marts.dim_partner as p using (partner_code)
    where q.deadline < $today and q.returns_received < q.returns_expected
"""
# months after the mart's last one: (type, month, deadline) given as lists; rows received for the month
# (accepted or held back) count as its returns
CALENDAR_SQL = """
    with calendar as (
        select unnest($types) as submission_type, unnest($periods) as period,
               unnest($deadlines) as deadline
    ),
    owed as (
        select submission_type, partner_code, max(period) as last_period,
               arg_max(returns_expected, period) as returns_expected
        from marts.partner_data_quality
        group by all
    ),
    -- the last month each partner owes each type (null: every month)
    owed_until as (
        select submission_type, partner_code,
               case when bool_or(last_period is null) then null else max(last_period) end as last_owed
        from intermediate.int_returns_owed
        group by all
    ),
    arrived as (
        select 'outcomes' as submission_type, partner_code, service_code, period
        from staging.stg_outcomes where period_grain = 'month'
        union all select 'workforce', partner_code, service_code, period from staging.stg_workforce
        union all select 'finance', partner_code, service_code, period from staging.stg_finance
        union all select 'targets', set_by_partner_code, service_code, period from staging.stg_targets
        union all select submission_type, partner_code, service_code, period
        from intermediate.int_quarantined_rows where period_grain = 'month'
    ),
    received as (
        select submission_type, partner_code, period, count(distinct service_code) as returns_received
        from arrived group by all
    )
    select o.partner_code, p.partner_name, o.submission_type, c.period, c.deadline,
           o.returns_expected - coalesce(r.returns_received, 0) as returns_missing,
           date_diff('day', c.deadline, $today) as days_overdue
    from owed as o
    join calendar as c on c.submission_type = o.submission_type and c.period > o.last_period
    join owed_until as u
        on u.submission_type = o.submission_type and u.partner_code = o.partner_code
        and (u.last_owed is null or c.period <= u.last_owed)
    left join received as r
        on r.submission_type = o.submission_type and r.partner_code = o.partner_code
        and r.period = c.period
    left join marts.dim_partner as p on p.partner_code = o.partner_code
    where o.returns_expected > coalesce(r.returns_received, 0)
"""
COLUMNS = [
    "partner_code",
    "partner_name",
    "submission_type",
    "period",
    "deadline",
    "returns_missing",
    "days_overdue",
]


def return_deadline(period: date, working_days: int, holidays: frozenset[date]) -> date:
    """The day a month's return is due: the `working_days`-th working day (Monday to Friday, not a bank
    holiday) after the month ends; the month's last day when 0."""
    day = _month_after(period) - timedelta(days=1)
    left = working_days
    while left:
        day += timedelta(days=1)
        if day.isoweekday() <= 5 and day not in holidays:
            left -= 1
    return day


def latest_month_due(today: date, working_days: int, holidays: frozenset[date]) -> date:
    """The latest month whose return was due before `today`."""
    period = _month_before(date(today.year, today.month, 1))
    while return_deadline(period, working_days, holidays) >= today:
        period = _month_before(period)
    return period


def deadline_rules(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], frozenset[date]]:
    """Working days allowed per submission type (reference data) and the bank holidays."""
    allowed = {
        kind: int(days)
        for kind, days in con.execute(
            "select submission_type, working_days_after_month_end from seeds.submission_deadlines"
        ).fetchall()
    }
    holidays = frozenset(
        d for (d,) in con.execute("select cast(holiday_date as date) from seeds.bank_holidays").fetchall()
    )
    return allowed, holidays


def working_days_allowed(allowed: dict[str, int], kind: str) -> int:
    """The working days a type's return is allowed after its month ends (15 when not named)."""
    return allowed.get(kind, DEFAULT_WORKING_DAYS)


def _calendar(con: duckdb.DuckDBPyConnection, today: date) -> tuple[list[str], list[date], list[date]]:
    """Every (type, month, deadline) from the mart's first month after its last to the last month due."""
    allowed, holidays = deadline_rules(con)
    types, periods, deadlines = [], [], []
    for kind, (last,) in (
        (
            k,
            one_row(
                con.execute(
                    "select max(period) from marts.partner_data_quality where submission_type = ?", [k]
                )
            ),
        )
        for k in sorted(
            {
                k
                for (k,) in con.execute(
                    "select distinct submission_type from marts.partner_data_quality"
                ).fetchall()
            }
        )
    ):
        days = working_days_allowed(allowed, kind)
        due = latest_month_due(today, days, holidays)
        period = _month_after(last) if last else due
        while last and period <= due:
            types.append(kind)
            periods.append(period)
            deadlines.append(return_deadline(period, days, holidays))
            period = _month_after(period)
    return types, periods, deadlines


def overdue_returns(con: duckdb.DuckDBPyConnection, today: date) -> pl.DataFrame:
    """Return each partner, type and month whose expected returns are past the deadline and missing:
    the months the mart holds, and the calendar's months after them."""
    held = con.execute(OVERDUE_SQL, {"today": today}).pl()
    types, periods, deadlines = _calendar(con, today)
    later = (
        con.execute(
            CALENDAR_SQL, {"today": today, "types": types, "periods": periods, "deadlines": deadlines}
        ).pl()
        if types
        else held.clear()
    )
    return (
        pl.concat([held, later.select(held.columns)])
        .select(COLUMNS)
        .sort("partner_code", "submission_type", "period")
    )


def _month_after(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def _month_before(period: date) -> date:
    return date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


@dg.asset_check(
    asset=dg.AssetKey(["marts", "partner_data_quality"]),
    name="no_returns_overdue",
    description="Partners whose returns are past their deadline (seeds.submission_deadlines) "
    "and still missing, to today's date; a warning for the partnership team to "
    "chase.",
)
def no_returns_overdue(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Warn about overdue returns, by partner."""
    with duckdb.get_connection() as con:
        overdue = overdue_returns(con, date.today())
    by_partner = (
        overdue.group_by("partner_code", "partner_name")
        .agg(pl.col("returns_missing").sum(), pl.len().alias("months"))
        .sort("partner_code")
    )
    return dg.AssetCheckResult(
        passed=overdue.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "partners_with_overdue_returns": by_partner.height,
            "returns_missing": int(overdue["returns_missing"].sum()) if overdue.height else 0,
            "by_partner": by_partner.to_dicts()[:50],
        },
    )

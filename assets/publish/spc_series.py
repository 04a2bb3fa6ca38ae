"""The SPC series the site charts: their chart rows already serialised, and what they say in words.

DuckDB rounds and serialises the rows of many services at once (a site reads a batch of services at a
time). A figure is written as Python's
`json.dumps(round(x, 4))` writes it: DuckDB's `format('{:.4f}')` rounds the exact binary value as
`round` does, and its shortest text of the double read back is Python's `repr`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from assets.publish.chart_views import safe_json
from assets.publish.display import variation_badge

TOO_FEW = "too few points for limits"  # a segment's limits status when it has too few values for limits
CANNOT_COMPUTE = "limits cannot be computed"  # ... when its moving ranges all screened out


def sql_json_number(column: str) -> str:
    """SQL for a column's value as JSON, rounded to 4 places; null when missing or not finite."""
    return (
        f"case when isfinite({column}) then "
        f"cast(cast(format('{{:.4f}}', {column}) as double) as varchar) else 'null' end"
    )


_SERIES_SQL = f"""
    with labels as (
        select unnest($point_types::varchar[]) as point_type, unnest($labels::varchar[]) as label,
               unnest($label_json::varchar[]) as label_json
    ),
    points as (
        select s.service_code, s.measure_code, s.period, s.segment, s.limits_status, s.value, s.mean,
               s.upper_limit, s.lower_limit, f.target, l.label,
               strftime(s.period, '%b %Y') as month,
               row_number() over w > 1 and s.segment is distinct from lag(s.segment) over w as rebase,
               '{{"period":"' || strftime(s.period, '%Y-%m-%d') || '","month":"' || month
               || '","value":' || {sql_json_number("s.value")} || ',"mean":' || {sql_json_number("s.mean")}
               || ',"upper_limit":' || {sql_json_number("s.upper_limit")}
               || ',"lower_limit":' || {sql_json_number("s.lower_limit")}
               || ',"target":' || {sql_json_number("f.target")}
               || ',"segment":' || coalesce(cast(s.segment as varchar), 'null')
               || ',"point_type":' || coalesce(l.label_json, 'null')
               || ',"rebase":' || case when rebase then 'true' else 'false' end || '}}' as json
        from marts.fct_measure_spc as s
        left join marts.fct_measure_period as f
            on f.service_code = s.service_code and f.measure_code = s.measure_code
            and f.period = s.period
        left join labels as l on l.point_type = s.point_type
        {{chosen_points}}
        window w as (partition by s.service_code, s.measure_code order by s.period)
    ),
    segments as (
        select service_code, measure_code, segment, arg_min(month, period) as first_month,
               bool_or(limits_status = $too_few) as too_few,
               bool_or(limits_status = $cannot_compute) as cannot_compute
        from points
        group by all
    ),
    series as (
        select p.service_code, p.measure_code,
               string_agg(p.json, ',' order by p.period) as points_json,
               arg_min(p.month, p.period) as first_month, arg_max(p.month, p.period) as last_month,
               bool_or(isfinite(p.mean)) as has_mean, bool_or(isfinite(p.upper_limit)) as has_limits,
               bool_or(isfinite(p.target)) as has_target,
               coalesce(list(p.month order by p.period) filter (where p.rebase), []) as rebases,
               coalesce(list(p.label order by p.period) filter (where p.label like '%Special%'), [])
                   as special,
               arg_max((p.period, p.value, p.mean, p.lower_limit, p.upper_limit, p.target), p.period)
                   filter (where isfinite(p.value)) as latest,
               any_value(g.segments) as segments, any_value(g.without_limits) as without_limits,
               any_value(g.not_computed) as not_computed,
               arg_max(p.limits_status, p.period) as latest_limits_status
        from points as p
        join (select service_code, measure_code, count(*) as segments,
                     coalesce(list(first_month order by segment) filter (where too_few), [])
                         as without_limits,
                     coalesce(list(first_month order by segment) filter (where cannot_compute), [])
                         as not_computed
              from segments group by all) as g
            using (service_code, measure_code)
        group by p.service_code, p.measure_code
    ),
    -- the forecast months; year-end columns repeat on every row of a series, so month 1's are taken
    forecasts as (
        select service_code, measure_code, max(period) as last_period,
               string_agg('{{"period":"' || strftime(period, '%Y-%m-%d') || '","month":"'
                   || strftime(period, '%b %Y') || '","months_ahead":' || months_ahead
                   || ',"forecast":' || {sql_json_number("forecast")}
                   || ',"lower_80":' || {sql_json_number("lower_80")}
                   || ',"upper_80":' || {sql_json_number("upper_80")}
                   || ',"lower_95":' || {sql_json_number("lower_95")}
                   || ',"upper_95":' || {sql_json_number("upper_95")} || '}}', ',' order by period)
                   as json,
               any_value({{'next_period': period, 'next_forecast': forecast, 'next_lower_80': lower_80,
                          'next_upper_80': upper_80, 'last_actual_period': last_actual_period,
                          'year_end_period': year_end_period, 'judged_on': judged_on,
                          'year_end_forecast': year_end_forecast, 'year_end_target': year_end_target,
                          'probability_meeting_target': probability_meeting_target, 'verdict': verdict,
                          'beats_naive': beats_naive}}) filter (where months_ahead = 1) as outlook
        from marts.fct_measure_forecast
        {{chosen}}
        group by all
    ),
    -- the latest actual as the forecast's month 0, every bound at its value: the line and bands leave it
    starts as (
        select f.service_code, f.measure_code,
               '{{"period":"' || strftime(p.period, '%Y-%m-%d') || '","month":"' || p.month
               || '","months_ahead":0,"forecast":' || {sql_json_number("p.value")}
               || ',"lower_80":' || {sql_json_number("p.value")}
               || ',"upper_80":' || {sql_json_number("p.value")}
               || ',"lower_95":' || {sql_json_number("p.value")}
               || ',"upper_95":' || {sql_json_number("p.value")} || '}}' as json
        from forecasts as f
        join points as p
            on p.service_code = f.service_code and p.measure_code = f.measure_code
            and p.period = f.outlook.last_actual_period and isfinite(p.value)
    )
    select s.* exclude (points_json),
           '[' || s.points_json || coalesce(',' || st.json, '') || coalesce(',' || f.json, '') || ']'
               as rows_json,
           f.outlook, f.last_period as forecast_last_period
    from series as s
    left join forecasts as f using (service_code, measure_code)
    left join starts as st using (service_code, measure_code)
"""


def series_sql(chosen: bool) -> str:
    """SQL for the SPC series: of every service, or (`chosen`) only of those in `$services`."""
    kept = "in (select unnest($services::varchar[]))"
    return _SERIES_SQL.replace("{chosen_points}", f"where s.service_code {kept}" if chosen else "").replace(
        "{chosen}", f"where service_code {kept}" if chosen else ""
    )


@dataclass(frozen=True)
class Forecast:
    """Where a series is heading (`marts.fct_measure_forecast`): its next month and its year-end outlook."""

    next_period: date
    next_forecast: float | None
    next_lower_80: float | None
    next_upper_80: float | None
    last_period: date  # the last forecast month
    last_actual_period: date
    year_end_period: date
    judged_on: str
    year_end_forecast: float | None
    year_end_target: float | None
    probability_meeting_target: float | None  # None without a target
    verdict: str  # on course, at risk, off course or no target
    beats_naive: bool | None  # None when no series of the measure could be held out


@dataclass(frozen=True)
class SpcSeries:
    """One measure's SPC series for a service: chart rows as JSON, and the facts its description states.

    The rows are the months' points, then, when the series has a forecast, its months with `months_ahead`
    (0 for the latest actual, where the forecast line and bands start) and no `value`.
    """

    rows_json: str
    first_month: str
    last_month: str
    lines: tuple[str, ...]  # "mean", "upper_limit", "target": those with at least one value
    rebases: list[str]  # months the limits were rebased from
    special: list[str]  # the label of every special-cause point, by month
    latest: tuple[date, float, float | None, float | None, float | None, float | None] | None
    segments: int
    without_limits: list[str]  # first month of each segment with too few points for limits, in order
    not_computed: list[str]  # first month of each segment whose limits cannot be computed, in order
    latest_limits_status: str  # the limits status of the latest segment
    forecast: Forecast | None = None  # None when the series is too short to forecast

    @property
    def limits_cannot_be_computed(self) -> bool:
        """Whether the latest segment's limits cannot be computed (its moving ranges all screened out)."""
        return self.latest_limits_status == CANNOT_COMPUTE


def load_spc_series(
    con: duckdb.DuckDBPyConnection, services: Sequence[str] | None = None
) -> dict[tuple[str, str], SpcSeries]:
    """Every SPC series by service and measure code, with its forecast where it has one; only the
    series of `services` when given (a site reads them a batch of services at a time)."""
    point_types = [
        t
        for (t,) in con.execute(
            "select distinct point_type from marts.fct_measure_spc where point_type <> ''"
        ).fetchall()
    ]
    labels = [variation_badge(t).label for t in point_types]
    params: dict[str, object] = {
        "point_types": point_types,
        "labels": labels,
        "label_json": [safe_json(x) for x in labels],
        "too_few": TOO_FEW,
        "cannot_compute": CANNOT_COMPUTE,
    }
    if services is not None:
        params["services"] = list(services)
    series = {}
    for (
        service,
        measure,
        first,
        last,
        has_mean,
        has_limits,
        has_target,
        rebases,
        special,
        latest,
        segments,
        without_limits,
        not_computed,
        latest_status,
        rows_json,
        outlook,
        forecast_last,
    ) in con.execute(series_sql(services is not None), params).fetchall():
        lines = tuple(
            name
            for name, found in (("mean", has_mean), ("upper_limit", has_limits), ("target", has_target))
            if found
        )
        forecast = Forecast(last_period=forecast_last, **outlook) if outlook else None
        series[(service, measure)] = SpcSeries(
            rows_json,
            first,
            last,
            lines,
            rebases,
            special,
            latest,
            segments,
            without_limits,
            not_computed,
            latest_status,
            forecast,
        )
    return series

"""Spread a target published once for everyone (no service, a range of months) over the services it covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from assets.validate.periods import parse_period


@dataclass(frozen=True)
class Service:
    """A joint service as a publication-wide target reaches it: its kind, lead partner, start and measures."""

    code: str
    service_kind: str
    lead_partner: str
    start: date | None
    measures: frozenset[str]


def load_services(con: duckdb.DuckDBPyConnection) -> tuple[Service, ...]:
    """Return every joint service of the reference data with the measures it reports."""
    found = con.execute("""
        select s.service_code, s.service_kind, s.lead_partner_code, try_cast(s.start_period as date),
               list(m.measure_code order by m.measure_code) filter (where m.measure_code is not null)
        from seeds.joint_services as s
        left join seeds.service_measures as m using (service_code)
        group by all order by s.service_code
    """).fetchall()
    return tuple(
        Service(code, service_kind, lead, start, frozenset(measures or ()))
        for code, service_kind, lead, start, measures in found
    )


def _later(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = _later(month, 1)
    return months


def month_range(first: str, last: str, date_order: str | None) -> tuple[list[date], str | None]:
    """Return the months from the period `first` to the period `last` (a quarter: its three months), or
    ([], why) when either cannot be read or the range ends before it starts."""
    start, end = parse_period(first, date_order), parse_period(last, date_order)
    if start.start is None:
        return [], f"{first!r} is not a month or quarter ({start.problem})"
    if end.start is None:
        return [], f"{last!r} is not a month or quarter ({end.problem})"
    final = end.start if end.grain == "month" else _later(end.start, 2)
    if final < start.start:
        return [], f"the range {first} to {last} ends before it starts"
    return _months(start.start, final), None


def covered(
    services: tuple[Service, ...], service_kinds: frozenset[str], measure: str | None, month: date
) -> list[Service]:
    """Return the services (of `service_kinds`, when given) reporting `measure`, started by `month`."""
    return [
        s
        for s in services
        if (not service_kinds or s.service_kind in service_kinds)
        and measure in s.measures
        and (s.start is None or s.start <= month)
    ]

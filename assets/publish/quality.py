"""Data quality of the partners' returns: received, late, quarantined and restated, by service and partner."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from assets.contract import SUBMISSION_TYPES
from assets.validate.overdue import overdue_returns

Row = dict[str, Any]

# Targets are plans sent ahead of the year they cover, so they cannot be late in this sense.
JUDGED_FOR_LATENESS = ("outcomes", "workforce", "finance")


def _with_measure(kind: str) -> str:
    return "measure_code" if "measure_code" in SUBMISSION_TYPES[kind].columns else "null"


def _loaded_rows_sql() -> str:
    """Every validated row: its return, the service and measure it is about, and the months it covers."""
    return "\nunion all\n".join(
        f"""select '{kind}' as submission_type, file_hash, file_name, file_partner_code,
                   submitted_on, service_code, {_with_measure(kind)} as measure_code,
                   cast(period + to_months(case period_grain when 'quarter' then 2 else 0 end)
                        as date) as last_month
            from validated.{kind}"""
        for kind in SUBMISSION_TYPES
    )


def _quarantined_rows_sql() -> str:
    """Every quarantined row once, with the service and measure it named as received."""
    raw = "\nunion all\n".join(
        f"""select '{kind}' as submission_type, file_hash, sheet_name, row_number,
                   upper(trim(service_code)) as service_code,
                   upper(trim({_with_measure(kind)})) as measure_code
            from raw.{kind}"""
        for kind in SUBMISSION_TYPES
    )
    return f"""
        with quarantined as (
            select distinct submission_type, file_hash, file_name, sheet_name, row_number
            from audit.quarantine
        ),
        received as ({raw})
        select q.submission_type, q.file_hash, r.service_code, r.measure_code
        from quarantined as q
        left join received as r
            on r.submission_type = q.submission_type and r.file_hash = q.file_hash
            and r.sheet_name is not distinct from q.sheet_name and r.row_number = q.row_number"""


def _returns_sql() -> str:
    """Per service and submission type: returns received (files with a row about the service, loaded or
    quarantined) and the late ones (after their deadline in marts.partner_data_quality), in order.

    A return's last month is the latest its loaded rows cover; official publications read through a
    source mapping have no partner deadline to miss.
    """
    judged = ", ".join(f"'{kind}'" for kind in JUDGED_FOR_LATENESS)
    return f"""
        with loaded as ({_loaded_rows_sql()}),
        service_returns as (
            select distinct submission_type, file_hash, service_code from loaded
            union
            select submission_type, file_hash, service_code
            from ({_quarantined_rows_sql()})
            where service_code is not null
        ),
        returns as (
            select submission_type, file_hash, arg_max(file_name, last_month) as file_name,
                   arg_max(file_partner_code, last_month) as partner_code,
                   arg_max(submitted_on, last_month) as submitted_on, max(last_month) as last_month
            from loaded
            group by submission_type, file_hash
        ),
        late as (
            select r.*, d.deadline
            from returns as r
            join marts.partner_data_quality as d
                on d.submission_type = r.submission_type and d.partner_code = r.partner_code
                and d.period = r.last_month
            where r.submission_type in ({judged}) and r.submitted_on > d.deadline
                and not exists (select 1 from audit.load_log as l
                                where l.mapping like 'sources/%' and l.submission_type = r.submission_type
                                    and l.file_hash = r.file_hash)
        )
        select s.service_code, s.submission_type, count(*) as received,
               list((l.file_hash, l.file_name, l.partner_code, l.submitted_on, l.last_month, l.deadline)
                    order by l.submitted_on, l.file_name) filter (where l.file_hash is not null) as late
        from service_returns as s
        left join late as l using (submission_type, file_hash)
        group by s.service_code, s.submission_type"""


def _restated_sql() -> str:
    """Figures sent again for a key already reported: every submission after the first counts."""
    return "\nunion all\n".join(
        f"""select '{kind}' as submission_type, service_code, count(*) - 1 as restated
            from validated.{kind}
            group by {", ".join(SUBMISSION_TYPES[kind].key)}, period_grain
            having count(*) > 1"""
        for kind in SUBMISSION_TYPES
    )


PARTNERS_SQL = """
    select l.partner_code, p.partner_name, count(*) as files,
           count(*) filter (where l.status = 'rejected') as files_rejected,
           cast(coalesce(sum(l.rows_received), 0) as bigint) as rows_received,
           cast(coalesce(sum(l.rows_loaded), 0) as bigint) as rows_loaded,
           cast(coalesce(sum(l.rows_quarantined), 0) as bigint) as rows_quarantined
    from audit.load_log as l
    left join marts.dim_partner as p on p.partner_code = l.partner_code
    group by all
    order by l.partner_code
"""
REJECTED_SQL = """
    select file_name, submission_type, partner_code, reason
    from audit.rejected_files
    order by submission_type, file_name
"""
RULES_SQL = """
    select submission_type, rule, count(*) as rows, min(meaning) as meaning
    from audit.quarantine
    group by all
    order by rows desc, submission_type, rule
"""
QUARANTINE_SQL = """
    select file_name, submission_type, sheet_name, row_number, column_name, rule, value
    from audit.quarantine
    order by file_name, sheet_name nulls first, row_number, rule, column_name, value
"""


@dataclass(frozen=True)
class Return:
    """One late file of one submission type: the last month it covers, when it was due and when it came."""

    submission_type: str
    file_name: str
    partner_code: str
    submitted_on: date
    last_month: date
    deadline: date | None


@dataclass
class ServiceQuality:
    """What one service's figures rest on, by submission type."""

    received: Counter = field(default_factory=Counter)  # submission type -> returns
    late: dict[str, list[Return]] = field(default_factory=lambda: defaultdict(list))
    quarantined: Counter = field(default_factory=Counter)  # submission type -> rows
    quarantined_by_measure: Counter = field(default_factory=Counter)
    restated: Counter = field(default_factory=Counter)  # submission type -> figures

    def late_since(self, after: date) -> int:
        """Late returns, over all submission types, whose last month covered is after `after`."""
        return sum(1 for files in self.late.values() for r in files if r.last_month > after)


@dataclass(frozen=True)
class Quality:
    """Data quality for the whole site: per service, per partner, and what was turned away."""

    services: dict[str, ServiceQuality]
    partners: list[Row]
    rejected: list[Row]
    rules: list[Row]
    quarantined: list[Row]
    overdue: list[Row]

    def service(self, service_code: str) -> ServiceQuality:
        """The service's figures (empty when nothing was received for it)."""
        return self.services.get(service_code) or ServiceQuality()


def load_quality(con: duckdb.DuckDBPyConnection) -> Quality:
    """Work out returns received, late, overdue, quarantined and restated from the audit and marts."""
    services: dict[str, ServiceQuality] = defaultdict(ServiceQuality)
    late: dict[tuple[str, str], Return] = {}
    for service, kind, received, late_returns in con.execute(_returns_sql()).fetchall():
        services[service].received[kind] = received
        for file_hash, *fields in late_returns or []:
            late[(kind, file_hash)] = found = Return(kind, *fields)
            services[service].late[kind].append(found)
    for kind, _, service, measure in con.execute(_quarantined_rows_sql()).fetchall():
        if service is None:
            continue
        quality = services[service]
        quality.quarantined[kind] += 1
        if measure is not None:
            quality.quarantined_by_measure[measure] += 1
    for kind, service, restated in con.execute(_restated_sql()).fetchall():
        services[service].restated[kind] += restated

    late_by_partner = Counter(r.partner_code for r in late.values())
    partners = [
        row | {"late": late_by_partner.get(row["partner_code"], 0)}
        for row in con.execute(PARTNERS_SQL).pl().to_dicts()
    ]
    return Quality(
        services=dict(services),
        partners=partners,
        rejected=con.execute(REJECTED_SQL).pl().to_dicts(),
        rules=con.execute(RULES_SQL).pl().to_dicts(),
        quarantined=con.execute(QUARANTINE_SQL).pl().to_dicts(),
        overdue=overdue_returns(con, date.today()).sort(
            "days_overdue", "partner_code", "submission_type", descending=[True, False, False]).to_dicts(),
    )

"""Data quality of the partners' returns: received, late, quarantined and restated, by service and partner."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from assets.contract import SUBMISSION_TYPES
from assets.query import one_row
from assets.validate.overdue import overdue_returns
from assets.warehouse import as_this_version

Row = dict[str, Any]


def _with_measure(kind: str) -> str:
    return "measure_code" if "measure_code" in SUBMISSION_TYPES[kind].columns else "null"


def _loaded_rows_sql() -> str:
    """Every validated row: its return and the service it is about."""
    return "\nunion all\n".join(
        f"select '{kind}' as submission_type, file_hash, service_code from validated.{kind}"
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


def _quarantined_counts_sql() -> str:
    """Quarantined rows counted by the service, submission type and measure they named (a row naming no
    service belongs to none)."""
    return f"""
        select service_code, submission_type, measure_code, count(*) as quarantined
        from ({_quarantined_rows_sql()})
        where service_code is not null
        group by all
        order by all"""


def _returns_sql() -> str:
    """Per service and submission type: returns received (files with a row about the service, loaded or
    quarantined) and the late ones, in order.

    Late is judged once, in SQL, by intermediate.int_return_files (the definition the partner league's
    timeliness uses too): a file is late when sent after the deadline of the last month it covers.
    """
    return f"""
        with loaded as ({_loaded_rows_sql()}),
        service_returns as (
            select distinct submission_type, file_hash, service_code from loaded
            union
            select submission_type, file_hash, service_code
            from ({_quarantined_rows_sql()})
            where service_code is not null
        ),
        late as (
            select submission_type, file_hash, file_name, partner_code, submitted_on, last_month, deadline
            from intermediate.int_return_files
            where is_late
        )
        select s.service_code, s.submission_type, count(*) as received,
               list((l.file_hash, l.file_name, l.partner_code, l.submitted_on, l.last_month, l.deadline)
                    order by l.submitted_on, l.file_name) filter (where l.file_hash is not null) as late
        from service_returns as s
        left join late as l using (submission_type, file_hash)
        group by s.service_code, s.submission_type
        order by s.service_code, s.submission_type"""


def _restated_sql() -> str:
    """Figures sent again for a key already reported: every submission (file) after the first counts."""
    restated = "\nunion all\n".join(
        f"""select '{kind}' as submission_type, service_code, count(distinct file_hash) - 1 as restated
            from validated.{kind}
            group by {", ".join(SUBMISSION_TYPES[kind].key)}, period_grain
            having count(distinct file_hash) > 1"""
        for kind in SUBMISSION_TYPES
    )
    return f"select * from ({restated}) order by all"


# a publication's files (a source mapping giving no partner code) count under the publication, not a
# partner; those of a mapping not in seeds.publications (one too wrong to read) under its mapping file
PARTNERS_SQL = """
    select l.partner_code, p.partner_name, pub.publication_name, pub.publisher,
           case when l.partner_code is null then l.mapping end as mapping, count(*) as files,
           count(*) filter (where l.status = 'rejected') as files_rejected,
           cast(coalesce(sum(l.rows_received), 0) as bigint) as rows_received,
           cast(coalesce(sum(l.rows_loaded), 0) as bigint) as rows_loaded,
           cast(coalesce(sum(l.rows_quarantined), 0) as bigint) as rows_quarantined
    from audit.load_log as l
    left join marts.dim_partner as p on p.partner_code = l.partner_code
    left join seeds.publications as pub on l.partner_code is null and pub.mapping = l.mapping
    group by all
    order by all  -- partners by code, then the publications (no partner code) by name
"""
LEAGUE_SQL = """
    select partner_code, partner_name, league_position, is_tied, data_quality_score, timeliness_pct,
           completeness_pct, fields_filled_pct, validity_pct, unrestated_pct, first_period, last_period
    from marts.partner_league
    order by league_order
"""
RULES_SQL = """
    select submission_type, rule, count(*) as rows, min(meaning) as meaning
    from audit.quarantine
    group by all
    order by rows desc, submission_type, rule
"""
QUARANTINE_SHOWN = 200  # quarantined rows listed on the data-quality page; all are in audit.quarantine
QUARANTINE_SQL = """
    select file_name, submission_type, sheet_name, row_number, column_name, rule, value
    from audit.quarantine
    order by file_name, sheet_name nulls first, row_number, rule, column_name, value
    limit $shown
"""


def _rejected_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Files turned away, with the partner or the publication (by its mapping file) they came from."""
    return f"""
        select r.file_name, r.submission_type, r.partner_code, p.partner_name, pub.publication_name,
               pub.publisher, case when r.partner_code is null then r.mapping end as mapping, r.reason
        from {as_this_version(con, "audit.rejected_files")} as r
        left join marts.dim_partner as p on p.partner_code = r.partner_code
        left join seeds.publications as pub on r.partner_code is null and pub.mapping = r.mapping
        order by r.submission_type, r.file_name"""


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
    """What one service's figures rest on, by submission type (filled in a fixed order: a service page's
    digest pickles it)."""

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
    """Data quality for the whole site: per service, per partner, the league, and what was turned away."""

    services: dict[str, ServiceQuality]
    partners: list[Row]
    league: list[Row]
    rejected: list[Row]
    rules: list[Row]
    quarantined: list[Row]  # the first QUARANTINE_SHOWN, in the order of the page
    quarantined_total: int
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
    for service, kind, measure, quarantined in con.execute(_quarantined_counts_sql()).fetchall():
        quality = services[service]
        quality.quarantined[kind] += quarantined
        if measure is not None:
            quality.quarantined_by_measure[measure] += quarantined
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
        league=con.execute(LEAGUE_SQL).pl().to_dicts(),
        rejected=con.execute(_rejected_sql(con)).pl().to_dicts(),
        rules=con.execute(RULES_SQL).pl().to_dicts(),
        quarantined=con.execute(QUARANTINE_SQL, {"shown": QUARANTINE_SHOWN}).pl().to_dicts(),
        quarantined_total=one_row(con.execute("select count(*) from audit.quarantine"))[0],
        overdue=overdue_returns(con, date.today())
        .sort("days_overdue", "partner_code", "submission_type", descending=[True, False, False])
        .to_dicts(),
    )

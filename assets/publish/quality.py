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
        select q.submission_type, q.file_hash, q.file_name, q.sheet_name, q.row_number,
               r.service_code, r.measure_code
        from quarantined as q
        left join received as r
            on r.submission_type = q.submission_type and r.file_hash = q.file_hash
            and r.sheet_name is not distinct from q.sheet_name and r.row_number = q.row_number"""


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
    """One file of one submission type: when it came and whether it was late."""

    submission_type: str
    file_name: str
    partner_code: str
    submitted_on: date
    last_month: date
    deadline: date | None

    @property
    def is_late(self) -> bool:
        """Submitted after its deadline (never for returns not judged for lateness)."""
        return self.deadline is not None and self.submitted_on > self.deadline


@dataclass
class ServiceQuality:
    """What one service's figures rest on, by submission type."""

    returns: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
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


DEADLINES_SQL = """
    select submission_type, partner_code, period, deadline
    from marts.partner_data_quality
    where deadline is not null
"""


def load_quality(con: duckdb.DuckDBPyConnection) -> Quality:
    """Work out returns received, late, overdue, quarantined and restated from the audit and marts."""
    services: dict[str, ServiceQuality] = defaultdict(ServiceQuality)
    returns: dict[tuple[str, str], Return] = {}
    # official publications read through a source mapping have no partner deadline to miss
    publications = set(con.execute("select submission_type, file_hash from audit.load_log "
                                   "where mapping like 'sources/%'").fetchall())
    # each partner's deadline for each month and type, as marts.partner_data_quality sets it
    deadlines = {(kind, partner, period): deadline for kind, partner, period, deadline in con.execute(
        DEADLINES_SQL).fetchall()}
    for kind, file_hash, file_name, partner, submitted, service, _, last_month in con.execute(
        _loaded_rows_sql()
    ).fetchall():
        found = returns.get((kind, file_hash))
        if found is None or last_month > found.last_month:
            judged = kind in JUDGED_FOR_LATENESS and (kind, file_hash) not in publications
            deadline = deadlines.get((kind, partner, last_month)) if judged else None
            returns[(kind, file_hash)] = Return(kind, file_name, partner, submitted, last_month,
                                                deadline)
        services[service].returns[kind].add(file_hash)
    for kind, file_hash, _, _, _, service, measure in con.execute(
        _quarantined_rows_sql()
    ).fetchall():
        if service is None:
            continue
        quality = services[service]
        quality.returns[kind].add(file_hash)
        quality.quarantined[kind] += 1
        if measure is not None:
            quality.quarantined_by_measure[measure] += 1
    for quality in services.values():
        for kind, hashes in quality.returns.items():
            late = [returns[(kind, h)] for h in hashes if (kind, h) in returns]
            quality.late[kind] = sorted((r for r in late if r.is_late),
                                        key=lambda r: (r.submitted_on, r.file_name))
    for kind, service, restated in con.execute(_restated_sql()).fetchall():
        services[service].restated[kind] += restated

    late_by_partner = Counter(r.partner_code for r in returns.values() if r.is_late)
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

"""What changed since the last publication: new submissions, restated figures, new reds, new signals."""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.query import literal, one_row

PUBLICATIONS = """
    create table if not exists audit.publications (
        published_at timestamp not null,
        run_id varchar,
        new_submissions bigint not null,
        restated_figures bigint not null,
        measures_newly_red bigint not null,
        new_special_causes bigint not null
    )"""
CHANGES = """
    create table if not exists audit.publication_changes (
        published_at timestamp not null,
        run_id varchar,
        change varchar not null,
        service_code varchar,
        measure_code varchar,
        period date,
        detail varchar
    )"""

# Each query reads the build (unqualified) and the last publication (`previous`).
CHANGE_QUERIES = {
    "new submission": """
        select null, null, null, l.submission_type || '/' || l.file_name || ' from ' || l.partner_code
        from audit.load_log as l
        anti join previous.audit.load_log as p
            on p.file_hash = l.file_hash and p.submission_type = l.submission_type
        where l.status <> 'rejected'""",
    "restated figure": """
        select c.service_code, c.measure_code, c.period,
               round(p.actual, 2)::varchar || ' -> ' || coalesce(round(c.actual, 2)::varchar, 'none')
        from marts.fct_measure_period as c
        join previous.marts.fct_measure_period as p using (service_code, measure_code, period)
        where p.actual is not null and c.actual is distinct from p.actual""",
    "newly red": """
        with latest as (
            select service_code, measure_code, rag,
                   row_number() over (partition by service_code, measure_code order by period desc) as n
            from marts.fct_measure_period where actual is not null),
        before as (
            select service_code, measure_code, rag,
                   row_number() over (partition by service_code, measure_code order by period desc) as n
            from previous.marts.fct_measure_period where actual is not null)
        select l.service_code, l.measure_code, null, 'was ' || coalesce(b.rag, 'not reported')
        from latest as l
        left join before as b on b.service_code = l.service_code and b.measure_code = l.measure_code
            and b.n = 1
        where l.n = 1 and l.rag = 'red' and b.rag is distinct from 'red'""",
    "new special cause": """
        select c.service_code, c.measure_code, c.period, c.point_type
        from marts.fct_measure_spc as c
        left join previous.marts.fct_measure_spc as p using (service_code, measure_code, period)
        where c.special_cause and not coalesce(p.special_cause, false)""",
}
COUNT_COLUMNS = {
    "new submission": "new_submissions",
    "restated figure": "restated_figures",
    "newly red": "measures_newly_red",
    "new special cause": "new_special_causes",
}


def record_changes(con: duckdb.DuckDBPyConnection, previous: Path, run_id: str | None) -> dict[str, int]:
    """Record in `audit` what this build changes against the last publication; return the counts.

    The first publication (no previous warehouse) records nothing as changed.
    """
    con.execute(PUBLICATIONS)
    con.execute(CHANGES)
    counts = dict.fromkeys(CHANGE_QUERIES, 0)
    if previous.exists():
        con.execute(f"attach {literal(str(previous))} as previous (read_only)")
        try:
            for change, query in CHANGE_QUERIES.items():
                con.execute(
                    f"insert into audit.publication_changes select now(), $run, $change, * from ({query})",
                    {"run": run_id, "change": change},
                )
                (counts[change],) = one_row(
                    con.execute(
                        "select count(*) from audit.publication_changes where run_id is not distinct from ? "
                        "and change = ?",
                        [run_id, change],
                    )
                )
        finally:
            con.execute("detach previous")
    con.execute(
        "insert into audit.publications values (now(), ?, ?, ?, ?, ?)",
        [run_id, *(counts[c] for c in COUNT_COLUMNS)],
    )
    return {COUNT_COLUMNS[c]: n for c, n in counts.items()}

"""Row accounting: every row received is either loaded or quarantined, file by file."""

from __future__ import annotations

import duckdb
import polars as pl

from assets.contract import SUBMISSION_TYPES


def accounting_gaps(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Return files whose rows received differ from rows loaded + rows quarantined (none = good).

    A validated file is checked against the rows really in `validated.*` and `audit.quarantine`;
    a rejected file must have loaded nothing and quarantined every row it was seen to hold.
    """
    loaded = " union all ".join(
        f"select '{name}' as submission_type, file_hash, count(*) as n "
        f"from validated.{name} group by file_hash"
        for name in SUBMISSION_TYPES
    )
    return con.execute(f"""
        with loaded as ({loaded}),
        quarantined as (
            select submission_type, file_hash, count(distinct (sheet_name, row_number)) as n,
            from audit.quarantine group by all
        ),
        counted as (
            select
                log.submission_type, log.file_name, log.status, log.rows_received,
                log.rows_loaded as logged_loaded, log.rows_quarantined as logged_quarantined,
                coalesce(loaded.n, 0) as rows_loaded,
                coalesce(quarantined.n, 0) as rows_quarantined,
            from audit.load_log as log
            left join loaded using (submission_type, file_hash)
            left join quarantined using (submission_type, file_hash)
            where log.status <> 'received'
        )
        select submission_type, file_name, status, rows_received, rows_loaded, rows_quarantined,
        from counted
        where case status
            when 'rejected' then rows_loaded <> 0 or logged_loaded <> 0
                or logged_quarantined is distinct from rows_received
            else coalesce(rows_received, 0) <> rows_loaded + rows_quarantined
                or logged_loaded <> rows_loaded or logged_quarantined <> rows_quarantined
        end
        order by file_name
    """).pl()

"""Row accounting: every row received is either loaded or quarantined, file by file."""

from __future__ import annotations

from collections.abc import Collection

import duckdb
import polars as pl

from assets.contract import SUBMISSION_TYPES


def accounting_gaps(
    con: duckdb.DuckDBPyConnection, types: Collection[str] = tuple(SUBMISSION_TYPES)
) -> pl.DataFrame:
    """Return files of the submission `types` (every type by default) whose rows received differ from
    rows loaded + rows quarantined (none = good).

    A validated file is checked against the rows really in `validated.*` and `audit.quarantine`;
    a rejected file must have loaded nothing and quarantined every row it was seen to hold.
    """
    if not types or set(types) - set(SUBMISSION_TYPES):
        raise ValueError(f"submission types {sorted(types)}: expected some of {', '.join(SUBMISSION_TYPES)}")
    loaded = " union all ".join(
        f"select '{name}' as submission_type, file_hash, count(*) as n "
        f"from validated.{name} group by file_hash"
        for name in SUBMISSION_TYPES
        if name in types
    )
    return con.execute(
        f"""
        with loaded as ({loaded}),
        quarantined as (
            select submission_type, file_hash, count(distinct (sheet_name, row_number)) as n,
            from audit.quarantine where list_contains($types, submission_type) group by all
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
            where log.status <> 'received' and list_contains($types, log.submission_type)
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
        """,
        {"types": list(types)},
    ).pl()

"""Row accounting: every row received is either loaded or quarantined, file by file."""

from __future__ import annotations

import duckdb
import polars as pl

from assets.contract import SUBMISSION_TYPES


def accounting_gaps(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Return files whose rows received differ from rows loaded + rows quarantined (none = good)."""
    loaded = " union all ".join(
        f"select file_hash, count(*) as n from validated.{name} group by file_hash"
        for name in SUBMISSION_TYPES)
    return con.execute(f"""
        with loaded as ({loaded}),
        quarantined as (
            select
                file_hash,
                bool_or(row_number is null) as whole_file,
                count(distinct row_number) as n,
            from audit.quarantine group by file_hash
        )
        select
            log.submission_type, log.file_name, log.rows_received,
            coalesce(loaded.n, 0) as rows_loaded,
            case when quarantined.whole_file then log.rows_received
                 else coalesce(quarantined.n, 0) end as rows_quarantined,
        from audit.load_log as log
        left join loaded on loaded.file_hash = log.file_hash
        left join quarantined on quarantined.file_hash = log.file_hash
        where log.status <> 'received'
          and coalesce(log.rows_received, 0) is distinct from
              coalesce(loaded.n, 0) + case when quarantined.whole_file
                  then coalesce(log.rows_received, 0) else coalesce(quarantined.n, 0) end
        order by log.file_name
    """).pl()

"""The index page's "since the last publication" summary, read from what publishing recorded."""

from __future__ import annotations

from typing import Any

import duckdb

from assets.publish.changes import COUNT_COLUMNS
from assets.query import one_row

LATEST_SQL = """
    select published_at, run_id, new_submissions, restated_figures, measures_newly_red,
           new_special_causes
    from audit.publications order by published_at desc limit 1
"""
DETAILS_SQL = """
    select change, service_code, measure_code, period, detail
    from audit.publication_changes
    where run_id is not distinct from ? and change in ('newly red', 'new special cause')
    order by change, service_code, measure_code, period
    limit 20
"""
# each count's noun, one and many
LABELS = {
    "new_submissions": ("new submission", "new submissions"),
    "restated_figures": ("restated figure", "restated figures"),
    "measures_newly_red": ("measure newly red", "measures newly red"),
    "new_special_causes": ("new special cause", "new special causes"),
}


def publication_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """Return the counts and notable items of the latest publication (None with nothing to compare)."""
    (recorded,) = one_row(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'audit' and table_name = 'publications'"
        )
    )
    # the first publication has no earlier one to differ from
    if not recorded or one_row(con.execute("select count(*) from audit.publications"))[0] < 2:
        return None
    published_at, run_id, *counts = one_row(con.execute(LATEST_SQL))
    items = [
        dict(zip(("change", "service_code", "measure_code", "period", "detail"), row, strict=True))
        for row in con.execute(DETAILS_SQL, [run_id]).fetchall()
    ]
    return {
        "published_at": published_at,
        "counts": [(LABELS[column], n) for column, n in zip(COUNT_COLUMNS.values(), counts, strict=True)],
        "items": items,
    }

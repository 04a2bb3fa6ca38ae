"""Build a table from a select in DuckDB and write its documentation as comments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from assets.arrow_handoff import ArrowStream
from assets.models.functions import register_functions
from assets.models.project import Documentation, SqlModel
from assets.models.versions import model_versions
from assets.query import literal, one_row, quote


def comment_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, docs: Documentation) -> None:
    """Write the table's documentation as DuckDB comments; fail if docs and columns disagree."""
    target = f"{quote(schema)}.{quote(table)}"
    # the result's own description: listing duckdb_columns() reads the whole catalogue (20x slower)
    actual = [column[0] for column in con.execute(f"select * from {target} limit 0").description]
    documented = list(docs.columns)
    if actual != documented:
        missing = [c for c in actual if c not in docs.columns]
        stale = [c for c in documented if c not in actual]
        raise ValueError(
            f"{schema}.{table}: documentation does not match the columns "
            f"(undocumented: {missing}, documented but absent: {stale}, "
            f"or in another order)"
        )
    # COMMENT ON takes no bound parameters, so the text goes in as an escaped literal; one call for all
    con.execute(
        ";\n".join(
            [f"comment on table {target} is {literal(docs.description)}"]
            + [
                f"comment on column {target}.{quote(column)} is {literal(text)}"
                for column, text in docs.columns.items()
            ]
        )
    )


@dataclass(frozen=True)
class ModelBuilt:
    """What a build left: the table's rows and, for a model built by month, the months it replaced."""

    rows: int
    months: list[date] | None


def build_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> ModelBuilt:
    """Create or replace the model's table (after its macros and functions), comment it; return its rows
    and the months it replaced.

    A model built by month (`month_column`) is rebuilt whole the first time and when its code changed;
    otherwise only the months its changed upstream rows reach are replaced (none when nothing changed):
    the months that changed and, for a model whose rows read earlier months (`lookback_months`), the
    months after them that read them. Its SQL reads just the months those need through
    `in_build_months(period)`.
    """
    target = f"{quote(model.layer)}.{quote(model.name)}"
    register_functions(con)
    if model.macros:  # before the digests, which may call them (`upstream_months`)
        con.execute(model.macros)
    digests = month_digests(con, model) if model.month_column else {}
    changed = changed_months(con, model, digests) if model.month_column else None
    con.begin()
    try:
        if changed is None:
            con.execute(f"create or replace table {target} as {model.sql}")
            replaced = [month for month in digests if month is not None]
        else:
            replaced = months_reached(con, model, changed, digests) if changed else []
            if replaced:
                _replace_months(con, model, target, replaced)
        comment_table(con, model.layer, model.name, model.docs)
        if model.month_column and changed != []:  # none changed: the record stands as it is
            _record_months(con, model, digests, replaced)
    except BaseException:
        con.rollback()
        raise
    con.commit()
    (rows,) = one_row(con.execute(f"select count(*) from {target}"))
    return ModelBuilt(rows, replaced if model.month_column else None)


def month_digests(con: duckdb.DuckDBPyConnection, model: SqlModel) -> dict[date | None, str]:
    """Return, per month of `model.month_column`, a digest of every upstream row of that month.

    An upstream row's month is that of its own `month_column`, or of each month its table's
    `upstream_months` list gives (an empty list: no month reads the row; None where the list or a month
    is unknown, and the model is then built whole). An upstream table with neither (a seed) is read by
    every month, so its digest, of all its rows, is part of every month's.
    """
    column = str(model.month_column)
    reach = dict(model.upstream_months)
    digests: dict[date | None, list[str]] = {}
    every_month: list[str] = []
    for schema, table in model.upstream:
        source = f"{quote(schema)}.{quote(table)}"
        if (schema, table) in reach:
            months = f"unnest(coalesce({reach[schema, table]}, [null]))"
        elif column in [c[0] for c in con.execute(f"select * from {source} limit 0").description]:
            months = quote(column)
        else:
            (digest,) = one_row(con.execute(f"select sum(hash(*columns(*))::hugeint)::varchar from {source}"))
            every_month.append(f"{schema}.{table}:{digest}")
            continue
        for month, digest in con.execute(
            f"select cast(date_trunc('month', reached) as date), sum(row_hash)::varchar from ("
            f"  select {months} as reached, hash(*columns(*))::hugeint as row_hash from {source}"
            f") group by all"
        ).fetchall():
            digests.setdefault(month, []).append(f"{schema}.{table}:{digest}")
    return {month: ";".join(sorted(parts + every_month)) for month, parts in digests.items()}


def changed_months(
    con: duckdb.DuckDBPyConnection, model: SqlModel, digests: dict[date | None, str]
) -> list[date] | None:
    """Return the months of a model built by month whose upstream rows (`digests`, month_digests) differ
    from those it was last built from, or None when it must be built whole (never built, built by other
    code, or upstream rows with no month)."""
    (exists,) = one_row(
        con.execute(
            "select count(*) from duckdb_tables() "
            "where database_name = current_database() and schema_name = ? and table_name = ?",
            [model.layer, model.name],
        )
    )
    if not exists or None in digests:
        return None
    built = _built_months(con, model)
    if not built:
        return None
    dated = {month: digest for month, digest in digests.items() if month is not None}
    return sorted(month for month in built.keys() | dated.keys() if built.get(month) != dated.get(month))


def months_reached(
    con: duckdb.DuckDBPyConnection, model: SqlModel, changed: list[date], upstream: Iterable[date | None]
) -> list[date]:
    """Return the months of the model's rows that `changed` upstream months reach: each of them and, of
    the months its `upstream` rows have or it was built for, the `lookback_months` after each."""
    held = sorted({month for month in upstream if month is not None} | _built_months(con, model).keys())
    return [
        month
        for (month,) in con.execute(
            "select distinct held from unnest($held) as h(held), unnest($changed) as c(changed) "
            "where held between changed and changed + to_months($lookback) order by held",
            {"held": held, "changed": changed, "lookback": model.lookback_months},
        ).fetchall()
    ]


def _built_months(con: duckdb.DuckDBPyConnection, model: SqlModel) -> dict[date, str]:
    """The months the model was last built from by its current code, with their upstream digests."""
    return dict(
        con.execute(
            "select period_month, upstream_digest from audit.model_months where model = ? and version = ?",
            [model.key, model_versions().get(model.key)],
        ).fetchall()
    )


def _replace_months(con: duckdb.DuckDBPyConnection, model: SqlModel, target: str, months: list[date]) -> None:
    """Delete the model's rows of `months` and insert them again from its SQL, reading upstream rows of
    those months and of the `lookback_months` before each."""
    read = [
        month
        for (month,) in con.execute(
            "select distinct cast(month - to_months(back) as date) from unnest($months) as m(month), "
            "range(0, $lookback + 1) as b(back) order by 1",
            {"months": months, "lookback": model.lookback_months},
        ).fetchall()
    ]
    month_of = f"date_trunc('month', {quote(str(model.month_column))})"
    con.execute(
        f"create or replace macro in_build_months(period) as date_trunc('month', period) in ({_dates(read)})"
    )
    con.execute(f"delete from {target} where {month_of} in ({_dates(months)})")
    con.execute(
        f"insert into {target} by name select * from ({model.sql}) where {month_of} in ({_dates(months)})"
    )
    con.execute(model.macros)  # in_build_months as macros.sql has it (every month) for the next build


def _dates(months: list[date]) -> str:
    """The months as a list of SQL date literals (dates, not text from a file)."""
    return ", ".join(f"date '{month.isoformat()}'" for month in months)


def _record_months(
    con: duckdb.DuckDBPyConnection, model: SqlModel, digests: dict[date | None, str], replaced: list[date]
) -> None:
    """Record, month by month with the model's code version, the digests of the upstream rows it was built
    from, and now as when the `replaced` months were built (rows with no month make every build whole,
    so they are not recorded)."""
    version = model_versions()[model.key]
    dated = {month: digest for month, digest in digests.items() if month is not None}
    con.execute(
        "delete from audit.model_months where model = $model "
        "and (version <> $version or not list_contains($held, period_month) "
        "or list_contains($replaced, period_month))",
        {"model": model.key, "version": version, "held": list(dated), "replaced": replaced},
    )
    now = datetime.now()  # as audit.model_versions has it (assets/models/versions.py)
    rows = [[model.key, version, month, dated[month], now] for month in replaced if month in dated]
    if rows:
        con.executemany("insert into audit.model_months values (?, ?, ?, ?, ?)", rows)


def load_table(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, frame: pl.DataFrame, docs: Documentation
) -> int:
    """Replace `<schema>.<name>` with a frame, comment it, and return its row count."""
    target = f"{quote(schema)}.{quote(name)}"
    con.register("incoming_table", ArrowStream(frame))
    con.begin()
    try:
        con.execute(f"create or replace table {target} as select * from incoming_table")
        comment_table(con, schema, name, docs)
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("incoming_table")
    con.commit()
    return frame.height

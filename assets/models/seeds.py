"""Reference data: each CSV of the reference folder loaded as `seeds.<name>`.

Two tables are declared elsewhere: `returns_owed` may come from the `returns_owed` of a scenario's
`scenario.yaml` (beside its `seeds/` folder) instead of a CSV file, and `publications` is read from the
publications' mapping files (`<mappings>/sources/*.yaml`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from types import MappingProxyType

import duckdb
import polars as pl

from assets.models.build import load_table
from assets.models.project import Documentation, load_seed_docs
from assets.project_files import SQL_DIR
from assets.query import literal, quote

SCENARIO_FILE = "scenario.yaml"


@cache
def seed_docs() -> Mapping[str, Documentation]:
    """Return {name: documentation} of every seed the code ships (`dbt_like_sql/seeds/_seeds.yml`)."""
    return MappingProxyType(load_seed_docs(SQL_DIR / "seeds"))


class SeedError(ValueError):
    """Reference data declared in two places, or in none."""


def load_seed(con: duckdb.DuckDBPyConnection, reference_dir: Path, name: str, mappings_dir: Path) -> int:
    """Replace `seeds.<name>` with its reference data (`<reference_dir>/<name>.csv`, or as declared
    elsewhere), record what it was read from in `audit.seed_sources`, and return its row count."""
    stat = source_stat(reference_dir, name, mappings_dir)  # before reading: a later change is seen
    if name == "publications":
        frame = publications_frame(mappings_dir)
    elif name == "returns_owed":
        frame = returns_owed_frame(reference_dir)
    else:
        frame = pl.read_csv(reference_dir / f"{name}.csv", infer_schema_length=None)
    rows = load_table(con, "seeds", name, frame, seed_docs()[name])
    con.execute("insert or replace into audit.seed_sources values (?, ?, now())", [name, stat])
    return rows


def source_stat(reference_dir: Path, name: str, mappings_dir: Path) -> str:
    """Return the names, sizes and modification times of the files `seeds.<name>` is read from (every
    file under its folder, for a folder), and its declared columns: equal when nothing was touched."""
    source = seed_source(reference_dir, name, mappings_dir)
    files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    if name == "returns_owed":  # the scenario's file may be added or removed beside the CSV
        files.append(reference_dir.parent / SCENARIO_FILE)
    return repr(([_stat(p, source) for p in files], seed_docs()[name]))


def _stat(path: Path, source: Path) -> tuple[str, int | None, int | None]:
    """A file's name (its path under `source`, for a folder), size and modification time (None when it
    is absent). Not its whole path: an installation copied with its files' times is not read again."""
    name = str(path.relative_to(source)) if source.is_dir() and path.is_relative_to(source) else path.name
    try:
        found = path.stat()
    except FileNotFoundError:
        return name, None, None
    return name, found.st_size, found.st_mtime_ns


def seed_source(reference_dir: Path, name: str, mappings_dir: Path) -> Path:
    """Return the file (or folder) `seeds.<name>` is read from."""
    if name == "publications":
        return mappings_dir / "sources"
    beside = reference_dir.parent / SCENARIO_FILE
    if name == "returns_owed" and not (reference_dir / f"{name}.csv").is_file() and beside.is_file():
        return beside
    return reference_dir / f"{name}.csv"


def returns_owed_frame(reference_dir: Path) -> pl.DataFrame:
    """Return the returns owed: `returns_owed.csv` in the reference folder, or the `returns_owed` of the
    scenario whose `seeds/` folder it is; raise SeedError when both or neither declare them."""
    from assets.scenarios import OWED_COLUMNS, load_scenario

    csv_file = reference_dir / "returns_owed.csv"
    beside = reference_dir.parent / SCENARIO_FILE
    declared = (
        load_scenario(reference_dir.parent.name, reference_dir.parent.parent).returns_owed
        if beside.is_file()
        else None
    )
    if declared is not None and csv_file.is_file():
        raise SeedError(f"the returns owed are declared twice, in {beside} and {csv_file}: keep one")
    if declared is not None:
        return pl.DataFrame(list(declared), schema=dict.fromkeys(OWED_COLUMNS, pl.String), orient="row")
    if not csv_file.is_file():
        raise SeedError(
            f"no returns_owed.csv in {reference_dir}"
            f"{' and no returns_owed in ' + str(beside) if beside.is_file() else ''}: "
            "declare which returns the partners owe (docs/data-contract.md)"
        )
    return pl.read_csv(
        csv_file, infer_schema_length=None, schema_overrides=dict.fromkeys(OWED_COLUMNS, pl.String)
    )


def publications_frame(mappings_dir: Path) -> pl.DataFrame:
    """Return each publication (a source mapping giving no partner code) with its name and publisher."""
    from assets.ingest.sources import load_sources

    sources, _, _ = load_sources(mappings_dir)
    rows = [
        (s.mapping_file, s.name or Path(s.source).stem, s.publisher)
        for s in sources
        if s.partner_code is None
    ]
    return pl.DataFrame(
        rows, schema=dict.fromkeys(seed_docs()["publications"].columns, pl.String), orient="row"
    )


def table_digest(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str | None:
    """Return a digest of a table's rows whatever their order (None when the table does not exist): the
    SHA-256 of each row as JSON, column names with values, sorted, one per line; worked out in DuckDB."""
    return table_digests(con, schema, [name])[name]


def table_digests(con: duckdb.DuckDBPyConnection, schema: str, names: Sequence[str]) -> dict[str, str | None]:
    """Return {name: table_digest} of several tables of `schema`, in two queries whatever their number
    (a query each cost 3-4 ms on tables of a few hundred rows, eight of them at every validation)."""
    if not names:  # nothing asked, nothing read (the nightly run asks for the reference tables changed)
        return {}
    found = {
        table
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = ? and list_contains(?, table_name)",
            [schema, list(names)],
        ).fetchall()
    }
    digests: dict[str, str | None] = dict.fromkeys(names)
    existing = [name for name in names if name in found]
    if existing:
        digests |= dict(
            con.execute(
                " union all ".join(
                    f"select {literal(name)}, (select sha256(coalesce(string_agg(row_json, chr(10) "
                    "order by row_json), '')) from (select to_json(t)::varchar as row_json "
                    f"from {quote(schema)}.{quote(name)} as t))"
                    for name in existing
                )
            ).fetchall()
        )
    return digests

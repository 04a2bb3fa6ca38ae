"""Connections to the lake: a DuckLake catalog (in PostgreSQL, or a DuckDB file) with Parquet data files.

Extensions are never downloaded: ducklake and postgres_scanner come installed from the PyPI packages
`duckdb-ext-ducklake` and `duckdb-ext-postgres`, built for exactly the DuckDB version pinned beside
them, and DuckDB's `extension_directory` points at the folder they install.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import distribution

import duckdb

from assets.query import literal

LAKE = "lake"  # the name the lake is attached under: lake.marts.scorecard_service_period
POSTGRES_CATALOG = "ducklake:postgres:"


@dataclass(frozen=True)
class LakeSettings:
    """Where the publication also writes the marts, as a DuckLake catalog (none by default).

    `url` is what DuckDB attaches, e.g. `ducklake:postgres:dbname=joinedup host=db.example user=joinedup`
    (the catalog in PostgreSQL); `data_path` is the folder or object-store prefix of its Parquet files,
    needed when the catalog is created (it is recorded in the catalog for every later reader). `schema`
    is the lake's schema this installation's marts go to: one per partnership when several share a lake.
    """

    url: str
    data_path: str | None = None
    schema: str = "marts"


def extension_directory() -> str:
    """Return the folder of the installed extension packages (laid out as DuckDB's extension_directory)."""
    return str(distribution("duckdb-ext-ducklake").locate_file("duckdb_ext/extensions"))


def connect_lake(
    lake: LakeSettings, read_only: bool = False, snapshot: int | None = None, name: str = LAKE
) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB connection with the lake attached as `name`.

    Read-only for readers; `snapshot` attaches the lake as it was at that snapshot (time travel).
    """
    con = duckdb.connect(
        config={"extension_directory": extension_directory(), "autoinstall_known_extensions": False}
    )
    try:
        con.execute("load ducklake")
        if lake.url.startswith(POSTGRES_CATALOG):
            con.execute("load postgres")
        con.execute(attach_statement(lake, read_only, snapshot, name))
    except BaseException:
        con.close()
        raise
    return con


def attach_statement(
    lake: LakeSettings, read_only: bool = False, snapshot: int | None = None, name: str = LAKE
) -> str:
    """Return the ATTACH statement of the lake (what an analyst's DuckDB runs too)."""
    options = [f"DATA_PATH {literal(lake.data_path)}"] if lake.data_path and not read_only else []
    options += ["READ_ONLY"] if read_only else []
    options += [f"SNAPSHOT_VERSION {int(snapshot)}"] if snapshot is not None else []
    url = lake.url if lake.url.startswith("ducklake:") else f"ducklake:{lake.url}"
    return f"attach {literal(url)} as {name}" + (f" ({', '.join(options)})" if options else "")

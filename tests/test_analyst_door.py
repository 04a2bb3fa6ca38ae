"""The analysts' door: SQL reads the warehouse's own tables and nothing else, and changes nothing.

Fails when `query` opens the warehouse with external access, configuration changes or extension
installs allowed, or runs a statement other than a query (issue 14, point 7).
"""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipelines.analyst import RefusedStatement, export_marts, query
from tests.analyst_fixtures import build_small_warehouse, digest

REFUSED = "statements are refused|disabled by configuration|disabled through configuration"


@pytest.fixture
def warehouse(tmp_path):
    return build_small_warehouse(tmp_path)


# What a curious or hostile analyst tried (issue 14); {home} holds the warehouse folder and outside.csv.
ESCAPES = {
    "read_text of a system file": "select * from read_text('/etc/passwd')",
    "read_blob of a system file": "select * from read_blob('/etc/hostname')",
    "read_csv outside the warehouse": "select * from read_csv('{home}/outside.csv')",
    "a file named as a table": "select * from '{home}/outside.csv'",
    "glob of a folder": "select * from glob('{home}/*')",
    "a URL": "select * from read_parquet('https://example.com/x.parquet')",
    "copy over the warehouse": "copy (select 42 as answer) to '{warehouse}'",
    "copy over the warehouse in place": "copy (select 42) to '{warehouse}' (use_tmp_file false)",
    "a write-ahead log beside the warehouse": "copy (select 42) to '{warehouse}.wal'",
    "a file in the warehouse's temporary folder": "copy (select 42) to '{warehouse}.tmp/x.csv'",
    "copy a mart out": "copy marts.dim_partner to '{home}/partners.csv'",
    "export database": "export database '{home}/dump'",
    "attach another database": "attach '{home}/other.duckdb' as other",
    "attach the warehouse writable": "attach '{warehouse}' as again",
    "set a setting": "set threads = 1",
    "pragma a setting": "pragma memory_limit = '1GB'",
    "reset a setting": "reset threads",
    "turn external access back on": "set enable_external_access = true",
    "unlock the configuration": "set lock_configuration = false",
    "allow extension autoload": "set autoload_known_extensions = true",
    "install an extension": "install httpfs",
    "load an extension": "load httpfs",
    "a file read after a harmless query": "select 1; select * from read_text('/etc/passwd')",
}


@pytest.mark.parametrize("case", ESCAPES)
def test_statements_reaching_outside_the_warehouse_are_refused(warehouse, case):
    home = warehouse.parent.parent
    (home / "outside.csv").write_text("secret\n42\n")
    before, files = digest(warehouse), sorted(home.rglob("*"))
    with pytest.raises((duckdb.Error, RefusedStatement), match=REFUSED):
        query(warehouse, ESCAPES[case].format(home=home, warehouse=warehouse))
    assert digest(warehouse) == before, f"{case} changed the warehouse"
    assert sorted(home.rglob("*")) == files, f"{case} wrote a file"


def test_marts_are_still_read(warehouse):
    partners = query(
        warehouse,
        """
        select p.partner_code, p.partner_name, b.balance
        from marts.dim_partner as p join marts.fct_balance as b using (partner_code)
        order by p.partner_code
    """,
    )
    assert partners.height == 8 and (partners["balance"] < 0).any()
    columns = query(warehouse, "select column_name from duckdb_columns() where schema_name = 'marts'")
    assert "partner_name" in columns["column_name"].to_list()
    assert query(warehouse, "describe marts.fct_balance").height == 4
    assert query(warehouse, "select current_setting('enable_external_access') as on")["on"].to_list() == [
        False
    ]


def test_export_writes_every_mart_through_the_locked_door(warehouse, tmp_path):
    before = digest(warehouse)
    files = export_marts(warehouse, tmp_path / "parquet")
    assert sorted(f.name for f in files) == ["dim_partner.parquet", "fct_balance.parquet"]
    for file in files:
        assert pl.read_parquet(file).equals(query(warehouse, f"select * from marts.{file.stem}"))
    assert digest(warehouse) == before

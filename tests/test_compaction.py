"""Compaction of the working database: the same contents in a smaller file, only once it has grown."""

import shutil
from dataclasses import replace

import dagster as dg
import duckdb
import pytest

from assets.compaction import Compaction, compact_if_grown, compacting_path
from assets.faults import DISK_FULL, FAULT, FAULT_AT
from assets.query import one_row, quote
from assets.resources import WorkingDatabase
from pipelines.run import run_nightly
from pipelines.run_summary import summary_json, summary_lines
from tests.analyst_fixtures import digest
from tests.conftest import settings_for
from tests.shared_demo import published_copy

# what the catalog of a database holds, each read with `where database_name = $name`
CATALOG = {
    "tables": "select schema_name, table_name, column_count, sql, comment from duckdb_tables()",
    "columns": "select schema_name, table_name, column_name, data_type, comment from duckdb_columns()",
    "views": "select schema_name, view_name, sql from duckdb_views()",
    "constraints": "select schema_name, table_name, constraint_text from duckdb_constraints()",
    "macros": "select schema_name, function_name, function_type from duckdb_functions()",
    "schemas": "select schema_name, comment from duckdb_schemas()",
}


def compactions(database):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select bytes_before, bytes_after from audit.compactions order by measured_at"
        ).fetchall()


def churned(database, rounds=4):
    """Replace a fifth of the rows of the largest tables built from partners' rows, `rounds` times over,
    as nights of months replaced do."""
    with duckdb.connect(str(database)) as con:
        tables = [
            f"{quote(schema)}.{quote(table)}"
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where schema_name in ('staging', 'intermediate', 'marts') "
                "order by estimated_size desc limit 8"
            ).fetchall()
        ]
        for fifth in range(rounds):
            for table in tables:
                fifth_of = f"where rowid % 5 = {fifth}"
                con.execute(f"create or replace temp table replaced as from {table} {fifth_of}")
                con.execute(f"delete from {table} {fifth_of}")
                con.execute(f"insert into {table} from replaced")
            con.execute("checkpoint")


def test_a_grown_warehouse_is_compacted_into_a_smaller_file_holding_the_same_contents(demo_run, tmp_path):
    settings, _, _ = demo_run
    database = tmp_path / "joinedup.duckdb"
    shutil.copyfile(settings.warehouse, database)
    first = database.stat().st_size
    assert compact_if_grown(database, {}) is None  # first measured: the baseline
    churned(database)
    before = tmp_path / "before.duckdb"
    shutil.copyfile(database, before)
    grown = database.stat().st_size
    assert grown >= 1.1 * first

    done = compact_if_grown(database, {}, growth=1.1)

    assert done is not None and done.bytes_before == grown
    assert database.stat().st_size < grown
    assert compactions(database) == [(None, first), (grown, done.bytes_after)]
    assert not compacting_path(database).exists()
    with duckdb.connect() as con:
        con.execute(f"attach '{before}' as before (read_only)")
        con.execute(f"attach '{database}' as after (read_only)")
        for name, query in CATALOG.items():
            old, new = (
                sorted(con.execute(f"{query} where database_name = $name", {"name": db}).fetchall())
                for db in ("before", "after")
            )
            assert old == new, name
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'before' "
            "and (schema_name, table_name) != ('audit', 'compactions')"
        ).fetchall()
        assert len(tables) > 50
        for schema, table in tables:
            name = f"{quote(schema)}.{quote(table)}"
            (differing,) = one_row(
                con.execute(
                    f"select count(*) from ((from before.{name} except all from after.{name}) "
                    f"union all (from after.{name} except all from before.{name}))"
                )
            )
            assert differing == 0, name


def test_a_database_not_grown_enough_is_left_as_it_was(tmp_path):
    database = tmp_path / "joinedup.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table t as select range as n from range(100000)")
    assert compact_if_grown(database, {}) is None
    with duckdb.connect(str(database)) as con:
        con.execute("create or replace table t as select range as n from range(100000)")
    unchanged = digest(database)
    compacting_path(database).write_bytes(b"left by a compaction that was killed")
    compacting_path(database).with_name(f"{compacting_path(database).name}.wal").write_bytes(b"its log")
    assert compact_if_grown(database, {}, growth=10) is None
    assert digest(database) == unchanged
    assert len(compactions(database)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["joinedup.duckdb"]


def test_a_compaction_that_fails_before_its_rename_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    database = tmp_path / "joinedup.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table t as select range as n from range(1000000)")
    compact_if_grown(database, {})
    with duckdb.connect(str(database)) as con:
        con.execute("create or replace table t as select range as n from range(1000000)")
    unchanged = digest(database)
    monkeypatch.setenv(FAULT_AT, "compact:copied")
    monkeypatch.setenv(FAULT, DISK_FULL)
    with pytest.raises(OSError):
        compact_if_grown(database, {}, growth=1)
    assert digest(database) == unchanged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["joinedup.duckdb"]
    monkeypatch.delenv(FAULT_AT)
    assert compact_if_grown(database, {}, growth=1) is not None


@dg.asset
def rebuilt(duckdb: WorkingDatabase) -> None:
    """Replace a table of 200,000 rows, as a night's whole rebuild does."""
    with duckdb.get_connection() as con:
        con.execute("create or replace table t as select range as n, random() as x from range(200000)")


def test_a_run_compacts_its_database_once_closed_and_a_night_only_after_its_last_run(tmp_path, caplog):
    working, published = tmp_path / "build" / "joinedup.duckdb", tmp_path / "joinedup.duckdb"
    resource = WorkingDatabase(database=str(working), published_warehouse=str(published), compact_at_growth=1)
    # the same file, its path written another way
    respelled = WorkingDatabase(
        database=str(tmp_path / "build" / ".." / "build" / working.name),
        published_warehouse=str(published),
        compact_at_growth=1,
    )
    assert dg.materialize([rebuilt], resources={"duckdb": resource}).success
    assert compactions(working) == [(None, working.stat().st_size)]  # measured at the first run's end
    assert dg.materialize([rebuilt], resources={"duckdb": resource}).success
    assert len(compactions(working)) == 2
    with resource.held_across_runs() as hold:
        for held in (resource, respelled):
            assert dg.materialize([rebuilt], resources={"duckdb": held}).success
    assert [before is not None for before, _ in compactions(working)] == [False, True, True]
    assert "not compacted" not in caplog.text
    assert hold.compaction is not None
    assert hold.compaction.bytes_after == compactions(working)[-1][1]
    assert sorted(p.name for p in working.parent.iterdir()) == ["joinedup.duckdb"]


def test_a_compaction_that_fails_is_logged_and_the_run_stands(tmp_path, monkeypatch, caplog):
    working, published = tmp_path / "build" / "joinedup.duckdb", tmp_path / "joinedup.duckdb"
    resource = WorkingDatabase(database=str(working), published_warehouse=str(published), compact_at_growth=1)
    assert dg.materialize([rebuilt], resources={"duckdb": resource}).success
    monkeypatch.setenv(FAULT_AT, "compact:copied")
    monkeypatch.setenv(FAULT, DISK_FULL)
    with resource.held_across_runs() as hold:
        assert dg.materialize([rebuilt], resources={"duckdb": resource}).success
    assert hold.compaction is None
    assert hold.compaction_failed is not None and "No space left on device" in hold.compaction_failed
    assert "was not compacted, and stays as it was" in caplog.text
    assert len(compactions(working)) == 1
    assert sorted(p.name for p in working.parent.iterdir()) == ["joinedup.duckdb"]


def test_the_run_summary_says_when_the_working_database_was_compacted(demo_run):
    settings, report, _ = demo_run
    assert "compacted" not in "\n".join(summary_lines(settings, report))
    compacted = replace(report, compaction=Compaction(176_173_056, 122_433_536, 4.184))
    assert (
        "  working database compacted once the run ended: 176.2 MB to 122.4 MB in 4.2 s "
        "(audit.compactions); the next publication copies the smaller file"
    ) in summary_lines(settings, compacted)
    assert summary_json(settings, compacted)["compaction"] == {
        "bytes_before": 176_173_056,
        "bytes_after": 122_433_536,
        "seconds": 4.184,
    }


@pytest.mark.slow  # two nightly runs of the demo
def test_a_night_that_cannot_compact_says_so_and_the_next_compacts(demo_run, tmp_path, monkeypatch):
    settings = settings_for(published_copy(demo_run[0].inbox.parent, tmp_path / "home"))
    assert [before for before, _ in compactions(settings.build_database)] == [None]  # its size, recorded
    with duckdb.connect(str(settings.build_database)) as con:
        con.execute("update audit.compactions set bytes_after = 1")  # as though it had grown since
    monkeypatch.setenv(FAULT_AT, "compact:copied")
    monkeypatch.setenv(FAULT, DISK_FULL)
    failed = run_nightly(settings)
    assert failed.success and failed.compaction is None
    assert [w for w in failed.warnings if "was not compacted" in w]
    monkeypatch.delenv(FAULT_AT)
    done = run_nightly(settings)
    assert done.success and done.compaction is not None and not done.warnings
    assert compactions(settings.build_database)[-1] == (
        done.compaction.bytes_before,
        done.compaction.bytes_after,
    )

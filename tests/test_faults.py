"""The fault hook, and the working database's recovery from a run that was killed."""

import errno
import os
import shutil
import signal
import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from assets.faults import DISK_FULL, FAULT, FAULT_AT, FAULT_TRACE, fault_point
from assets.project_files import PROJECT_ROOT
from assets.query import one_row
from assets.resources import WorkingDatabase


def test_a_fault_point_does_nothing_unless_it_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(FAULT_AT, "elsewhere")
    monkeypatch.setenv(FAULT_TRACE, str(tmp_path / "trace"))
    fault_point("here")
    fault_point("there")
    assert (tmp_path / "trace").read_text().split() == ["here", "there"]


def test_a_named_fault_point_kills_its_process_or_finds_the_disk_full(monkeypatch):
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from assets.faults import fault_point; fault_point('here'); print('survived')",
        ],
        cwd=PROJECT_ROOT,
        env=os.environ | {FAULT_AT: "here"},
        capture_output=True,
        text=True,
    )
    assert (killed.returncode, killed.stdout) == (-signal.SIGKILL, "")
    monkeypatch.setenv(FAULT_AT, "here")
    monkeypatch.setenv(FAULT, DISK_FULL)
    with pytest.raises(OSError) as full:
        fault_point("here")
    assert full.value.errno == errno.ENOSPC


@dg.asset
def tally(duckdb: WorkingDatabase) -> None:
    """Add one row to `tally`, through two connections."""
    with duckdb.get_connection() as con:
        con.execute("create table if not exists tally (n int)")
    with duckdb.get_connection() as con:
        con.execute("insert into tally values (1)")


def run_tally(working, published):
    resource = WorkingDatabase(database=str(working), published_warehouse=str(published))
    assert dg.materialize([tally], resources={"duckdb": resource}).success
    with duckdb.connect(str(working), read_only=True) as con:
        return one_row(con.execute("select count(*) from tally"))[0]


def test_a_run_after_a_killed_one_starts_again_from_the_published_warehouse(tmp_path, monkeypatch):
    working, published = tmp_path / "build" / "joinedup.duckdb", tmp_path / "joinedup.duckdb"
    working.parent.mkdir()
    monkeypatch.setenv(FAULT_TRACE, str(tmp_path / "trace"))
    assert run_tally(working, published) == 1
    assert (tmp_path / "trace").read_text().split() == ["step:tally"]  # once a step, at its start
    shutil.copyfile(working, published)
    assert run_tally(working, published) == 2  # a run that ends keeps its work for the next one
    assert sorted(p.name for p in working.parent.iterdir()) == ["joinedup.duckdb"]
    working.with_name("joinedup.duckdb.running").touch()  # what a killed run leaves
    assert run_tally(working, published) == 2  # from the published warehouse's 1, not the working 2
    published.unlink()
    working.with_name("joinedup.duckdb.running").touch()
    assert run_tally(working, published) == 1  # nothing published: from nothing
    assert sorted(p.name for p in working.parent.iterdir()) == ["joinedup.duckdb"]


def test_runs_inside_a_hold_leave_the_database_open_until_it_ends(tmp_path):
    working, published = tmp_path / "build" / "joinedup.duckdb", tmp_path / "joinedup.duckdb"
    working.parent.mkdir()
    resource = WorkingDatabase(database=str(working), published_warehouse=str(published))
    with resource.held_across_runs():
        for _ in range(2):
            assert dg.materialize([tally], resources={"duckdb": resource}).success
            # not checkpointed at the run's end: its changes wait in the write-ahead log
            assert working.with_name("joinedup.duckdb.wal").exists()
    assert sorted(p.name for p in working.parent.iterdir()) == ["joinedup.duckdb"]
    with duckdb.connect(str(working), read_only=True) as con:
        assert one_row(con.execute("select count(*) from tally")) == (2,)


def test_a_database_a_killed_run_left_is_not_held_and_starts_again_from_the_published_one(tmp_path):
    working, published = tmp_path / "build" / "joinedup.duckdb", tmp_path / "joinedup.duckdb"
    working.parent.mkdir()
    assert run_tally(working, published) == 1
    shutil.copyfile(working, published)
    assert run_tally(working, published) == 2
    working.with_name("joinedup.duckdb.running").touch()  # what a killed run leaves
    resource = WorkingDatabase(database=str(working), published_warehouse=str(published))
    with resource.held_across_runs():
        assert dg.materialize([tally], resources={"duckdb": resource}).success
    with duckdb.connect(str(working), read_only=True) as con:
        assert one_row(con.execute("select count(*) from tally")) == (2,)  # the published 1, plus one

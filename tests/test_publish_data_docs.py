"""The Data Docs built in the second process are those built in this one; its errors, its reuse by the
next run of the process, and its end."""

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.publish import data_docs_process
from assets.publish.data_docs_alongside import DataDocsBuilder
from assets.publish.site import NAVIGATION
from assets.validate.data_docs import build_data_docs
from assets.validate.records import latest_results
from tests.data_docs_files import data_docs_files


def _kept_process() -> int | None:
    """The process id of the builder kept for this process's next run, if any."""
    return data_docs_process._kept[0][1].pid if data_docs_process._kept else None


def test_data_docs_from_the_second_process_match_and_its_errors_are_raised(demo_run, tmp_path):
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        results = latest_results(con)
    here, beside = tmp_path / "here", tmp_path / "beside"
    build_data_docs(results, here, PROJECT_EXPECTATIONS_DIR, NAVIGATION)
    builder = DataDocsBuilder()
    builder.setup_for_execution(dg.build_init_resource_context())  # started as a run starts
    assert builder._waiting is not None
    started = builder._waiting.pid
    with builder.alongside(results, beside, PROJECT_EXPECTATIONS_DIR, NAVIGATION):
        pass
    built = data_docs_files(here)
    assert "index.html" in built and any(name.startswith("validations/") for name in built)
    assert data_docs_files(beside) == built
    assert _kept_process() == started  # kept for the next run

    # a result whose suite has no rules file fails in the second process (the one kept), and the block
    # says so
    unknown = [replace(results[0], suite="no_such_suite")]
    with (
        pytest.raises(FileNotFoundError, match="no_such_suite"),
        builder.alongside(unknown, tmp_path / "broken", PROJECT_EXPECTATIONS_DIR, NAVIGATION),
    ):
        pass
    # the process goes on after a failed build: the next one is whole, carried over from the last
    assert _kept_process() == started
    with builder.alongside(results, tmp_path / "again", PROJECT_EXPECTATIONS_DIR, NAVIGATION, beside):
        pass
    assert data_docs_files(tmp_path / "again") == built and _kept_process() == started
    builder.teardown_after_execution(dg.build_init_resource_context())


def test_a_builder_the_run_never_used_waits_for_the_next_run_and_stops_with_the_process():
    builder = DataDocsBuilder()
    builder.setup_for_execution(dg.build_init_resource_context())
    process = builder._waiting
    assert process is not None and process.poll() is None  # waiting for results
    # below the run's priority, so that its import takes no CPU from the run's models (at most 19)
    lowered = min(os.getpriority(os.PRIO_PROCESS, 0) + data_docs_process.BUILDER_NICENESS, 19)
    assert os.getpriority(os.PRIO_PROCESS, process.pid) == lowered
    builder.teardown_after_execution(dg.build_init_resource_context())
    assert process.poll() is None and _kept_process() == process.pid and builder._waiting is None
    builder.setup_for_execution(dg.build_init_resource_context())  # the next run takes it
    assert builder._waiting is process and _kept_process() is None
    builder.teardown_after_execution(dg.build_init_resource_context())
    data_docs_process._stop_kept()  # as this process ends
    assert process.returncode is not None and _kept_process() is None


def test_a_builder_killed_while_waiting_is_not_taken_again():
    builder = DataDocsBuilder()
    builder.setup_for_execution(dg.build_init_resource_context())
    process = builder._waiting
    assert process is not None
    builder.teardown_after_execution(dg.build_init_resource_context())
    process.kill()
    process.wait()
    builder.setup_for_execution(dg.build_init_resource_context())
    assert builder._waiting is not None and builder._waiting.pid != process.pid
    builder.teardown_after_execution(dg.build_init_resource_context())


def test_a_builder_started_ahead_of_a_run_is_the_one_its_publication_takes():
    data_docs_process.start_ahead()  # as a run of several phases starts
    started = _kept_process()
    assert started is not None
    data_docs_process.start_ahead()  # one is kept at most: the same
    assert _kept_process() == started
    builder = DataDocsBuilder()
    builder.setup_for_execution(dg.build_init_resource_context())  # the publishing phase starts
    assert builder._waiting is not None and builder._waiting.pid == started and _kept_process() is None
    builder.teardown_after_execution(dg.build_init_resource_context())
    data_docs_process._stop_kept()


def test_joinedup_run_starts_the_builder_before_it_imports_dagster():
    """`joinedup run` and `backfill` start the builder first, so that Great Expectations' import has the
    seconds of the pipeline's import too (a short night's publication would wait for it)."""
    script = """
import sys, types
import assets.publish.data_docs_process as process
calls = []
process.start_ahead = lambda: calls.append(sorted({"dagster", "polars"} & sys.modules.keys()))
def run_nightly(settings, months, progress):
    print(calls)
    raise SystemExit(0)
def imported(name):  # what taking run_nightly from the real module costs: Dagster and polars imported
    import dagster, polars
    return run_nightly
pipeline = types.ModuleType("pipelines.run")
pipeline.__getattr__ = imported
sys.modules["pipelines.run"] = pipeline
from pipelines.cli import _run_and_report
_run_and_report("run", None, None, False, False)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[1]
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "[[]]"  # started once, neither Dagster nor polars imported yet


def test_the_builder_imports_our_package_whatever_folder_it_is_started_in(tmp_path, monkeypatch):
    """A working folder holding a package named like ours (`assets`) is not on the builder's path."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "__init__.py").write_text("raise SystemExit(3)\n")
    monkeypatch.chdir(tmp_path)
    builder = data_docs_process.waiting_builder()
    assert builder.stdin is not None
    builder.stdin.close()  # no results: it imports what it builds with, then ends
    assert builder.wait(timeout=300) == 0

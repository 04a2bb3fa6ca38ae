"""The Data Docs built in the second process are those built in this one; its errors and leftovers."""

from dataclasses import replace

import dagster as dg
import duckdb
import pytest

from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.publish.data_docs_alongside import DataDocsBuilder
from assets.publish.site import NAVIGATION
from assets.validate.data_docs import build_data_docs
from assets.validate.records import latest_results
from tests.data_docs_files import data_docs_files


def test_data_docs_from_the_second_process_match_and_its_errors_are_raised(demo_run, tmp_path):
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        results = latest_results(con)
    here, beside = tmp_path / "here", tmp_path / "beside"
    build_data_docs(results, here, PROJECT_EXPECTATIONS_DIR, NAVIGATION)
    builder = DataDocsBuilder()
    builder.setup_for_execution(dg.build_init_resource_context())  # started as a run starts
    with builder.alongside(results, beside, PROJECT_EXPECTATIONS_DIR, NAVIGATION):
        pass
    built = data_docs_files(here)
    assert "index.html" in built and any(name.startswith("validations/") for name in built)
    assert data_docs_files(beside) == built

    # a result whose suite has no rules file fails in the second process (one started on demand,
    # the run's being used), and the block says so
    unknown = [replace(results[0], suite="no_such_suite")]
    with (
        pytest.raises(FileNotFoundError, match="no_such_suite"),
        builder.alongside(unknown, tmp_path / "broken", PROJECT_EXPECTATIONS_DIR, NAVIGATION),
    ):
        pass
    builder.teardown_after_execution(dg.build_init_resource_context())


def test_a_builder_the_run_never_used_is_stopped_at_its_end():
    builder = DataDocsBuilder()
    builder.setup_for_execution(dg.build_init_resource_context())
    process = builder._waiting
    assert process is not None and process.poll() is None  # waiting for results
    builder.teardown_after_execution(dg.build_init_resource_context())
    assert process.poll() is not None and builder._waiting is None

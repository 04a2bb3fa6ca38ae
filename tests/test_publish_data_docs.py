"""The Data Docs built in a second process beside the pages (big sites) are those built in this one."""

import re
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.publish.data_docs_alongside import BACKGROUND_FROM_SERVICES, data_docs_alongside
from assets.publish.site import NAVIGATION
from assets.validate.records import latest_results

# Great Expectations names each page's collapsible blocks with a fresh random UUID
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): UUID.sub(b"<uuid>", p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_data_docs_from_a_second_process_match_and_its_errors_are_raised(demo_run, tmp_path):
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        results = latest_results(con)
    here, beside = tmp_path / "here", tmp_path / "beside"
    with data_docs_alongside(
        results, here, PROJECT_EXPECTATIONS_DIR, NAVIGATION, services=BACKGROUND_FROM_SERVICES - 1
    ):
        pass
    with data_docs_alongside(
        results, beside, PROJECT_EXPECTATIONS_DIR, NAVIGATION, services=BACKGROUND_FROM_SERVICES
    ):
        pass
    built = _files(here)
    assert "index.html" in built and any(name.startswith("validations/") for name in built)
    assert _files(beside) == built

    # a result whose suite has no rules file fails in the second process, and the block says so
    unknown = [replace(results[0], suite="no_such_suite")]
    with (
        pytest.raises(FileNotFoundError, match="no_such_suite"),
        data_docs_alongside(
            unknown,
            tmp_path / "broken",
            PROJECT_EXPECTATIONS_DIR,
            NAVIGATION,
            services=BACKGROUND_FROM_SERVICES,
        ),
    ):
        pass

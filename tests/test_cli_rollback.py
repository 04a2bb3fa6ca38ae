"""`joinedup rollback` says what it would change and asks first; `--dry-run` changes nothing.

Two publications are made by hand (a warehouse with its load log, a site naming its run), as runs
leave them. Fails when a rollback happens without `--yes` or a yes at the prompt, when the dry run
changes anything, or when either leaves out which publication comes back, which goes and which files
the next run reads again.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from assets.publish.swap import Publications
from pipelines.cli import app
from tests.conftest import settings_for


def _publication(store: Publications, run_id: str, files: list[str]) -> Path:
    """Write one whole publication: a warehouse that has loaded `files` of outcomes, and its site."""
    staged = store.stage()
    with duckdb.connect(str(store.warehouse_in(staged))) as con:
        con.execute("create schema audit")
        con.execute(
            "create table audit.load_log (submission_type varchar, file_hash varchar, "
            "file_name varchar, status varchar)"
        )
        con.executemany(
            "insert into audit.load_log values ('outcomes', ?, ?, 'validated')",
            [(f"hash-{name}", name) for name in files],
        )
    store.site_in(staged).mkdir()
    (store.site_in(staged) / "publication.json").write_text(json.dumps({"run_id": run_id}))
    return store.complete(staged)


@pytest.fixture
def published(tmp_path, monkeypatch) -> tuple[Publications, Path, Path]:
    settings = settings_for(tmp_path)
    for name, path in (
        ("JOINEDUP_WAREHOUSE", settings.warehouse),
        ("JOINEDUP_SITE", settings.site_dir),
        ("JOINEDUP_BUILD_DATABASE", settings.build_database),
    ):
        monkeypatch.setenv(name, str(path))
    store = Publications(settings.publications, settings.warehouse, settings.site_dir)
    first = _publication(store, "run-1", ["P1_20260310.csv"])
    second = _publication(store, "run-2", ["P1_20260310.csv", "P2_20260410_late.csv"])
    store.switch(first)
    store.switch(second)
    return store, first, second


def test_dry_run_says_what_would_change_and_changes_nothing(published):
    store, first, second = published
    said = CliRunner().invoke(app, ["rollback", "--dry-run"])
    assert said.exit_code == 0, said.output
    text = " ".join(said.output.split())
    assert f"would put back publication {first.name} (run run-1)" in text
    assert f"would remove publication {second.name} (run run-2)" in text
    assert "read again the 1 file(s) loaded since: outcomes/P2_20260410_late.csv" in text
    assert text.endswith("nothing changed")
    assert store.current() == second and second.exists()


def test_rollback_asks_first_and_a_no_changes_nothing(published):
    store, _, second = published
    declined = CliRunner().invoke(app, ["rollback"], input="n\n")
    assert declined.exit_code == 0 and "roll back?" in declined.output
    assert declined.output.rstrip().endswith("nothing changed")
    assert store.current() == second


def test_rollback_with_yes_puts_the_previous_publication_back(published):
    store, first, second = published
    done = CliRunner().invoke(app, ["rollback", "--yes"])
    assert done.exit_code == 0, done.output
    assert f"restored {first.name}" in done.output
    assert store.current() == first and not second.exists()

"""Data Docs built on the last publication's render only the pages whose results or rules changed, and are
the Data Docs a whole build of the same results gives."""

import json
import shutil
from dataclasses import replace
from datetime import timedelta

import duckdb

from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.publish.site import NAVIGATION
from assets.validate.data_docs import MANIFEST, build_data_docs, page_path
from assets.validate.records import StoredResult, latest_results
from tests.data_docs_files import data_docs_files


def _validated_again(stored: StoredResult) -> StoredResult:
    """The suite run again by a later run: a new run id and time, one more rule broken."""
    result = json.loads(json.dumps(stored.result))
    result["statistics"]["unsuccessful_expectations"] += 1
    return replace(
        stored, run_id="the next night", validated_at=stored.validated_at + timedelta(days=1), result=result
    )


def test_only_changed_pages_are_rendered_and_the_folder_is_a_whole_build(demo_run, tmp_path):
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        results = latest_results(con)
    published = build_data_docs(results, tmp_path / "published", PROJECT_EXPECTATIONS_DIR, NAVIGATION)
    assert (
        published.carried == ()
        and len(published.rendered) == len(data_docs_files(tmp_path / "published")) - 2
    )

    # the next night validates the partners' rows of one type again and one mart, and one suite's rules
    # gained a note
    again = {0, len(results) - 1}
    next_results = [_validated_again(r) if i in again else r for i, r in enumerate(results)]
    rules = tmp_path / "expectations"
    shutil.copytree(PROJECT_EXPECTATIONS_DIR, rules)
    edited = results[len(results) // 2].suite
    spec = json.loads((rules / f"{edited}.json").read_text())
    spec["meta"] = {**spec.get("meta", {}), "notes": "Reviewed by the partnership board."}
    (rules / f"{edited}.json").write_text(json.dumps(spec))

    following = build_data_docs(next_results, tmp_path / "next", rules, NAVIGATION, tmp_path / "published")
    whole = build_data_docs(next_results, tmp_path / "whole", rules, NAVIGATION)

    changed = {page_path(next_results[i]) for i in again} | {f"expectations/{edited}.html"}
    assert set(following.rendered) == changed
    assert set(following.carried) == set(whole.rendered) - changed
    assert data_docs_files(tmp_path / "next") == data_docs_files(tmp_path / "whole")
    # the pages of results no longer current are not carried into the new folder
    assert not {page_path(results[i]) for i in again} & set(data_docs_files(tmp_path / "next"))


def test_pages_built_another_way_are_rendered_again(demo_run, tmp_path):
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        results = latest_results(con)
    build_data_docs(results, tmp_path / "published", PROJECT_EXPECTATIONS_DIR, NAVIGATION)
    # another navigation bar is on every page: nothing is carried over
    other = build_data_docs(
        results, tmp_path / "other", PROJECT_EXPECTATIONS_DIR, {"index.html": "Home"}, tmp_path / "published"
    )
    assert other.carried == ()
    # a build stopped before its manifest was written is not trusted
    (tmp_path / "published" / MANIFEST).unlink()
    again = build_data_docs(
        results, tmp_path / "again", PROJECT_EXPECTATIONS_DIR, NAVIGATION, tmp_path / "published"
    )
    assert again.carried == () and set(again.rendered) == set(other.rendered)

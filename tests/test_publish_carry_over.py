"""Pages whose inputs did not change are carried over from the previous site, the same bytes as rendered."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from assets.publish.board_rules import BoardRules
from assets.publish.page_inputs import RECORD, page_digest
from assets.publish.site import render_site
from tests.publish_fixtures import build_site_warehouse

YESTERDAY = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
RULES = BoardRules(min_peers=2)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    """Yesterday's site; S2's latest figure and its latest efficiency index changed (S1's path chart shows
    it as a peer); today's site carried over from yesterday's and today's rendered whole, both at today's
    time."""
    tmp = tmp_path_factory.mktemp("carry-over")
    con = build_site_warehouse(tmp / "warehouse.duckdb")
    try:
        built = {
            "yesterday": (
                tmp / "yesterday",
                render_site(con, tmp / "yesterday", RULES, None, None, YESTERDAY),
            )
        }
        con.execute(
            """update marts.fct_measure_period set assessed_actual = assessed_actual + 1
            where service_code = 'S2' and measure_code = 'OUT'
                and period = (select max(period) from marts.fct_measure_period where service_code = 'S2')"""
        )
        con.execute(
            """update marts.scorecard_service_period set efficiency_index = efficiency_index + 7
            where service_code = 'S2'
                and period = (
                    select max(period) from marts.scorecard_service_period where service_code = 'S2')"""
        )
        built["carried"] = (
            tmp / "carried",
            render_site(con, tmp / "carried", RULES, None, tmp / "yesterday", TODAY),
        )
        built["whole"] = (tmp / "whole", render_site(con, tmp / "whole", RULES, None, None, TODAY))
    finally:
        con.close()
    return built


def test_only_the_changed_service_and_the_pages_listing_it_are_rendered(sites):
    _, summary = sites["carried"]
    # S1's page draws S2's latest point from its kind's shared script: the script changed, the page did not
    assert summary["rendered"] == ["index.html", "services/s2.html"]
    script = "assets/peers/k-2025-12.js"
    yesterday, carried = (_files(sites[name][0])[script] for name in ("yesterday", "carried"))
    assert yesterday != carried and carried == _files(sites["whole"][0])[script]
    assert summary["carried_over"] == summary["pages"] - 2
    assert sites["whole"][1]["carried_over"] == 0 and len(sites["whole"][1]["rendered"]) == summary["pages"]


def test_carried_over_pages_are_the_bytes_a_whole_render_gives(sites):
    carried, whole = _files(sites["carried"][0]), _files(sites["whole"][0])
    assert carried.keys() == whole.keys()
    assert [name for name in carried if carried[name] != whole[name]] == []


def test_a_carried_over_page_shows_the_new_publication_time(sites):
    yesterday, carried = sites["yesterday"][0], sites["carried"][0]
    old, new = (
        (yesterday / "services/s1.html").read_text("utf-8"),
        (carried / "services/s1.html").read_text("utf-8"),
    )
    stamp = '<time datetime="{}T02:00:00+00:00">{} March 2026 at 02:00 UTC</time>'
    assert old.count(stamp.format("2026-03-01", 1)) == 1 and stamp.format("2026-03-01", 1) not in new
    assert old.replace(stamp.format("2026-03-01", 1), stamp.format("2026-03-02", 2)) == new
    # the changed service's page shows its new figure
    assert (yesterday / "services/s2.html").read_bytes() != (carried / "services/s2.html").read_bytes()


def test_every_page_is_rendered_without_a_readable_record(sites, tmp_path):
    yesterday = sites["yesterday"][0]
    (tmp_path / "previous").mkdir()
    for name, data in _files(yesterday).items():
        (tmp_path / "previous" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "previous" / name).write_bytes(data)
    (tmp_path / "previous" / RECORD).write_text("{not json", "utf-8")
    with duckdb.connect(str(yesterday.parent / "warehouse.duckdb"), read_only=True) as con:
        summary = render_site(con, tmp_path / "out", RULES, None, tmp_path / "previous", TODAY)
    assert summary["carried_over"] == 0
    record = json.loads((tmp_path / "out" / RECORD).read_text("utf-8"))
    assert sorted(record["pages"]) == summary["rendered"]


def test_a_context_that_cannot_be_pickled_is_not_digested():
    assert page_digest("f", "p.html", "t.j2", {"x": lambda: 1}) is None
    assert page_digest("f", "p.html", "t.j2", {"x": 1}) != page_digest("f", "p.html", "t.j2", {"x": 2})
    assert page_digest("f", "p.html", "t.j2", {"x": 1}) != page_digest("g", "p.html", "t.j2", {"x": 1})

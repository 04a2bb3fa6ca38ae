"""The published demo site: every tile as the marts hold it, and the planted truths and faults in view."""

from __future__ import annotations

import html
import json
import re

import duckdb
import pytest

from assets.publish.slugs import file_slugs
from tests.publish_fixtures import expected_tiles, page_tiles


@pytest.fixture(scope="module")
def published(demo_run):
    settings, _, truth = demo_run
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    codes = [code for (code,) in con.execute("select service_code from marts.dim_joint_service").fetchall()]
    yield settings.site_dir, con, file_slugs(codes), truth
    con.close()


def _page(site, slugs, code: str) -> str:
    return (site / "services" / f"{slugs[code]}.html").read_text("utf-8")


def _chart_rows(page: str, title: str) -> list[dict]:
    """The chart's months as the partners reported them (its forecast months left out)."""
    for text in re.findall(r'<script type="application/json" id="[\w-]+-spec">(.*?)</script>', page, re.S):
        spec = json.loads(text)
        if isinstance(spec["title"], dict) and spec["title"]["text"] == title:
            return [row for row in spec["datasets"]["rows"] if "months_ahead" not in row]
    raise AssertionError(f"no chart titled {title}")


def _text(fragment: str) -> str:
    visible = re.sub(r"<script\b.*?</script>", " ", fragment, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", visible)).split())


def test_every_tile_shows_what_the_marts_hold(published):
    site, con, slugs, truth = published
    assert len(slugs) == 3 * truth["areas"]
    for code in slugs:
        tiles = page_tiles(_page(site, slugs, code))
        expected = expected_tiles(con, code)
        assert sorted(tiles) == sorted(expected) and len(tiles) == 4
        for measure, fields in expected.items():
            assert {field: tiles[measure][field] for field in fields} == fields, (code, measure)


def test_index_counts_match_the_marts(published):
    site, con, slugs, _ = published
    index = (site / "index.html").read_text("utf-8")
    rows = dict(re.findall(r'<tr data-service="([\w-]+)">(.*?)</tr>', index, re.S))
    assert sorted(rows) == sorted(slugs)
    concerns = dict(
        con.execute("""
        select service_code, count(*) filter (where variation = 'special cause concern')
        from marts.measure_spc_status group by all""").fetchall()
    )
    for code, row in rows.items():
        assert re.search(r'data-field="concerns">(\d+)<', row).group(1) == str(concerns[code])
        assert f'href="services/{slugs[code]}.html"' in row


def test_the_planted_step_change_shows_as_improvement(published):
    site, con, slugs, truth = published
    step = truth["truths"]["step_change"]
    name = con.execute(
        "select measure_name from marts.dim_measure where measure_code = ?", [step["measure_code"]]
    ).fetchone()[0]
    page = _page(site, slugs, step["service_code"])
    assert page_tiles(page)[step["measure_code"]]["variation"] == "Special cause: improvement"
    after = [r for r in _chart_rows(page, name) if r["period"] >= step["first_period"] + "-01"]
    assert after and {r["point_type"] for r in after} == {"Special cause: improvement"}


def test_the_declared_rebase_is_marked(published):
    site, con, slugs, _ = published
    rebases = con.execute("select service_code, measure_code, first_period from seeds.spc_rebases").fetchall()
    assert rebases
    for service, measure, first in rebases:
        name = con.execute(
            "select measure_name from marts.dim_measure where measure_code = ?", [measure]
        ).fetchone()[0]
        rows = _chart_rows(_page(site, slugs, service), name)
        assert [r["period"] for r in rows if r["rebase"]] == [str(first)[:10]]


def test_the_late_resubmission_shows_in_the_data_quality_panel(published):
    site, _, slugs, truth = published
    resub = truth["truths"]["resubmission"]
    page = _page(site, slugs, resub["service_code"])
    panel = _text(page.split('id="quality-heading"')[1].split("</section>")[0])
    restated = int(re.search(r"Outcomes \d+ \d+ \d+ (\d+)", panel).group(1))
    assert restated >= resub["rows_in_file"]
    assert resub["file"].split("/")[1] in panel  # sent months after its deadline


def test_planted_faults_are_on_the_data_quality_page(published):
    site, _, _, truth = published
    page = _text((site / "data-quality.html").read_text("utf-8"))
    quarantined = [f for f in truth["faults"] if f["expect"] == "quarantined"]
    assert quarantined
    for fault in quarantined:
        assert f"{fault['file'].split('/')[1]} {fault['sheet'] or '—'} {fault['row_number']}" in page, fault
        assert fault["rule"] in page
    for reject in truth["rejects"]:
        assert reject["file"].split("/")[1] in page, reject


def test_the_planted_vacancy_effect_is_said_in_words(published):
    site, con, slugs, truth = published
    effect = truth["truths"]["vacancy_effect"]
    names = dict(con.execute("select measure_code, measure_name from marts.dim_measure").fetchall())
    directions = dict(con.execute("select measure_code, direction from marts.dim_measure").fetchall())
    services = dict(
        con.execute(
            "select service_kind, min(service_code) from marts.dim_joint_service group by all"
        ).fetchall()
    )
    kinds = dict(con.execute("select measure_code, service_kind from marts.dim_measure").fetchall())
    for measure, slope in effect["slope_by_measure"].items():
        page = _text(_page(site, slugs, services[kinds[measure]]))
        rises = slope > 0
        better = rises == (directions[measure] == "higher_is_better")
        assert (
            f"Where the vacancy rate was higher, “{names[measure]}” was {'higher' if rises else 'lower'} "
            f"({'better' if better else 'worse'}) in the same month"
        ) in page, measure
        assert "Association, not cause." in page


def test_the_planted_pay_gap_is_shown(published):
    site, con, slugs, truth = published
    gap = truth["truths"]["pay_gap"]["employer"]
    names = dict(con.execute("select partner_code, partner_name from marts.dim_partner").fetchall())
    group = con.execute(
        "select staff_group_name from seeds.staff_groups where staff_group_code = ?",
        [gap["staff_group_code"]],
    ).fetchone()[0]
    page = _text(_page(site, slugs, gap["service_code"]))
    higher, lower = names[gap["higher_paid_partner_code"]], names[gap["lower_paid_partner_code"]]
    assert re.search(
        rf"{re.escape(group)} {re.escape(higher)} {re.escape(lower)} £[\d,]+ "
        rf"{gap['gap_pct']:.1f}%",
        page,
    )


def test_each_service_page_names_its_quadrant_as_the_index_does(published):
    """The demo's kinds have 3 services each, fewer than the 5 peers a cost comparison needs: every page
    judges its latest month on targets alone (100 = on target), as the index does (not 'Neither')."""
    site, con, slugs, _ = published
    latest = con.execute("""
        select service_code, arg_max(effectiveness_index, period) from marts.scorecard_service_period
        where effectiveness_index is not null group by all""").fetchall()
    assert len(latest) == len(slugs)
    for code, effectiveness in latest:
        words = f"{'On' if effectiveness >= 100 else 'Below'} target (cost not compared: too few peers)"
        page = _page(site, slugs, code)
        assert re.search(r'<dd data-field="quadrant">([^<]*)</dd>', page)[1] == words, code

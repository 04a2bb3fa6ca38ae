"""The HTML scorecard site: files, offline assets, escaping and embedded chart data."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from markupsafe import escape

from assets.publish.site import render_site, service_slugs

NASTY = '<script>alert(1)</script> & "quotes"'
MONTHS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]

SERVICES = [
    # code, name, kind, kind name, area, lead partner code, lead partner name
    ("NOR-HD", "Northshire discharge", "hd", "Hospital discharge", "Northshire", "NOR-ACUTE",
     "Northshire Hospitals"),
    ("EAS-HD", f"Eastborough {NASTY}", "hd", "Hospital discharge", "Eastborough", "EAS-ACUTE",
     f"Eastborough {NASTY} Trust"),
    ("NOR-EH", "Northshire early help", "eh", "Children's early help", "Northshire", "NOR-LA",
     "Northshire Council"),
    ("EAS-EH", "Eastborough early help", "eh", "Children's early help", "Eastborough", "EAS-LA",
     "Eastborough Council"),
]
MEASURES = [
    # code, name, kind, unit, category
    ("HD_DISCHARGES", "People discharged with support", "hd", "count", "activity"),
    ("HD_SAME_DAY", "Discharged on the day they were ready", "hd", "percent", "quality_of_effort"),
    ("EH_CASES", "Early help cases opened", "eh", "count", "activity"),
    ("EH_NEEDS_MET", "Cases closed with needs met", "eh", "percent", "outcome"),
]
SPECIAL_ACTUAL = 87.25  # NOR-HD, HD_SAME_DAY, March


def _scorecard(code: str, month: int) -> tuple:
    if code == "NOR-EH" and month == 2:  # no cost data: NULL efficiency, NULL quadrant
        return (None, 101.0, "not assessed")
    efficiency = 90.0 + 5 * month + len(code)
    effectiveness = 95.0 + 3 * month
    return (efficiency, effectiveness, "efficient and effective")


def _measure_rows(code: str, kind: str) -> list[tuple]:
    rows = []
    for measure_code, _, measure_kind, unit, _ in MEASURES:
        if measure_kind != kind:
            continue
        for i, period in enumerate(MONTHS, start=1):
            actual, target, rag = (80.0 + i, 85.0, "amber") if unit == "percent" else (
                100.0 * i, 150.0, "green" if i > 1 else "red")
            if (code, measure_code, i) == ("NOR-HD", "HD_SAME_DAY", 3):
                actual, rag = SPECIAL_ACTUAL, "green"
            if (code, measure_code) == ("NOR-EH", "EH_NEEDS_MET"):
                target, rag = None, "no target"
            if (code, measure_code, i) == ("EAS-EH", "EH_CASES", 3):
                actual, rag = None, "no data"
            attainment = None if actual is None or target is None else 100 * actual / target
            rows.append((code, measure_code, period, actual, target, 2.0, attainment, rag,
                         f"{code[:3]}-LEAD", i == 2))
    return rows


def build_marts(path: Path) -> duckdb.DuckDBPyConnection:
    """A small warehouse: 2 service kinds, 4 services, 3 months, with gaps and a nasty name."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""
        create table marts.dim_joint_service (service_code varchar, service_name varchar,
            service_kind varchar, service_kind_name varchar, partnership_area varchar,
            lead_partner_code varchar, lead_partner_name varchar, start_period date,
            partner_count bigint)""")
    con.executemany(
        "insert into marts.dim_joint_service values (?, ?, ?, ?, ?, ?, ?, ?, 4)",
        [(*s, MONTHS[0]) for s in SERVICES],
    )
    con.execute("""
        create table marts.dim_measure (measure_code varchar, measure_name varchar,
            service_kind varchar, unit varchar, value_type varchar, direction varchar,
            category varchar, is_output_unit boolean, description varchar)""")
    con.executemany(
        "insert into marts.dim_measure values (?, ?, ?, ?, 'count', 'higher_is_better', ?, "
        "false, '')",
        MEASURES,
    )
    con.execute("""
        create table marts.dim_partner (partner_code varchar, partner_name varchar,
            sector varchar, partnership_area varchar, service_count bigint)""")
    con.executemany(
        "insert into marts.dim_partner values (?, ?, 'NHS', ?, 2)",
        [("NOR-LEAD", "Northshire Council", "Northshire"),
         ("EAS-LEAD", f"Eastborough {NASTY} Trust", "Eastborough")],
    )
    con.execute("""
        create table marts.fct_measure_period (service_code varchar, measure_code varchar,
            period date, numerator double, denominator double, actual double, target double,
            tolerance double, attainment_pct double, rag varchar, reporting_partners bigint,
            accountable_partner_code varchar, is_restated boolean)""")
    con.executemany(
        "insert into marts.fct_measure_period values (?, ?, ?, null, null, ?, ?, ?, ?, ?, 2, ?, ?)",
        [row for code, _, kind, *_ in SERVICES for row in _measure_rows(code, kind)],
    )
    # every measure here is judged month by month, so the assessed figures are the month's
    con.execute("alter table marts.fct_measure_period add column judged_on varchar default 'month'")
    for column, source in (("assessed_actual", "actual"), ("assessed_target", "target"),
                           ("assessed_tolerance", "tolerance")):
        con.execute(f"alter table marts.fct_measure_period add column {column} double")
        con.execute(f"update marts.fct_measure_period set {column} = {source}")
    con.execute("""
        create table marts.scorecard_service_period (service_code varchar, service_kind varchar,
            period date, output_units double, total_cost double, unit_cost double,
            peer_median_unit_cost double, efficiency_index double, effectiveness_index double,
            measures_assessed bigint, quadrant varchar, vacancy_rate double,
            agency_share double)""")
    con.executemany(
        "insert into marts.scorecard_service_period "
        "values (?, ?, ?, 100, 1000, 10, 10, ?, ?, 2, ?, 0.1, 0.05)",
        [(code, kind, period, *_scorecard(code, i))
         for code, _, kind, *_ in SERVICES for i, period in enumerate(MONTHS, start=1)],
    )
    return con


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("site")
    con = build_marts(tmp / "warehouse.duckdb")
    try:
        summary = render_site(con, tmp / "out")
    finally:
        con.close()
    return tmp / "out", summary


def _page(out: Path, code: str) -> str:
    return (out / "services" / f"{service_slugs([code])[code]}.html").read_text("utf-8")


def _specs(page: str) -> dict[str, dict]:
    """Every embedded chart spec on a page, by chart id."""
    found = re.findall(
        r'<script type="application/json" id="([\w-]+)-spec">(.*?)</script>', page, re.S
    )
    return {chart_id: json.loads(text) for chart_id, text in found}


def _rows(spec: dict) -> list[dict]:
    return spec["datasets"]["rows"]


def test_writes_index_service_pages_and_one_bundle(site):
    out, summary = site
    assert (out / "index.html").is_file()
    assert sorted(p.name for p in (out / "services").iterdir()) == [
        "eas-eh.html", "eas-hd.html", "nor-eh.html", "nor-hd.html"
    ]
    bundle = out / "assets" / "vega-bundle.js"
    assert bundle.stat().st_size > 100_000
    assert "window.vegaEmbed" in bundle.read_text("utf-8")
    assert summary["pages"] == 5
    assert summary["services"] == 4
    assert summary["bytes"] == sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def test_pages_use_local_assets_only(site):
    out, _ = site
    pages = {out / "index.html": "assets/"}
    pages.update({p: "../assets/" for p in (out / "services").glob("*.html")})
    for path, prefix in pages.items():
        page = path.read_text("utf-8")
        assert f'<script src="{prefix}vega-bundle.js"></script>' in page
        sources = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]*)"', page)
        assert sources
        assert not [s for s in sources if re.match(r"(?i)(https?:)?//", s)], path


def test_names_are_escaped(site):
    out, _ = site
    page = _page(out, "EAS-HD")
    index = (out / "index.html").read_text("utf-8")
    escaped = str(escape(NASTY))
    for text in (page, index):
        assert "<script>alert" not in text
        assert escaped in text
    assert f"<h1>Eastborough {escaped}</h1>" in page
    assert f"<dd>Eastborough {escaped} Trust</dd>" in page  # lead partner
    assert html.unescape(escaped) == NASTY
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page  # inside chart JSON
    # inside embedded JSON the name survives intact once parsed
    assert _rows(_specs(page)["chart-path"])[0]["service"] == f"Eastborough {NASTY}"


def test_path_chart_holds_this_service_and_its_peers(site):
    out, _ = site
    rows = _rows(_specs(_page(out, "NOR-EH"))["chart-path"])
    own = [r for r in rows if r["role"] == "This service"]
    peers = [r for r in rows if r["role"] != "This service"]
    # February has a NULL efficiency index, so it is left out
    assert [r["period"] for r in own] == ["2025-01-01", "2025-03-01"]
    assert [r["is_latest"] for r in own] == [False, True]
    assert [(r["service"], r["period"]) for r in peers] == [
        ("Eastborough early help", "2025-03-01")
    ]


def test_trend_charts_hold_this_measure_rows(site):
    out, _ = site
    specs = _specs(_page(out, "NOR-HD"))
    trends = [s for chart_id, s in specs.items() if chart_id.startswith("chart-trend")]
    assert [s["title"]["text"] for s in trends] == [
        "People discharged with support", "Discharged on the day they were ready"
    ]
    same_day = _rows(trends[1])
    assert len(same_day) == 3
    assert same_day[-1] == {
        "period": "2025-03-01", "month": "Mar 2025", "actual": SPECIAL_ACTUAL,
        "target": 85.0, "tolerance": 2.0, "rag": "Green",
    }
    gap = _rows(_specs(_page(out, "EAS-EH"))["chart-trend-1"])[-1]
    assert gap["actual"] is None and gap["rag"] == "No data"


def test_every_chart_has_title_and_description(site):
    out, _ = site
    for path in [out / "index.html", *(out / "services").glob("*.html")]:
        page = path.read_text("utf-8")
        specs = _specs(page)
        assert specs, path
        for chart_id, spec in specs.items():
            assert spec["description"]
            assert f'id="{chart_id}-title"' in page
            assert re.search(rf'<p id="{chart_id}-description"[^>]*>\s*\S', page)


def test_target_table_shows_status_as_text(site):
    out, _ = site
    statuses = re.findall(r'<span class="rag rag-\w+">(.*?)</span>\s*</td>', _page(out, "NOR-HD"))
    labels = [re.sub(r"<[^>]+>", "", s).strip() for s in statuses]
    assert labels == ["● Green", "● Green"]
    eh = _page(out, "NOR-EH")
    assert ">No target</span>" in eh
    assert ">No data</span>" in _page(out, "EAS-EH")
    assert "(restated)" not in eh  # only February is restated; the table shows March


def test_index_lists_every_service(site):
    out, _ = site
    index = (out / "index.html").read_text("utf-8")
    table = index.split("<tbody>")[1].split("</tbody>")[0]
    links = re.findall(r'<th scope="row"><a href="(services/[a-z0-9-]+\.html)">', table)
    assert sorted(links) == [f"services/{s}.html" for s in ["eas-eh", "eas-hd", "nor-eh", "nor-hd"]]
    for link in links:
        assert (out / link).is_file()
    points = _rows(_specs(index)["chart-partnership"])
    assert len(points) == 4 and {p["month"] for p in points} == {"Mar 2025"}
    assert '<th scope="col">Quadrant</th>' in index


def test_slugs_are_safe_and_unique():
    slugs = service_slugs(["NOR-HD", "nor_hd", "../Etc/Passwd", "", "A&B"])
    assert slugs["NOR-HD"] == "nor-hd"
    assert slugs["nor_hd"] == "nor-hd-2"
    assert slugs["../Etc/Passwd"] == "etc-passwd"
    assert slugs[""] == "service"
    assert slugs["A&B"] == "a-b"
    assert all(re.fullmatch(r"[a-z0-9-]+", s) for s in slugs.values())

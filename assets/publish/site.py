"""Render the HTML scorecard site (index and one page per joint service) from the marts."""

from __future__ import annotations

import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import jinja2
import vl_convert
from markupsafe import Markup

from assets.publish import charts

TEMPLATE_DIR = Path(__file__).parent / "templates"
BUNDLE_PATH = Path("assets") / "vega-bundle.js"
STYLE_PATH = Path("assets") / "style.css"

SERVICES_SQL = """
    select service_code, service_name, service_kind, service_kind_name, partnership_area,
           lead_partner_code, lead_partner_name, start_period, partner_count
    from marts.dim_joint_service
    order by partnership_area, service_name, service_code
"""
SCORECARD_SQL = """
    select service_code, period, efficiency_index, effectiveness_index, quadrant
    from marts.scorecard_service_period
    order by service_code, period
"""
MEASURE_PERIODS_SQL = """
    select f.service_code, f.measure_code,
           coalesce(m.measure_name, f.measure_code) as measure_name,
           m.category, m.unit, f.period, f.actual, f.target, f.tolerance, f.attainment_pct,
           f.rag, f.is_restated, f.accountable_partner_code, f.judged_on, f.assessed_actual,
           f.assessed_target, f.assessed_tolerance,
           coalesce(p.partner_name, f.accountable_partner_code) as accountable_partner_name
    from marts.fct_measure_period as f
    left join marts.dim_measure as m on m.measure_code = f.measure_code
    left join marts.dim_partner as p on p.partner_code = f.accountable_partner_code
    order by f.service_code, f.measure_code, f.period
"""

# rag value -> (symbol, label, css class); the symbol only repeats what the label says.
RAG_DISPLAY = {
    "green": ("●", "Green", "green"),
    "amber": ("▲", "Amber", "amber"),
    "red": ("■", "Red", "red"),
    "no target": ("", "No target", "none"),
    "data incomplete": ("", "Data incomplete", "none"),
    "no data": ("", "No data", "none"),
}
CATEGORY_LABELS = {
    "activity": "Activity",
    "quality_of_effort": "Quality of effort",
    "outcome": "Outcome",
}
JUDGED_ON_LABELS = {"month": "Month", "year_to_date": "Year to date",
                    "rolling_12_months": "Rolling 12 months"}
UNIT_LABELS = {"count": "Count", "percent": "Percent", "rate_per_1000": "Rate per 1,000"}
NO_VALUE = "—"


@dataclass(frozen=True)
class ChartView:
    """One chart on a page: its heading, text description and embedded Vega-Lite spec."""

    html_id: str
    title: str
    description: str
    spec_json: Markup


@dataclass(frozen=True)
class Marts:
    """The mart rows the site needs, grouped by service."""

    services: list[dict[str, Any]]
    scorecard: dict[str, list[dict[str, Any]]]
    measure_periods: dict[str, list[dict[str, Any]]]

    def score_at(self, service_code: str, period: date | None) -> dict[str, Any] | None:
        """The service's scorecard row for a month, if any."""
        rows = self.scorecard.get(service_code, [])
        return next((r for r in reversed(rows) if r["period"] == period), None)


def render_site(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict:
    """Write index.html, services/<slug>.html and the shared assets under `out_dir`."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    marts = load_marts(con)
    slugs = service_slugs([s["service_code"] for s in marts.services])
    generated_at = datetime.now(UTC).astimezone()
    env = _environment()

    written = _write(out_dir / BUNDLE_PATH, javascript_bundle())
    written += _write(out_dir / STYLE_PATH, (TEMPLATE_DIR / "style.css").read_text("utf-8"))
    index = env.get_template("index.html.j2").render(
        root="", generated_at=generated_at, **_index_context(marts, slugs)
    )
    written += _write(out_dir / "index.html", index)

    service_template = env.get_template("service.html.j2")
    for service in marts.services:
        page = service_template.render(
            root="../", generated_at=generated_at, **_service_context(service, marts)
        )
        written += _write(out_dir / "services" / f"{slugs[service['service_code']]}.html", page)

    return {
        "pages": len(marts.services) + 1,
        "services": len(marts.services),
        "bytes": written,
        "seconds": round(time.perf_counter() - started, 3),
    }


def load_marts(con: duckdb.DuckDBPyConnection) -> Marts:
    """Read the services, their monthly scorecard and their measure results."""
    return Marts(
        services=con.execute(SERVICES_SQL).pl().to_dicts(),
        scorecard=_group_by_service(con.execute(SCORECARD_SQL).pl().to_dicts()),
        measure_periods=_group_by_service(con.execute(MEASURE_PERIODS_SQL).pl().to_dicts()),
    )


def service_slugs(codes: list[str]) -> dict[str, str]:
    """Map each service code to a unique file-name slug made only of [a-z0-9-]."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for code in sorted(codes):
        base = re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-") or "service"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs[code] = slug
    return slugs


@cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one offline script, matching Altair's Vega-Lite."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return vl_convert.javascript_bundle(vl_version=f"v{major}_{minor}")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _group_by_service(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["service_code"]].append(row)
    return grouped


def _write(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


# ---------------------------------------------------------------- formatting


def _number(value: float | None, digits: int = 2) -> float | None:
    """A finite value as a float rounded for charts, or None."""
    if value is None or not math.isfinite(value := float(value)):
        return None
    return round(value, digits)


def _format_index(value: float | None) -> str:
    number = _number(value, 9)
    return NO_VALUE if number is None else f"{number:.1f}"


def _format_value(value: float | None, unit: str | None) -> str:
    number = _number(value, 9)
    if number is None:
        return NO_VALUE
    if unit == "percent":
        return f"{number:,.1f}%"
    if unit == "rate_per_1000":
        return f"{number:,.1f} per 1,000"
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


def _month(period: date | None) -> str:
    return period.strftime("%b %Y") if period else NO_VALUE


def _long_month(period: date | None) -> str:
    return period.strftime("%B %Y") if period else NO_VALUE


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _services(count: int, kind: str = "") -> str:
    noun = "service" if count == 1 else "services"
    return " ".join(part for part in (str(count), kind, noun) if part)


def _rag(rag: str | None) -> dict[str, str]:
    symbol, label, css = RAG_DISPLAY.get(rag or "no data", ("", str(rag), "none"))
    return {"symbol": symbol, "label": label, "css": css}


def _has_indices(row: dict[str, Any]) -> bool:
    return (
        _number(row["efficiency_index"]) is not None
        and _number(row["effectiveness_index"]) is not None
    )


def _index_point(row: dict[str, Any], service: dict[str, Any]) -> dict[str, Any]:
    """A chart row for one service-month of the efficiency-versus-effectiveness charts."""
    return {
        "service": service["service_name"],
        "period": row["period"].isoformat(),
        "month": _month(row["period"]),
        "efficiency_index": _number(row["efficiency_index"]),
        "effectiveness_index": _number(row["effectiveness_index"]),
        "quadrant": row["quadrant"] or "not assessed",
    }


def _latest_period(service_code: str, marts: Marts) -> date | None:
    periods = [r["period"] for r in marts.scorecard.get(service_code, [])]
    periods += [r["period"] for r in marts.measure_periods.get(service_code, [])]
    return max(periods, default=None)


# ---------------------------------------------------------------- index page


def _index_context(marts: Marts, slugs: dict[str, str]) -> dict[str, Any]:
    periods = [r["period"] for rows in marts.scorecard.values() for r in rows]
    latest = max(periods, default=None)
    return {
        "rows": [_index_row(s, marts, slugs) for s in marts.services],
        "latest_month": _long_month(latest),
        "area_count": len({s["partnership_area"] for s in marts.services}),
        "partnership_chart": _partnership_chart(marts, slugs, latest),
    }


def _index_row(service: dict[str, Any], marts: Marts, slugs: dict[str, str]) -> dict[str, Any]:
    code = service["service_code"]
    latest = _latest_period(code, marts)
    score = marts.score_at(code, latest)
    rags = Counter(r["rag"] for r in marts.measure_periods.get(code, []) if r["period"] == latest)
    return {
        "service": service,
        "href": f"services/{slugs[code]}.html",
        "latest_month": _month(latest),
        "quadrant": _sentence_case(score["quadrant"]) if score and score["quadrant"] else NO_VALUE,
        "effectiveness": _format_index(score["effectiveness_index"] if score else None),
        "efficiency": _format_index(score["efficiency_index"] if score else None),
        "red": rags["red"],
        "amber": rags["amber"],
        "green": rags["green"],
    }


def _partnership_chart(
    marts: Marts, slugs: dict[str, str], latest: date | None
) -> ChartView | None:
    points = []
    for service in marts.services:
        code = service["service_code"]
        row = marts.score_at(code, latest)
        if row and _has_indices(row):
            points.append(
                _index_point(row, service)
                | {
                    "area": service["partnership_area"],
                    "kind": service["service_kind_name"],
                    "url": f"services/{slugs[code]}.html",
                }
            )
    if not points:
        return None
    title = f"Efficiency and effectiveness of every joint service, {_long_month(latest)}"
    counts = Counter(p["quadrant"] for p in points).most_common()
    quadrants = "; ".join(f"{n} {quadrant}" for quadrant, n in counts)
    description = (
        f"Scatter chart of {len(points)} joint services in {_long_month(latest)}, efficiency "
        "index across and effectiveness index up; 100 on each marks the peer median cost per "
        f"unit and being on target. By quadrant: {quadrants}."
    )
    if missing := len(marts.services) - len(points):
        description += f" Not shown, having no index for this month: {_services(missing)}."
    spec = charts.fill_spec(charts.partnership_template(), points, title, description)
    return ChartView("chart-partnership", title, description, charts.spec_json(spec))


# ---------------------------------------------------------------- service page


def _service_context(service: dict[str, Any], marts: Marts) -> dict[str, Any]:
    code = service["service_code"]
    by_measure: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in marts.measure_periods.get(code, []):
        by_measure[row["measure_code"]].append(row)
    measures = sorted(by_measure.values(), key=_measure_order)
    latest = _latest_period(code, marts)
    return {
        "service": service,
        "start_month": _long_month(service["start_period"]),
        "latest_month": _long_month(latest),
        "path_chart": _path_chart(service, marts),
        "targets": [_target_row(rows, latest) for rows in measures],
        "trends": [_trend_chart(i, rows) for i, rows in enumerate(measures, start=1)],
    }


def _measure_order(rows: list[dict[str, Any]]) -> tuple[int, str]:
    order = list(CATEGORY_LABELS)
    category = rows[0]["category"]
    return (order.index(category) if category in order else len(order), rows[0]["measure_name"])


def _target_row(rows: list[dict[str, Any]], latest: date | None) -> dict[str, Any]:
    first = rows[0]
    row = next((r for r in rows if r["period"] == latest), None)
    unit = first["unit"]
    attainment = _number(row["attainment_pct"]) if row else None
    tolerance = row["assessed_tolerance"] if row and row["assessed_target"] is not None else None
    return {
        "measure": first["measure_name"],
        "category": CATEGORY_LABELS.get(first["category"], first["category"] or NO_VALUE),
        "unit": UNIT_LABELS.get(unit, unit or NO_VALUE),
        "judged_on": JUDGED_ON_LABELS.get(first["judged_on"], first["judged_on"] or NO_VALUE),
        "actual": _format_value(row["assessed_actual"] if row else None, unit),
        "target": _format_value(row["assessed_target"] if row else None, unit),
        "tolerance": _format_value(tolerance, unit),
        "attainment": NO_VALUE if attainment is None else f"{attainment:.1f}%",
        "rag": _rag(row["rag"] if row else "no data"),
        "restated": bool(row and row["is_restated"]),
        "accountable": (row and row["accountable_partner_name"]) or NO_VALUE,
    }


def _path_chart(service: dict[str, Any], marts: Marts) -> ChartView | None:
    code = service["service_code"]
    path = [_index_point(r, service) for r in marts.scorecard.get(code, []) if _has_indices(r)]
    if not path:
        return None
    for point in path:
        point.update(role=charts.FOCUS_LABEL, is_latest=False)
    last = path[-1]
    last["is_latest"] = True
    last_period = date.fromisoformat(last["period"])
    peer_rows = [
        (peer, marts.score_at(peer["service_code"], last_period))
        for peer in marts.services
        if peer["service_kind"] == service["service_kind"] and peer["service_code"] != code
    ]
    peers = [
        dict(_index_point(row, peer), role=charts.PEER_LABEL, is_latest=False)
        for peer, row in peer_rows
        if row and _has_indices(row)
    ]
    title = f"Efficiency and effectiveness of {service['service_name']} over time"
    description = (
        f"Path of {service['service_name']} over {len(path)} months from {path[0]['month']} "
        f"to {last['month']}. In {last['month']} its efficiency index was "
        f"{last['efficiency_index']:.1f} and its effectiveness index "
        f"{last['effectiveness_index']:.1f} ({last['quadrant']}). "
        f"Shown faded for {last['month']}: "
        f"{_services(len(peers), 'other ' + service['service_kind_name'])}."
    )
    spec = charts.fill_spec(charts.service_path_template(), path + peers, title, description)
    return ChartView("chart-path", title, description, charts.spec_json(spec))


def _latest_result(row: dict[str, Any], unit: str | None) -> str:
    """A sentence on a measure's last month: actual, target and status."""
    actual = (
        "no actual was reported"
        if _number(row["actual"]) is None
        else f"the actual was {_format_value(row['actual'], unit)}"
    )
    target = (
        "with no target set"
        if _number(row["target"]) is None
        else f"against a target of {_format_value(row['target'], unit)}"
    )
    return f"In {_month(row['period'])} {actual}, {target}. Status: {_rag(row['rag'])['label']}."


def _trend_chart(number: int, rows: list[dict[str, Any]]) -> ChartView:
    first = rows[0]
    unit = first["unit"]
    points = [
        {
            "period": r["period"].isoformat(),
            "month": _month(r["period"]),
            "actual": _number(r["actual"]),
            "target": _number(r["target"]),
            "tolerance": _number(r["tolerance"]),
            "rag": _rag(r["rag"])["label"],
        }
        for r in rows
    ]
    last = rows[-1]
    description = (
        f"Line chart of {first['measure_name']} by month from {_month(first['period'])} to "
        f"{_month(last['period'])}, actual as a solid line with points and target as a dashed "
        f"line. {_latest_result(last, unit)}"
    )
    title = first["measure_name"]
    subtitle = f"Actual against target by month, {UNIT_LABELS.get(unit, unit or 'value').lower()}"
    spec = charts.fill_spec(
        charts.trend_template(), points, {"text": title, "subtitle": subtitle}, description
    )
    return ChartView(f"chart-trend-{number}", title, description, charts.spec_json(spec))

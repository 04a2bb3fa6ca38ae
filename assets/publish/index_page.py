"""The index page: every joint service in one sortable table, and the partnership-wide chart."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from assets.publish.chart_views import ChartTemplates, ChartView, chart_view, safe_json
from assets.publish.display import NO_VALUE, format_index, long_month, month, number, plural, sentence_case
from assets.publish.index_paths import index_points
from assets.publish.marts import Marts, Row
from assets.publish.quality import Quality
from assets.publish.quality_page import service_flags

CONCERN = "special cause concern"


def index_context(marts: Marts, quality: Quality, slugs: dict[str, str],
                  templates: ChartTemplates) -> dict[str, Any]:
    """The index page's table rows, headline counts and chart."""
    periods = [r["period"] for rows in marts.scorecard.values() for r in rows]
    latest = max(periods, default=None)
    concerns = Counter(service_code for (service_code, _), status in marts.spc_status.items()
                       if status["variation"] == CONCERN)
    return {
        "rows": [_row(s, marts, quality, slugs, latest, concerns[s["service_code"]]) for s in marts.services],
        "latest_month": long_month(latest),
        "area_count": len({s["partnership_area"] for s in marts.services}),
        "partnership_chart": _partnership_chart(marts, slugs, latest, templates),
    }


def _sort_number(value: float | None) -> str:
    found = number(value, 6)
    return "" if found is None else repr(found)


def _row(service: Row, marts: Marts, quality: Quality, slugs: dict[str, str],
         site_latest: date | None, concerns: int) -> dict[str, Any]:
    code = service["service_code"]
    latest = marts.latest_period(code)
    score = marts.score_at(code, latest)
    rags = Counter(r["rag"] for r in marts.measure_periods.get(code, []) if r["period"] == latest)
    flags = service_flags(code, marts, quality)
    return {
        "service": service,
        "href": f"services/{slugs[code]}.html",
        "latest_month": month(latest),
        "behind": latest != site_latest,
        "quadrant": sentence_case(score["quadrant"]) if score and score["quadrant"] else NO_VALUE,
        "effectiveness": format_index(score["effectiveness_index"] if score else None),
        "effectiveness_sort": _sort_number(score["effectiveness_index"] if score else None),
        "efficiency": format_index(score["efficiency_index"] if score else None),
        "efficiency_sort": _sort_number(score["efficiency_index"] if score else None),
        "red": rags["red"],
        "amber": rags["amber"],
        "green": rags["green"],
        "concerns": concerns,
        "flags": flags,
    }


def _partnership_chart(marts: Marts, slugs: dict[str, str], latest: date | None,
                       templates: ChartTemplates) -> ChartView | None:
    points, rows = [], []
    for service in marts.services:
        code = service["service_code"]
        row = marts.score_at(code, latest)
        for point in index_points(service, [row] if row else []):
            points.append(point)
            rows.append(f"{point.json_head},\"area\":{safe_json(service['partnership_area'])},"
                        f"\"kind\":{safe_json(service['service_kind_name'])},"
                        f"\"url\":{safe_json(f'services/{slugs[code]}.html')}}}")
    if not points:
        return None
    title = f"Efficiency and effectiveness of every joint service, {long_month(latest)}"
    counts = Counter(p.quadrant for p in points).most_common()
    quadrants = "; ".join(f"{n} {quadrant}" for quadrant, n in counts)
    description = (
        f"Scatter chart of {plural(len(points), 'joint service')} in {long_month(latest)}, "
        "efficiency index across and effectiveness index up; lines at 100 on each mark the peer "
        f"median cost per unit and being on target, and divide the four quadrants. By quadrant: "
        f"{quadrants}."
    )
    if missing := len(marts.services) - len(points):
        description += f" Not shown, having no index for this month: {plural(missing, 'service')}."
    return chart_view("chart-partnership", "partnership", templates["partnership"], f"[{','.join(rows)}]",
                      title, description)

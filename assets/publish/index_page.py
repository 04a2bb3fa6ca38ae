"""The index page: a headline, every joint service in one sortable table, and the partnership-wide chart."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

import duckdb
from markupsafe import Markup

from assets.publish import mdc_icons
from assets.publish.board_rules import NOT_COMPARED, BoardRules, effectiveness_direction, target_words
from assets.publish.chart_views import ChartTemplates, ChartView, chart_view, safe_json
from assets.publish.display import NO_VALUE, format_index, long_month, month, number, plural, sentence_case
from assets.publish.headline import PeerCounts, headline, newest_special_causes, service_quadrant
from assets.publish.index_paths import index_points
from assets.publish.marts import Marts, Row
from assets.publish.quality import Quality
from assets.publish.quality_page import service_flags
from assets.publish.staleness import data_age

CONCERN = "special cause concern"
# every point is named up to this many; past it only the points farthest from (100, 100) are
LABELLED_POINTS = 25
# the scatter's point names, drawn beside each point over the chart template's layers
LABEL_LAYER = {
    "data": {"name": "rows"},
    "transform": [{"filter": "datum.label != null"}],
    "mark": {
        "type": "text",
        "align": "left",
        "baseline": "middle",
        "dx": 8,
        "fontSize": 11,
        "color": "#1b1b1b",
    },
    "encoding": {
        "x": {"field": "efficiency_index", "type": "quantitative"},
        "y": {"field": "effectiveness_index", "type": "quantitative"},
        "text": {"field": "label", "type": "nominal"},
    },
}


def index_context(
    con: duckdb.DuckDBPyConnection,
    marts: Marts,
    quality: Quality,
    slugs: dict[str, str],
    templates: ChartTemplates,
    rules: BoardRules,
    published_on: date,
    changes: dict[str, Any] | None,
) -> dict[str, Any]:
    """The index page's headline, table rows, data age and chart."""
    periods = [r["period"] for rows in marts.scorecard.values() for r in rows]
    latest = max(periods, default=None)
    peers = PeerCounts.of(marts)
    concerns = Counter(
        service_code
        for (service_code, _), status in marts.spc_status.items()
        if status["variation"] == CONCERN
    )
    states = {s["service_code"]: measure_states(s["service_code"], marts) for s in marts.services}
    return {
        "headline": headline(marts, peers, rules, newest_special_causes(con, marts), changes),
        "data_age": data_age(con, latest, published_on),
        "rows": [
            service_row(s, marts, quality, slugs, latest, concerns[s["service_code"]], peers, rules)
            | {"variation": variation_counts(states[s["service_code"]])}
            for s in marts.services
        ],
        "matrix_columns": mdc_icons.MATRIX_COLUMNS,
        # the rows draw their icons from symbols the page holds once (`icon_symbols`)
        "mdc_symbols": mdc_icons.icon_symbols(),
        "assurance_icons": {
            kind: mdc_icons.icon_reference("assurance", kind) for kind in mdc_icons.ASSURANCE_ICONS
        },
        "matrix_rows": mdc_icons.summary_matrix_rows(m for found in states.values() for m in found),
        "latest_month": long_month(latest),
        "area_count": len({s["partnership_area"] for s in marts.services}),
        "min_peers": rules.min_peers,
        "partnership_chart": _partnership_chart(marts, slugs, latest, templates, peers, rules),
        "changes": changes,
    }


def _sort_number(value: float | None) -> str:
    found = number(value, 6)
    return "" if found is None else repr(found)


def _assurance(code: str, marts: Marts) -> dict[str, int]:
    found = Counter(s["assurance"] for s in marts.spc_statuses(code))
    return {
        "failing": found["consistently failing"],
        "passing": found["consistently passing"],
        "hit_and_miss": found["hit and miss"],
    }


def measure_states(code: str, marts: Marts) -> list[tuple[str, str | None, str | None]]:
    """Each measure the service reports, named with its service, with its latest variation and assurance
    (`measure_spc_status`), as `mdc_icons.summary_matrix_rows` takes them; as the service page counts them."""
    measures = dict.fromkeys(r["measure_code"] for r in marts.measure_periods.get(code, []))
    states = []
    for measure in measures:
        status = marts.spc_status.get((code, measure)) or {}
        states.append(
            (f"{code} {marts.measure_name(measure)}", status.get("variation"), status.get("assurance"))
        )
    return states


def variation_counts(states: list[tuple[str, str | None, str | None]]) -> list[dict[str, Any]]:
    """The service's measures counted by the variation of their latest point, a count per variation that
    occurs, each with its Making Data Count icon drawn from the page's symbols (decorative: the words say
    the same)."""
    return [
        {
            "key": row.heading.key or "",
            "label": row.heading.label,
            "icon": mdc_icons.icon_reference("variation", row.heading.kind, mdc_icons.ICON_SIZE_IN_MATRIX)
            if row.heading.kind
            else None,
            "count": count,
        }
        for row in mdc_icons.summary_matrix_rows(states)
        if (count := sum(cell.count for cell in row.cells))
    ]


def rag_sort(red: int, amber: int) -> str:
    """The key the red-amber-green column sorts by, as a number: the red count, then the amber count
    among services with as many red (amber / (amber + 1) grows with amber and stays below 1, so one more
    red always outweighs any amber)."""
    return repr(red + amber / (amber + 1))


def service_row(
    service: Row,
    marts: Marts,
    quality: Quality,
    slugs: dict[str, str],
    site_latest: date | None,
    concerns: int,
    peers: PeerCounts,
    rules: BoardRules,
) -> dict[str, Any]:
    """One service's row of the index table: its latest month's quadrant, indices, counts and flags."""
    code = service["service_code"]
    latest = marts.latest_period(code)
    score = marts.score_at(code, latest)
    rags = Counter(r["rag"] for r in marts.measure_periods.get(code, []) if r["period"] == latest)
    peer_count = peers.of_kind(service["service_kind"], latest)
    enough = rules.enough_peers(peer_count)
    efficiency = score["efficiency_index"] if score and enough else None
    if score is None:
        direction = NO_VALUE
    elif enough:
        direction = sentence_case(score["direction_of_travel"])
    else:
        direction = sentence_case(effectiveness_direction(score["effectiveness_change_6m"]))
    return {
        "service": service,
        "href": f"services/{slugs[code]}.html",
        "latest_month": month(latest),
        "behind": latest != site_latest,
        "quadrant": service_quadrant(service, score, peers, rules)
        if enough or not score or score["effectiveness_index"] is None
        else target_words(score["effectiveness_index"]),
        "quadrant_note": None
        if enough or not score or score["effectiveness_index"] is None
        else NOT_COMPARED,
        "effectiveness": format_index(score["effectiveness_index"] if score else None),
        "effectiveness_sort": _sort_number(score["effectiveness_index"] if score else None),
        "efficiency": format_index(efficiency)
        if enough or not peer_count
        else f"Too few peers ({peer_count})",
        "efficiency_sort": _sort_number(efficiency),
        "direction": direction,
        "assurance": _assurance(code, marts),
        "red": rags["red"],
        "amber": rags["amber"],
        "green": rags["green"],
        "rag_sort": rag_sort(rags["red"], rags["amber"]),
        "concerns": concerns,
        "flags": service_flags(code, marts, quality.service(code)),
    }


def _partnership_chart(
    marts: Marts,
    slugs: dict[str, str],
    latest: date | None,
    templates: ChartTemplates,
    peers: PeerCounts,
    rules: BoardRules,
) -> ChartView | None:
    points, left_out = [], 0
    for service in marts.services:
        code = service["service_code"]
        row = marts.score_at(code, latest)
        found = index_points(service, [row] if row else [])
        if found and not rules.enough_peers(peers.of_kind(service["service_kind"], latest)):
            left_out += 1
            continue
        points += [(point, service, slugs[code]) for point in found]
    if not points:
        return None
    # the farthest from (100, 100) are named first when there are too many to name every one
    far = sorted(
        points, key=lambda p: -(abs(p[0].efficiency_index - 100) + abs(p[0].effectiveness_index - 100))
    )
    named = {id(p[0]) for p in far[:LABELLED_POINTS]}
    rows = [
        f'{point.json_head},"area":{safe_json(service["partnership_area"])},'
        f'"kind":{safe_json(service["service_kind_name"])},'
        f'"url":{safe_json(f"services/{slug}.html")},'
        f'"label":{safe_json(service["service_name"]) if id(point) in named else "null"}}}'
        for point, service, slug in points
    ]
    title = f"Efficiency and effectiveness of every joint service, {long_month(latest)}"
    counts = Counter(p.quadrant for p, _, _ in points).most_common()
    quadrants = "; ".join(f"{n} {quadrant}" for quadrant, n in counts)
    description = (
        f"Scatter chart of {plural(len(points), 'joint service')} in {long_month(latest)}, each named, "
        "efficiency index across and effectiveness index up; lines at 100 on each mark the peer "
        f"median cost per unit and being on target, and divide the four quadrants. By quadrant: "
        f"{quadrants}."
    )
    if len(points) > LABELLED_POINTS:
        description = description.replace("each named", f"the {LABELLED_POINTS} farthest from 100 named")
    if left_out:
        description += (
            f" Not shown, their kind having fewer than {rules.min_peers} services with a "
            f"cost per unit to compare: {plural(left_out, 'service')}."
        )
    if missing := len(marts.services) - len(points) - left_out:
        description += f" Not shown, having no index for this month: {plural(missing, 'service')}."
    view = chart_view(
        "chart-partnership",
        "partnership",
        templates["partnership"],
        f"[{','.join(rows)}]",
        title,
        description,
    )
    spec = json.loads(view.spec_json)
    spec["layer"].append(LABEL_LAYER)
    return replace(view, spec_json=Markup(safe_json(spec)))

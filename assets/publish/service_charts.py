"""The charts of a service page: its efficiency-and-effectiveness path and an SPC chart per measure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from assets.publish import charts
from assets.publish.chart_views import ChartTemplates, ChartView, Template, chart_view
from assets.publish.display import (
    UNIT_LABELS,
    format_index,
    format_value,
    join_words,
    long_month,
    month,
    months_before,
    number,
    plural,
    variation_badge,
)
from assets.publish.marts import Marts, Row

TOO_FEW = "too few points for limits"


def has_indices(row: Row) -> bool:
    """Whether a scorecard row has both an efficiency and an effectiveness index."""
    return number(row["efficiency_index"]) is not None and number(row["effectiveness_index"]) is not None


def index_point(row: Row, service: Row) -> Row:
    """A chart row for one service-month of the efficiency-versus-effectiveness charts."""
    return {
        "service": service["service_name"],
        "period": row["period"].isoformat(),
        "month": month(row["period"]),
        "efficiency_index": number(row["efficiency_index"]),
        "effectiveness_index": number(row["effectiveness_index"]),
        "quadrant": row["quadrant"] or "not assessed",
    }


def path_chart(service: Row, marts: Marts, template: Template) -> ChartView | None:
    """The service's monthly path through efficiency and effectiveness, its peers' latest points behind."""
    code = service["service_code"]
    path = [index_point(r, service) for r in marts.scorecard.get(code, []) if has_indices(r)]
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
        dict(index_point(row, peer), role=charts.PEER_LABEL, is_latest=False)
        for peer, row in peer_rows
        if row and has_indices(row)
    ]
    title = f"Efficiency and effectiveness of {service['service_name']} over time"
    kind = service["service_kind_name"]
    description = (
        f"Path of {service['service_name']} over {plural(len(path), 'month')} from "
        f"{path[0]['month']} to {last['month']}, efficiency index across and effectiveness index "
        f"up, with lines at 100 dividing the four quadrants. In {last['month']} its efficiency "
        f"index was {format_index(last['efficiency_index'])} and its effectiveness index "
        f"{format_index(last['effectiveness_index'])} ({last['quadrant']}). Shown as grey diamonds for "
        f"{last['month']}: {plural(len(peers), 'other ' + kind + ' service')}."
    )
    return chart_view("chart-path", "path", template, path + peers, title, description)


@dataclass(frozen=True)
class SpcView:
    """One measure's SPC chart with what it says in words."""

    measure_code: str
    chart: ChartView
    limits_note: str | None  # said in text when a segment has too few points for limits


def spc_charts(service: Row, marts: Marts, measure_codes: list[str],
               templates: ChartTemplates) -> list[SpcView]:
    """An XmR chart per measure of the service, in the order given."""
    by_measure: dict[str, list[Row]] = {}
    for row in marts.spc.get(service["service_code"], []):
        by_measure.setdefault(row["measure_code"], []).append(row)
    # a series without a single value has nothing to draw
    drawn = [c for c in measure_codes if any(number(r["value"]) is not None for r in by_measure.get(c, []))]
    return [_spc_chart(position, code, by_measure[code], marts, templates)
            for position, code in enumerate(drawn, start=1)]


def _spc_rows(rows: list[Row]) -> list[Row]:
    previous_segment = rows[0]["segment"]
    points = []
    for row in rows:
        points.append({
            "period": row["period"].isoformat(),
            "month": month(row["period"]),
            "value": number(row["value"], 4),
            "mean": number(row["mean"], 4),
            "upper_limit": number(row["upper_limit"], 4),
            "lower_limit": number(row["lower_limit"], 4),
            "target": number(row["target"], 4),
            "segment": row["segment"],
            "point_type": variation_badge(row["point_type"]).label if row["point_type"] else None,
            "rebase": row["segment"] != previous_segment,
        })
        previous_segment = row["segment"]
    return points


def _spc_chart(position: int, measure_code: str, rows: list[Row], marts: Marts,
               templates: ChartTemplates) -> SpcView:
    measure = marts.measures.get(measure_code, {})
    unit = measure.get("unit")
    name = marts.measure_name(measure_code)
    points = _spc_rows(rows)
    rebases = [p["month"] for p in points if p["rebase"]]
    segment_starts = {p["segment"]: p["month"] for p in reversed(points)}
    without_limits = sorted({r["segment"] for r in rows if r["limits_status"] == TOO_FEW})
    special = Counter(p["point_type"] for p in points if p["point_type"] and "Special" in p["point_type"])
    latest = [r for r in rows if number(r["value"]) is not None][-1]

    lines = [label for label, column in (("the mean", "mean"), ("the process limits", "upper_limit"),
                                         ("the target", "target"))
             if any(p[column] is not None for p in points)]
    sentences = [
        f"Statistical process control chart of {name} by month from {points[0]['month']} to "
        f"{points[-1]['month']}: each month's value is a point shaped and coloured by whether it "
        "is common-cause variation or a special cause"
        + (f"; lines show {join_words(lines)}." if lines else ".")
    ]
    sentences.append(
        f"Latest value {format_value(latest['value'], unit)} in {month(latest['period'])}"
        + (f", mean {format_value(latest['mean'], unit)}" if latest["mean"] is not None else "")
        + (f", limits {format_value(latest['lower_limit'], unit)} to "
           f"{format_value(latest['upper_limit'], unit)}" if latest["upper_limit"] is not None else "")
        + (f", target {format_value(latest['target'], unit)}" if latest["target"] is not None else "")
        + "."
    )
    if special:
        sentences.append("Special-cause points: " + join_words(
            [f"{n} {label.split(': ')[1]}" for label, n in sorted(special.items())]) + ".")
    else:
        sentences.append("No special-cause points.")
    if rebases:
        sentences.append(f"Limits were rebased from {join_words(rebases)}.")
    limits_note = None
    if without_limits:
        stretch = ("this series has" if len(without_limits) == len(segment_starts) else
                   join_words([f"the months from {segment_starts[s]}" for s in without_limits]) + " have")
        limits_note = (f"Too few points for limits: process limits need at least 12 months, and "
                       f"{stretch} fewer, so no limits or special causes are shown there.")
        sentences.append(limits_note)
    subtitle = f"Monthly values, {UNIT_LABELS.get(unit, unit or 'value')}"
    template = templates[charts.spc_name(measure.get("direction") is not None, bool(lines), bool(rebases))]
    chart = chart_view(f"chart-spc-{position}", "spc", template, points, name, " ".join(sentences),
                       subtitle)
    return SpcView(measure_code, chart, limits_note)


def direction_words(score: Row | None) -> str:
    """The direction of travel over six months, in words with the changes behind it."""
    if not score or not score["direction_of_travel"]:
        return "Direction of travel: not known."
    direction = score["direction_of_travel"]
    if direction == "not enough history":
        return "Direction of travel: not enough history yet (it needs six months of both indices)."
    return (
        f"Direction of travel since {long_month(months_before(score['period'], 6))}: {direction} (efficiency "
        f"{_change(score['efficiency_change_6m'])}, effectiveness "
        f"{_change(score['effectiveness_change_6m'])})."
    )


def _change(value: float | None) -> str:
    found = number(value, 9)
    if found is None:
        return "not known"
    if abs(found) < 0.05:
        return "unchanged"
    return f"{'up' if found > 0 else 'down'} {abs(found):.1f} points"

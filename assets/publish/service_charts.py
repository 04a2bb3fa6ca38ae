"""The charts of a service page: its efficiency-and-effectiveness path and an SPC chart per measure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from assets.publish import chart_names
from assets.publish.chart_views import ChartTemplates, ChartView, Template, chart_view
from assets.publish.display import (
    JUDGED_ON_LABELS,
    UNIT_LABELS,
    format_index,
    format_value,
    join_words,
    long_month,
    month,
    months_before,
    number,
    plural,
)
from assets.publish.index_paths import PeerPoints, index_points
from assets.publish.marts import Marts, Row
from assets.publish.spc_series import Forecast, SpcSeries


def path_chart(
    service: Row, scorecard: list[Row], peers: PeerPoints | None, template: Template
) -> ChartView | None:
    """The service's monthly path through efficiency and effectiveness (its `scorecard` rows), its peers'
    latest points behind (`IndexPaths.latest_peers`: loaded by the page from the script its kind's pages
    share)."""
    path = index_points(service, scorecard)
    if not path:
        return None
    first, last = path[0], path[-1]
    focus = chart_names.FOCUS_LABEL
    rows = [p.json(focus, False) for p in path[:-1]] + [last.json(focus, True)]
    title = f"Efficiency and effectiveness of {service['service_name']} over time"
    kind = service["service_kind_name"]
    description = (
        f"Path of {service['service_name']} over {plural(len(path), 'month')} from "
        f"{first.month} to {last.month}, efficiency index across and effectiveness index "
        f"up, with lines at 100 dividing the four quadrants. In {last.month} its efficiency "
        f"index was {format_index(last.efficiency_index)} and its effectiveness index "
        f"{format_index(last.effectiveness_index)} ({last.quadrant}). Shown as grey diamonds for "
        f"{last.month}: {plural(peers.count if peers else 0, 'other ' + kind + ' service')}."
    )
    view = chart_view("chart-path", "path", template, f"[{','.join(rows)}]", title, description)
    return replace(view, peers=peers)


@dataclass(frozen=True)
class SpcView:
    """One measure's SPC chart with what it says in words."""

    measure_code: str
    chart: ChartView
    limits_note: str | None  # said in text when a segment has no limits (too few points, or not computable)
    # the description's figures, as printed under the chart: without the sentence saying how the chart is
    # drawn (seen on paper) and the limits note (printed on its own)
    figures: str


def spc_charts(
    service: Row, marts: Marts, measure_codes: list[str], templates: ChartTemplates
) -> list[SpcView]:
    """An XmR chart per measure of the service, in the order given."""
    code = service["service_code"]
    # a series without a single value has nothing to draw
    drawn = [
        (c, found)
        for c in measure_codes
        if (found := marts.spc.get((code, c))) is not None and found.latest is not None
    ]
    return [
        _spc_chart(position, measure_code, series, marts, templates)
        for position, (measure_code, series) in enumerate(drawn, start=1)
    ]


def _spc_chart(
    position: int, measure_code: str, series: SpcSeries, marts: Marts, templates: ChartTemplates
) -> SpcView:
    measure = marts.measures.get(measure_code, {})
    unit = measure.get("unit")
    name = marts.measure_name(measure_code)
    special = Counter(series.special)
    assert series.latest is not None  # spc_charts draws only a series with a value
    period, value, mean, lower_limit, upper_limit, target = series.latest

    lines = [
        label
        for label, column in (
            ("the mean", "mean"),
            ("the process limits", "upper_limit"),
            ("the target", "target"),
        )
        if column in series.lines
    ]
    sentences = [
        f"Statistical process control chart of {name} by month from {series.first_month} to "
        f"{series.last_month}: each month's value is a point shaped and coloured by whether it "
        "is common-cause variation or a special cause"
        + (f"; lines show {join_words(lines)}." if lines else ".")
    ]
    sentences.append(
        f"Latest value {format_value(value, unit)} in {month(period)}"
        + (f", mean {format_value(mean, unit)}" if mean is not None else "")
        + (
            f", limits {format_value(lower_limit, unit)} to {format_value(upper_limit, unit)}"
            if upper_limit is not None
            else ""
        )
        + (f", target {format_value(target, unit)}" if target is not None else "")
        + "."
    )
    if special:
        sentences.append(
            "Special-cause points: "
            + join_words([f"{n} {label.split(': ')[1]}" for label, n in sorted(special.items())])
            + "."
        )
    else:
        sentences.append("No special-cause points.")
    if series.rebases:
        sentences.append(f"Limits were rebased from {join_words(series.rebases)}.")
    note = limits_note(series)
    outlook = [forecast_words(series.forecast, unit)] if series.forecast else []
    figures = " ".join(sentences[1:] + outlook)
    sentences += ([note] if note else []) + outlook
    subtitle = f"Monthly values, {UNIT_LABELS.get(unit, unit or 'value')}"
    template = templates[
        chart_names.spc_name(
            measure.get("direction") is not None,
            bool(lines),
            bool(series.rebases),
            series.forecast is not None,
        )
    ]
    chart = chart_view(
        f"chart-spc-{position}", "spc", template, series.rows_json, name, " ".join(sentences), subtitle
    )
    return SpcView(measure_code, chart, note, figures)


def limits_note(series: SpcSeries) -> str | None:
    """What the chart cannot show for want of limits, in words: segments with too few points, and segments
    whose limits cannot be computed; None when every segment has limits."""
    notes = []
    if series.without_limits:
        stretch = (
            "this series has"
            if len(series.without_limits) == series.segments
            else join_words([f"the months from {start}" for start in series.without_limits]) + " have"
        )
        notes.append(
            f"Too few points for limits: process limits need at least 12 months, and "
            f"{stretch} fewer, so no limits or special causes are shown there."
        )
    if series.not_computed:
        stretch = (
            "this series"
            if len(series.not_computed) == series.segments
            else join_words([f"the months from {start}" for start in series.not_computed])
        )
        notes.append(
            f"The limits cannot be computed for {stretch}: the values barely vary from month to "
            "month, and once the few large jumps are screened out no variation is left to set "
            "limits by, so no limits or special causes are shown there."
        )
    return " ".join(notes) or None


def forecast_words(forecast: Forecast, unit: str | None) -> str:
    """The forecast drawn on the chart in words: its next month, the year-end verdict and the chance of
    meeting the target, and whether it did better than the latest figure when tested on past months."""
    sentences = [
        f"The dashed line is the forecast from {month(forecast.next_period)} to "
        f"{month(forecast.last_period)}, its 80 % prediction interval shaded and its 95 % interval "
        f"lighter: {format_value(forecast.next_forecast, unit)} in {month(forecast.next_period)} (80 % "
        f"interval {format_value(forecast.next_lower_80, unit)} to "
        f"{format_value(forecast.next_upper_80, unit)})."
    ]
    basis = JUDGED_ON_LABELS.get(forecast.judged_on, forecast.judged_on)
    outlook = f"Year-end outlook for {long_month(forecast.year_end_period)}, judged on {basis}: "
    expected = format_value(forecast.year_end_forecast, unit)
    if forecast.probability_meeting_target is None or forecast.year_end_target is None:
        sentences.append(f"{outlook}no target, forecast {expected}.")
    else:
        sentences.append(
            f"{outlook}{forecast.verdict}; the chance of meeting the target of "
            f"{format_value(forecast.year_end_target, unit)} is "
            f"{chance(forecast.probability_meeting_target)} (forecast {expected})."
        )
    if forecast.beats_naive is None:
        sentences.append("Forecasts of this measure could not yet be tested against past months.")
    elif forecast.beats_naive:
        sentences.append(
            "Tested on past months, forecasts of this measure did better than the latest figure repeated."
        )
    else:
        sentences.append(
            "Tested on past months, forecasts of this measure did no better than the latest "
            "figure repeated: trust this one no more than the latest figure."
        )
    return " ".join(sentences)


def chance(probability: float) -> str:
    """A probability (a share of simulated futures) as a whole percentage; under 1 % or over 99 % rather than
    0 % or 100 %, a certainty a simulation cannot give."""
    percent = round(probability * 100)
    if percent == 0:
        return "under 1 %"
    if percent == 100:
        return "over 99 %"
    return f"{percent} %"


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

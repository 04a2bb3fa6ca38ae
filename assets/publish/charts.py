"""Vega-Lite chart templates for the scorecards: built once with Altair, then filled with rows."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import altair as alt
from markupsafe import Markup

ROWS = "rows"  # name of the dataset each template reads; `fill_spec` binds it

WIDTH = 560
HEIGHT = 380
TREND_WIDTH = 560
TREND_HEIGHT = 220

# Okabe-Ito: distinguishable under the common colour-vision deficiencies.
KIND_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
KIND_SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge"]
FOCUS_COLOUR = "#0072B2"
PEER_COLOUR = "#8C8C8C"
TARGET_COLOUR = "#222222"
GUIDE_COLOUR = "#595959"

# RAG label -> (colour, shape); shapes match the symbols used in the tables.
RAG_STYLE = {
    "Green": ("#009E73", "circle"),
    "Amber": ("#E69F00", "triangle-up"),
    "Red": ("#D55E00", "square"),
    "No target": ("#8C8C8C", "diamond"),
}

FOCUS_LABEL = "This service"
PEER_LABEL = "Peer services, latest month"

EFFICIENCY_TITLE = "Efficiency index (100 = peer median unit cost; higher = cheaper)"
EFFECTIVENESS_TITLE = "Effectiveness index (100 = on target on average)"

QUADRANT_CORNERS = [
    ("Efficient and effective", "right", "top"),
    ("Effective but costly", "left", "top"),
    ("Cheap but failing", "right", "bottom"),
    ("Neither", "left", "bottom"),
]


def _reference() -> alt.Chart:
    """A one-row chart holding the value 100, the centre of both indices."""
    return alt.Chart(alt.InlineData(values=[{"ref": 100}]))


def _index_guides(width: int, height: int) -> list[alt.Chart]:
    """Layers drawing and labelling the 100 lines and naming the four quadrants."""
    rule = {"color": GUIDE_COLOUR, "strokeDash": [4, 3], "strokeWidth": 1}
    label = {"color": GUIDE_COLOUR, "fontSize": 11}
    x_ref = alt.X("ref:Q", title=EFFICIENCY_TITLE)
    y_ref = alt.Y("ref:Q", title=EFFECTIVENESS_TITLE)
    layers = [
        _reference().mark_rule(**rule).encode(x=x_ref),
        _reference().mark_rule(**rule).encode(y=y_ref),
        _reference()
        .mark_text(
            angle=270, align="right", baseline="bottom", dy=-3, text="100 = peer median cost",
            **label,
        )
        .encode(x=x_ref, y=alt.value(4)),
        _reference()
        .mark_text(align="right", baseline="bottom", dy=-3, text="100 = on target", **label)
        .encode(y=y_ref, x=alt.value(width - 4)),
    ]
    for text, align, baseline in QUADRANT_CORNERS:
        x = width - 6 if align == "right" else 6
        y = 18 if baseline == "top" else height - 6
        layers.append(
            _reference().mark_text(
                text=text, align=align, baseline=baseline, x=x, y=y,
                fontStyle="italic", opacity=0.8, **label,
            )
        )
    return layers


def _loose_scale() -> alt.Scale:
    """A scale fitted to the data, not to zero, with room so edge points are not clipped."""
    return alt.Scale(zero=False, padding=16)


def _index_axes() -> dict[str, alt.X | alt.Y]:
    """Shared x/y encodings of the efficiency-versus-effectiveness charts."""
    return {
        "x": alt.X("efficiency_index:Q", title=EFFICIENCY_TITLE, scale=_loose_scale()),
        "y": alt.Y("effectiveness_index:Q", title=EFFECTIVENESS_TITLE, scale=_loose_scale()),
    }


def _index_tooltip() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("service:N", title="Service"),
        alt.Tooltip("month:N", title="Month"),
        alt.Tooltip("efficiency_index:Q", title="Efficiency index", format=".1f"),
        alt.Tooltip("effectiveness_index:Q", title="Effectiveness index", format=".1f"),
        alt.Tooltip("quadrant:N", title="Quadrant"),
    ]


@cache
def partnership_template() -> dict[str, Any]:
    """Scatter of every service's latest efficiency and effectiveness, by service kind."""
    points = (
        alt.Chart(alt.NamedData(name=ROWS))
        .mark_point(filled=True, size=90, opacity=0.85, cursor="pointer")
        .encode(
            **_index_axes(),
            color=alt.Color("kind:N", title="Service kind", scale=alt.Scale(range=KIND_COLOURS)),
            shape=alt.Shape("kind:N", title="Service kind", scale=alt.Scale(range=KIND_SHAPES)),
            href=alt.Href("url:N"),
            tooltip=[
                alt.Tooltip("service:N", title="Service"),
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("kind:N", title="Kind"),
                *_index_tooltip()[1:],
            ],
        )
    )
    chart = alt.layer(*_index_guides(WIDTH, HEIGHT), points).properties(width=WIDTH, height=HEIGHT)
    return chart.to_dict()  # validated once; rows come later through `fill_spec`


@cache
def service_path_template() -> dict[str, Any]:
    """One service's monthly path through efficiency and effectiveness, peers faded behind."""
    base = alt.Chart(alt.NamedData(name=ROWS))
    focus = alt.datum.role == FOCUS_LABEL
    role = alt.Color(
        "role:N",
        title=None,
        scale=alt.Scale(domain=[FOCUS_LABEL, PEER_LABEL], range=[FOCUS_COLOUR, PEER_COLOUR]),
        legend=alt.Legend(orient="bottom"),
    )
    points = base.mark_point(filled=True).encode(
        **_index_axes(),
        color=role,
        opacity=alt.condition(focus, alt.value(0.95), alt.value(0.35)),
        size=alt.condition(alt.datum.is_latest, alt.value(140), alt.value(50)),
        tooltip=_index_tooltip(),
    )
    path = (
        base.transform_filter(focus)
        .mark_line(color=FOCUS_COLOUR, strokeWidth=1.5, opacity=0.7)
        .encode(**_index_axes(), order=alt.Order("period:T"))
    )
    latest = (
        base.transform_filter(focus & alt.datum.is_latest)
        .mark_text(align="left", dx=9, dy=-9, fontWeight="bold", color=FOCUS_COLOUR)
        .encode(**_index_axes(), text="month:N")
    )
    chart = alt.layer(*_index_guides(WIDTH, HEIGHT), path, points, latest).properties(
        width=WIDTH, height=HEIGHT
    )
    return chart.to_dict()  # validated once; rows come later through `fill_spec`


@cache
def trend_template() -> dict[str, Any]:
    """Monthly actual (line and RAG-marked points) against the target (dashed line)."""
    base = alt.Chart(alt.NamedData(name=ROWS))
    x = alt.X("utcyearmonth(period):T", title=None, axis=alt.Axis(format="%b %Y"))
    tooltip = [
        alt.Tooltip("month:N", title="Month"),
        alt.Tooltip("actual:Q", title="Actual", format=",.1f"),
        alt.Tooltip("target:Q", title="Target", format=",.1f"),
        alt.Tooltip("tolerance:Q", title="Tolerance", format=",.1f"),
        alt.Tooltip("rag:N", title="Status"),
    ]
    series = ["Actual", "Target"]
    lines = (
        base.transform_fold(["actual", "target"], as_=["series", "value"])
        .transform_calculate(series="datum.series === 'actual' ? 'Actual' : 'Target'")
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None, scale=_loose_scale()),
            color=alt.Color(
                "series:N", title=None,
                scale=alt.Scale(domain=series, range=[FOCUS_COLOUR, TARGET_COLOUR]),
            ),
            strokeDash=alt.StrokeDash(
                "series:N", title=None, scale=alt.Scale(domain=series, range=[[1, 0], [6, 4]])
            ),
        )
    )
    rag_scale = {"domain": list(RAG_STYLE)}
    points = base.mark_point(filled=True, size=60, stroke="white", strokeWidth=0.5).encode(
        x=x,
        y=alt.Y("actual:Q"),
        color=alt.Color(
            "rag:N", title="Status",
            scale=alt.Scale(**rag_scale, range=[c for c, _ in RAG_STYLE.values()]),
        ),
        shape=alt.Shape(
            "rag:N", title="Status",
            scale=alt.Scale(**rag_scale, range=[s for _, s in RAG_STYLE.values()]),
        ),
        tooltip=tooltip,
    )
    chart = (
        alt.layer(lines, points)
        .resolve_scale(color="independent", shape="independent", strokeDash="independent")
        .properties(width=TREND_WIDTH, height=TREND_HEIGHT)
    )
    return chart.to_dict()  # validated once; rows come later through `fill_spec`


def fill_spec(
    template: dict[str, Any],
    rows: list[dict[str, Any]],
    title: str | dict[str, Any],
    description: str,
) -> dict[str, Any]:
    """Return the template with `rows` bound to its dataset and its title and description set.

    Only top-level keys are replaced, so the shared (cached) template is never modified and the
    copy is cheap.
    """
    datasets = {**template.get("datasets", {}), ROWS: rows}
    return {**template, "datasets": datasets, "title": title, "description": description}


def spec_json(spec: dict[str, Any]) -> Markup:
    """Serialise a spec for a `<script type="application/json">`, safe against `</script>`."""
    text = json.dumps(spec, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))

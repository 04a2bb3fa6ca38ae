"""The scorecards' Vega-Lite chart templates, designed with Altair; `chart_views` fills them with rows."""

from __future__ import annotations

import json
from itertools import product
from typing import Any, Literal

import altair as alt

from assets.publish import mdc_icons
from assets.publish.board_rules import QUADRANT_NAMES
from assets.publish.chart_names import FOCUS_LABEL, PEER_LABEL, ROWS, WORKFORCE_MEASURES, spc_name

WIDTH = 560
HEIGHT = 380

# Okabe-Ito: distinguishable under the common colour-vision deficiencies; the first four stand out
# from white by 3:1 or more, and every kind has its own shape as well.
KIND_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
KIND_SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge"]
FOCUS_COLOUR = "#0072B2"
PEER_COLOUR = "#767676"
GUIDE_COLOUR = "#595959"

EFFICIENCY_TITLE = "Efficiency index (100 = peer median unit cost; higher = cheaper)"
EFFECTIVENESS_TITLE = "Effectiveness index (100 = on target on average)"

# the quadrants in a board's words (as the index and service pages name them), in the chart's corners
QUADRANT_CORNERS: list[tuple[str, Literal["left", "right"], Literal["top", "bottom"]]] = [
    (QUADRANT_NAMES["efficient and effective"], "right", "top"),
    (QUADRANT_NAMES["effective but costly"], "left", "top"),
    (QUADRANT_NAMES["cheap but failing"], "right", "bottom"),
    (QUADRANT_NAMES["neither"], "left", "bottom"),
]


def _reference() -> alt.Chart:
    """A one-row chart holding the value 100, the centre of both indices."""
    return alt.Chart(alt.InlineData(values=[{"ref": 100}]))


def _index_guides(width: int, height: int) -> list[alt.Chart]:
    """Layers drawing and labelling the 100 lines and naming the four quadrants."""
    rule: dict[str, Any] = {"color": GUIDE_COLOUR, "strokeDash": [4, 3], "strokeWidth": 1}
    label: dict[str, Any] = {"color": GUIDE_COLOUR, "fontSize": 11}
    x_ref = alt.X("ref:Q", title=EFFICIENCY_TITLE)
    y_ref = alt.Y("ref:Q", title=EFFECTIVENESS_TITLE)
    layers = [
        _reference().mark_rule(**rule).encode(x=x_ref),
        _reference().mark_rule(**rule).encode(y=y_ref),
        _reference()
        .mark_text(
            angle=270,
            align="right",
            baseline="bottom",
            dy=-3,
            text="100 = peer median cost",
            **label,
        )
        .encode(x=x_ref, y=alt.value(4)),
        _reference()
        .mark_text(align="right", baseline="top", dy=3, text="100 = on target", **label)
        .encode(y=y_ref, x=alt.value(width - 4)),
    ]
    for text, align, baseline in QUADRANT_CORNERS:
        x = width - 6 if align == "right" else 6
        y = 18 if baseline == "top" else height - 6
        layers.append(
            _reference().mark_text(
                text=text,
                align=align,
                baseline=baseline,
                x=x,
                y=y,
                fontStyle="italic",
                **label,
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


def _partnership() -> dict[str, Any]:
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
    return chart.to_dict()


def _service_path() -> dict[str, Any]:
    """One service's monthly path through efficiency and effectiveness, its peers' latest points behind."""
    base = alt.Chart(alt.NamedData(name=ROWS))
    focus = alt.datum.role == FOCUS_LABEL
    role = alt.Color(
        "role:N",
        title=None,
        scale=alt.Scale(domain=[FOCUS_LABEL, PEER_LABEL], range=[FOCUS_COLOUR, PEER_COLOUR]),
        legend=alt.Legend(orient="bottom"),
    )
    shape = alt.Shape(
        "role:N",
        title=None,
        scale=alt.Scale(domain=[FOCUS_LABEL, PEER_LABEL], range=["circle", "diamond"]),
        legend=alt.Legend(orient="bottom"),
    )
    points = base.mark_point(filled=True).encode(
        **_index_axes(),
        color=role,
        shape=shape,
        opacity=alt.condition(focus, alt.value(0.95), alt.value(0.8)),
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
    return chart.to_dict()


SPC_WIDTH = "container"  # the page's width: the chart follows its figure (see templates/mdc.css)
SPC_HEIGHT = 220
# series -> (legend label, colour, dash), as Making Data Count draws them: the mean solid, the process
# limits grey dashed, the target red dashed; upper and lower limits share a label
SPC_LINES = {
    "mean": ("Mean", "#3B3B3B", [1, 0]),
    "upper_limit": ("Process limits", "#8C8C8C", [4, 3]),
    "lower_limit": ("Process limits", "#8C8C8C", [4, 3]),
    "target": ("Target", mdc_icons.TARGET_COLOUR, [8, 4]),
}
# SPC point type label -> (colour, shape): Making Data Count's grey, blue, orange and purple; the shapes are
# the page's badges' and tell the types apart without colour
POINT_TYPE_STYLE = {
    "Common cause": (mdc_icons.COMMON_COLOUR, "circle"),
    "Special cause: improvement": (mdc_icons.IMPROVEMENT_COLOUR, "diamond"),
    "Special cause: concern": (mdc_icons.CONCERN_COLOUR, "square"),
    "Special cause: high": (mdc_icons.NEUTRAL_COLOUR, "triangle-up"),
    "Special cause: low": (mdc_icons.NEUTRAL_COLOUR, "triangle-down"),
}
# a measure with a direction has improvement and concern; one without has high and low
POINT_TYPES_WITH_DIRECTION = ["Common cause", "Special cause: improvement", "Special cause: concern"]
POINT_TYPES_WITHOUT_DIRECTION = ["Common cause", "Special cause: high", "Special cause: low"]
REBASE_COLOUR = "#000000"
# Results-Based Accountability's forecast, after the latest month: a dashed line in a colour no SPC line or
# point uses (5:1 against white), its 80 % prediction interval shaded and its 95 % one lighter
FORECAST_COLOUR = "#00798C"
FORECAST_LABEL = "Forecast with 80 % and 95 % bands"
FORECAST_DASH = [6, 3]
FORECAST_BANDS = {
    "forecast_band_95": ("lower_95", "upper_95", 0.12),  # layer name -> bounds, opacity
    "forecast_band_80": ("lower_80", "upper_80", 0.28),
}

# below this plot width (a phone, or half an A4 page) the legends stack under the chart, one above the
# other, and the point types' legend lists its entries two to a line: no legend is wider than the chart.
# The legends have no titles: their entries name themselves ("Mean", "Special cause: concern", "Forecast ...")
NARROW = "width < 600"
SPC_LEGEND_LAYOUT = alt.ExprRef(
    f"{{bottom: {{anchor: 'start', offset: 22, direction: {NARROW} ? 'vertical' : 'horizontal'}}}}"
)

WORKFORCE_WIDTH = 250
WORKFORCE_HEIGHT = 120


def _spc(has_direction: bool, has_lines: bool, rebased: bool, forecast: bool) -> dict[str, Any]:
    """An XmR chart: values marked by point type; mean, limits and target, rebases and the forecast, if
    there are any.

    The lines are drawn as steps (each month's level until the next month): flat for the mean and limits,
    which hold over a segment, and a step where the target changes rather than a slope between months.
    """
    base = alt.Chart(alt.NamedData(name=ROWS))
    x = alt.X("utcyearmonth(period):T", title=None, axis=alt.Axis(format="%b %Y"))
    labels = {series: label for series, (label, _, _) in SPC_LINES.items()}
    line_domain = list(dict.fromkeys(labels.values()))
    line_styles = {label: (colour, dash) for label, colour, dash in SPC_LINES.values()}
    lines = (
        base.transform_fold(list(SPC_LINES), as_=["series", "level"])
        .transform_calculate(line=f"{json.dumps(labels)}[datum.series]")
        .mark_line(strokeWidth=1.5, interpolate="step-after")
        .encode(
            x=x,
            y=alt.Y("level:Q", title=None, scale=_loose_scale()),
            detail=alt.Detail(["series:N", "segment:N"]),
            color=alt.Color(
                "line:N",
                title=None,
                scale=alt.Scale(domain=line_domain, range=[line_styles[d][0] for d in line_domain]),
            ),
            strokeDash=alt.StrokeDash(
                "line:N",
                title=None,
                scale=alt.Scale(domain=line_domain, range=[line_styles[d][1] for d in line_domain]),
            ),
        )
    )
    values = base.mark_line(color="#BDBDBD", strokeWidth=1).encode(
        x=x, y=alt.Y("value:Q"), detail="segment:N"
    )
    point_domain = POINT_TYPES_WITH_DIRECTION if has_direction else POINT_TYPES_WITHOUT_DIRECTION
    points = base.mark_point(filled=True, size=55, opacity=1).encode(
        x=x,
        y=alt.Y("value:Q"),
        color=alt.Color(
            "point_type:N",
            title=None,
            scale=alt.Scale(domain=point_domain, range=[POINT_TYPE_STYLE[p][0] for p in point_domain]),
            legend=alt.Legend(columns=alt.ExprRef(f"{NARROW} ? 2 : 3")),
        ),
        shape=alt.Shape(
            "point_type:N",
            title=None,
            scale=alt.Scale(domain=point_domain, range=[POINT_TYPE_STYLE[p][1] for p in point_domain]),
        ),
        tooltip=[
            alt.Tooltip("month:N", title="Month"),
            alt.Tooltip("value:Q", title="Value", format=",.1f"),
            alt.Tooltip("point_type:N", title="Point"),
            alt.Tooltip("mean:Q", title="Mean", format=",.1f"),
            alt.Tooltip("lower_limit:Q", title="Lower limit", format=",.1f"),
            alt.Tooltip("upper_limit:Q", title="Upper limit", format=",.1f"),
            alt.Tooltip("target:Q", title="Target", format=",.1f"),
        ],
    )
    # an empty layer would leave a shared scale without an extent, so layers without rows are left out
    layers = [lines, values, points] if has_lines else [values, points]
    if rebased:
        rebases = base.transform_filter(alt.datum.rebase)
        layers += [
            rebases.mark_rule(color=REBASE_COLOUR, strokeDash=[2, 2]).encode(x=x),
            rebases.mark_text(
                align="left", baseline="top", dx=3, y=2, color=REBASE_COLOUR, fontSize=11
            ).encode(x=x, text=alt.value("Rebased")),
        ]
    if forecast:
        layers += _forecast_layers(base, x)
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent", shape="independent", strokeDash="independent")
        .properties(width=SPC_WIDTH, height=SPC_HEIGHT)
        .configure_legend(orient="bottom", direction="horizontal", columns=3, layout=SPC_LEGEND_LAYOUT)
    )
    return chart.to_dict()


def _forecast_layers(base: alt.Chart, x: alt.X) -> list[alt.Chart]:
    """The forecast's 95 % and 80 % bands (named layers, so their marks can be found on the page), its dashed
    line from the latest month on, and a point per forecast month carrying the figures as a tooltip."""
    rows = base.transform_filter("isValid(datum.months_ahead)")
    y = alt.Y("forecast:Q", title=None)
    bands = [
        rows.mark_area(color=FORECAST_COLOUR, opacity=opacity)
        .encode(x=x, y=alt.Y(f"{lower}:Q", title=None), y2=alt.Y2(f"{upper}:Q"))
        .properties(name=name)
        for name, (lower, upper, opacity) in FORECAST_BANDS.items()
    ]
    line = (
        rows.transform_calculate(line=json.dumps(FORECAST_LABEL))
        .mark_line(strokeWidth=1.5, strokeDash=FORECAST_DASH)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "line:N",
                title=None,
                legend=alt.Legend(labelLimit=260),
                scale=alt.Scale(domain=[FORECAST_LABEL], range=[FORECAST_COLOUR]),
            ),
        )
        .properties(name="forecast_line")
    )
    months = (
        rows.transform_filter("datum.months_ahead > 0")
        .mark_point(color=FORECAST_COLOUR, size=18, filled=True)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("month:N", title="Forecast month"),
                alt.Tooltip("forecast:Q", title="Forecast", format=",.1f"),
                alt.Tooltip("lower_80:Q", title="80 % interval from", format=",.1f"),
                alt.Tooltip("upper_80:Q", title="80 % interval to", format=",.1f"),
                alt.Tooltip("lower_95:Q", title="95 % interval from", format=",.1f"),
                alt.Tooltip("upper_95:Q", title="95 % interval to", format=",.1f"),
            ],
        )
    )
    return [*bands, line, months]


def _workforce() -> dict[str, Any]:
    """Small multiples of the service's staffing rates by month, each on its own scale."""
    x = alt.X("utcyearmonth(period):T", title=None, axis=alt.Axis(format="%b %Y", tickCount=4))
    chart = (
        alt.Chart(alt.NamedData(name=ROWS))
        .mark_line(color=FOCUS_COLOUR, strokeWidth=1.5, point=alt.OverlayMarkDef(size=14))
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=True)),
            tooltip=[
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("month:N", title="Month"),
                alt.Tooltip("value:Q", title="Value", format=".1f"),
            ],
        )
        .properties(width=WORKFORCE_WIDTH, height=WORKFORCE_HEIGHT)
        .facet(
            facet=alt.Facet(
                "measure:N",
                title=None,
                sort=list(WORKFORCE_MEASURES.values()),
                header=alt.Header(labelFontSize=12, labelFontWeight="bold"),
            ),
            columns=2,
        )
        .resolve_scale(y="independent")
    )
    return chart.to_dict()


def build_specs() -> dict[str, dict[str, Any]]:
    """Every chart template by name, built and validated by Altair (about a second: done once)."""
    specs = {"partnership": _partnership(), "path": _service_path(), "workforce": _workforce()}
    for flags in product((False, True), repeat=4):
        specs[spc_name(*flags)] = _spc(*flags)
    return specs

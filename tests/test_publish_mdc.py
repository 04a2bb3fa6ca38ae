"""Making Data Count on the pages: the icons, the summary matrix, the SPC chart's conventions, and the demo's
service pages showing what the marts hold."""

from __future__ import annotations

import re
from collections import Counter

import duckdb
import pytest

from assets.publish import chart_names, charts
from assets.publish.mdc_icons import (
    ASSURANCE_ICONS,
    CONCERN_COLOUR,
    IMPROVEMENT_COLOUR,
    MATRIX_COLUMNS,
    NEUTRAL_COLOUR,
    VARIATION_ICONS,
    assurance_icon,
    assurance_kind,
    summary_matrix_rows,
    variation_icon,
    variation_kind,
)
from assets.publish.slugs import file_slugs

ICON = re.compile(
    r'<svg class="mdc-icon" data-icon="(\w+)" data-kind="(\w+)"[^>]*? role="img" '
    r'aria-label="([^"]+)"[^>]*><title>([^<]+)</title>'
)


@pytest.mark.parametrize(
    ("draw", "kinds"), [(variation_icon, VARIATION_ICONS), (assurance_icon, ASSURANCE_ICONS)]
)
def test_every_icon_is_an_image_named_by_its_meaning(draw, kinds):
    for kind, (label, *_) in kinds.items():
        svg = str(draw(kind))
        found = ICON.match(svg)
        assert found, svg[:160]
        assert found.group(2) == kind and found.group(3) == found.group(4) == label
        assert svg.endswith("</svg>") and svg.count("<svg") == 1


@pytest.mark.parametrize(
    ("kind", "colour", "letter"),
    [
        ("improvement_high", IMPROVEMENT_COLOUR, "H"),
        ("improvement_low", IMPROVEMENT_COLOUR, "L"),
        ("concern_high", CONCERN_COLOUR, "H"),
        ("concern_low", CONCERN_COLOUR, "L"),
        ("neutral_high", NEUTRAL_COLOUR, "H"),
        ("neutral_low", NEUTRAL_COLOUR, "L"),
    ],
)
def test_special_cause_icons_carry_their_colour_and_letter(kind, colour, letter):
    svg = str(variation_icon(kind))
    assert f'stroke="{colour}"' in svg and f">{letter}</text>" in svg
    # the last two of the five dots are the special cause's colour, the first three grey
    assert svg.count(f'r="5.5" fill="{colour}"') == 2


def test_common_cause_is_grey_without_a_letter():
    svg = str(variation_icon("common_cause"))
    assert "<text" not in svg
    assert not any(colour in svg for colour in (IMPROVEMENT_COLOUR, CONCERN_COLOUR, NEUTRAL_COLOUR))


@pytest.mark.parametrize(
    ("kind", "letter", "colour"),
    [("pass", "P", IMPROVEMENT_COLOUR), ("fail", "F", CONCERN_COLOUR), ("hit_and_miss", "?", None)],
)
def test_assurance_icons_carry_their_letter_and_a_dashed_target(kind, letter, colour):
    svg = str(assurance_icon(kind))
    assert f">{letter}</text>" in svg and "stroke-dasharray" in svg
    if colour:
        assert f'stroke="{colour}"' in svg


def test_a_decorative_icon_is_hidden_from_screen_readers():
    svg = str(variation_icon("concern", 30, decorative=True))
    assert 'aria-hidden="true"' in svg and "role=" not in svg and "<title>" not in svg


def test_unknown_kinds_are_refused():
    with pytest.raises(KeyError):
        variation_icon("improvement_sideways")
    with pytest.raises(KeyError):
        assurance_icon("maybe")


@pytest.mark.parametrize(
    ("variation", "direction", "kind"),
    [
        ("special cause improvement", "higher_is_better", "improvement_high"),
        ("special cause improvement", "lower_is_better", "improvement_low"),
        ("special cause concern", "higher_is_better", "concern_low"),
        ("special cause concern", "lower_is_better", "concern_high"),
        ("special cause high", None, "neutral_high"),
        ("special cause low", "neutral", "neutral_low"),
        ("common cause", "higher_is_better", "common_cause"),
        ("common cause", None, "common_cause"),
        (None, "higher_is_better", None),
    ],
)
def test_variation_states_map_to_icons_by_the_measure_s_direction(variation, direction, kind):
    assert variation_kind(variation, direction) == kind


@pytest.mark.parametrize(
    ("assurance", "kind"),
    [
        ("consistently passing", "pass"),
        ("consistently failing", "fail"),
        ("hit and miss", "hit_and_miss"),
        (None, None),
        ("", None),
    ],
)
def test_assurance_states_map_to_icons(assurance, kind):
    assert assurance_kind(assurance) == kind


def matrix(measures) -> dict[tuple[str | None, str | None], tuple[str, ...]]:
    columns = [c.key for c in MATRIX_COLUMNS]
    return {
        (row.heading.key, column): cell.measures
        for row in summary_matrix_rows(measures)
        for column, cell in zip(columns, row.cells, strict=True)
        if cell.count
    }


def test_the_matrix_counts_each_measure_once_by_variation_and_assurance():
    measures = [
        ("A", "common cause", "hit and miss"),
        ("B", "special cause concern", "consistently failing"),
        ("C", "common cause", "hit and miss"),
        ("D", "special cause improvement", None),
    ]
    assert matrix(measures) == {
        ("common cause", "hit and miss"): ("A", "C"),
        ("special cause concern", "consistently failing"): ("B",),
        ("special cause improvement", None): ("D",),
    }
    rows = summary_matrix_rows(measures)
    # the three core rows always, in Making Data Count's order; four columns each
    assert [r.heading.key for r in rows] == [
        "special cause improvement",
        "common cause",
        "special cause concern",
    ]
    assert [c.count for c in rows[1].cells] == [0, 2, 0, 0]
    assert sum(c.count for r in rows for c in r.cells) == 4


def test_rows_for_high_low_and_no_limits_appear_only_when_used():
    rows = summary_matrix_rows([("E", "special cause low", None), ("F", None, None)])
    assert [r.heading.key for r in rows] == [
        "special cause improvement",
        "common cause",
        "special cause concern",
        "special cause low",
        None,
    ]
    assert rows[-1].heading.label == "No process limits" and rows[-1].cells[-1].measures == ("F",)


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="G: unknown variation"):
        summary_matrix_rows([("G", "special cause sideways", None)])


def test_spc_charts_follow_making_data_count():
    spec = charts.build_specs()[chart_names.spc_name(True, True, False)]
    assert spec["width"] == "container"
    lines = spec["layer"][0]
    assert lines["mark"]["interpolate"] == "step-after"  # a changed target steps, it does not slope
    colour, dash = (lines["encoding"][channel]["scale"] for channel in ("color", "strokeDash"))
    styles = dict(zip(colour["domain"], zip(colour["range"], dash["range"], strict=True), strict=True))
    assert styles["Target"] == ("#DE1B1B", [8, 4])
    points = spec["layer"][2]["encoding"]["color"]["scale"]
    assert dict(zip(points["domain"], points["range"], strict=True)) == {
        "Common cause": "#7F7F7F",
        "Special cause: improvement": IMPROVEMENT_COLOUR,
        "Special cause: concern": CONCERN_COLOUR,
    }


@pytest.fixture(scope="module")
def demo(demo_run):
    settings, _, _ = demo_run
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    codes = [code for (code,) in con.execute("select service_code from marts.dim_joint_service").fetchall()]
    yield settings.site_dir, con, file_slugs(codes)
    con.close()


def test_a_trend_in_the_demo_reads_by_its_direction(demo):
    # NOR-HD's share still at home 91 days (higher is better) falls to November 2023, then rises for 7
    # months: November to February lie below the mean but in the rising trend, so they are improvement
    _, con, _ = demo
    rows = con.execute("""
        select period, value < mean, trend, point_type from marts.fct_measure_spc
        where service_code = 'NOR-HD' and measure_code = 'HD_HOME_91'
          and period between '2023-11-01' and '2024-02-01' order by period""").fetchall()
    assert [(below, trend, kind) for _, below, trend, kind in rows] == [
        (True, True, "special cause improvement")
    ] * 4


def test_each_service_page_shows_the_matrix_of_its_measures(demo):
    site, con, slugs = demo
    columns = [c.key for c in MATRIX_COLUMNS]
    for code, slug in slugs.items():
        expected = Counter(
            con.execute(
                """
            select variation, assurance from marts.measure_spc_status where service_code = ?
              and measure_code in (select measure_code from marts.fct_measure_period where service_code = ?)
        """,
                [code, code],
            ).fetchall()
        )
        page = (site / "services" / f"{slug}.html").read_text("utf-8")
        table = page.split('data-field="mdc-matrix"')[1].split("</table>")[0]
        shown = Counter()
        for variation, cells in re.findall(r'<tr data-variation="([^"]*)">(.*?)</tr>', table, re.S):
            for column, count in zip(columns, re.findall(r'<td data-count="(\d+)">', cells), strict=True):
                if int(count):
                    shown[(variation or None, column)] = int(count)
        assert shown == expected, code


def test_each_tile_carries_the_icons_of_its_states(demo):
    site, con, slugs = demo
    kinds = {
        ("special cause improvement", "higher_is_better"): "improvement_high",
        ("special cause improvement", "lower_is_better"): "improvement_low",
        ("special cause concern", "higher_is_better"): "concern_low",
        ("special cause concern", "lower_is_better"): "concern_high",
        ("common cause", "higher_is_better"): "common_cause",
        ("common cause", "lower_is_better"): "common_cause",
    }
    assurances = {
        "consistently passing": "pass",
        "consistently failing": "fail",
        "hit and miss": "hit_and_miss",
    }
    seen = 0
    for code, slug in slugs.items():
        page = (site / "services" / f"{slug}.html").read_text("utf-8")
        for measure, variation, direction, assurance in con.execute(
            """
                select s.measure_code, s.variation, m.direction, s.assurance
                from marts.measure_spc_status as s join marts.dim_measure as m using (measure_code)
                where s.service_code = ?""",
            [code],
        ).fetchall():
            tile = page.split(f'<article class="tile" data-measure="{measure}"')[1].split("</article>")[0]
            icons = [(group, kind) for group, kind, *_ in ICON.findall(tile)]
            assert icons == [
                ("variation", kinds[(variation, direction)]),
                *([("assurance", assurances[assurance])] if assurance else []),
            ], (code, measure)
            seen += 1
    assert seen == 4 * len(slugs)

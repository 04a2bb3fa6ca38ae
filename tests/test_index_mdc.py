"""Making Data Count on the index: each service's measures counted by variation and assurance with the icons,
and the summary matrix of every service's measures, against the marts."""

from __future__ import annotations

import re
from collections import Counter

import duckdb

from assets.publish.mdc_icons import (
    ASSURANCE_ICONS,
    MATRIX_COLUMNS,
    VARIATION_ICONS,
    assurance_icon,
    variation_icon,
)

# each (variation, assurance) of a measure a service reports, as its service page's matrix counts it
STATES = """
    select p.service_code, s.variation, s.assurance
    from (select distinct service_code, measure_code from marts.fct_measure_period) as p
    left join marts.measure_spc_status as s using (service_code, measure_code)"""
ICON = re.compile(r'<svg class="mdc-icon" data-icon="(\w+)" data-kind="(\w+)"[^>]*aria-hidden="true"')


def _index_and_states(demo_run) -> tuple[str, list[tuple[str, str | None, str | None]]]:
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        states = con.execute(STATES).fetchall()
    return (settings.site_dir / "index.html").read_text("utf-8"), states


def test_the_index_matrix_counts_every_service_s_measures(demo_run):
    page, states = _index_and_states(demo_run)
    expected = Counter((variation, assurance) for _, variation, assurance in states)
    table = page.split('data-field="mdc-matrix"')[1].split("</table>")[0]
    columns = [c.key for c in MATRIX_COLUMNS]
    shown = Counter()
    for variation, cells in re.findall(r'<tr data-variation="([^"]*)">(.*?)</tr>', table, re.S):
        for column, count in zip(columns, re.findall(r'<td data-count="(\d+)">', cells), strict=True):
            if int(count):
                shown[(variation or None, column)] = int(count)
    assert shown == expected
    assert sum(shown.values()) == len(states) == 36
    # counts only: the service pages name the measures
    assert '<ul class="mdc-measures">' not in table


def test_each_service_row_counts_its_measures_by_variation_and_assurance_with_the_icons(demo_run):
    page, states = _index_and_states(demo_run)
    variation_icons = {
        "special cause improvement": "improvement",
        "common cause": "common_cause",
        "special cause concern": "concern",
    }
    assurance_icons = {
        "consistently failing": "fail",
        "consistently passing": "pass",
        "hit and miss": "hit_and_miss",
    }
    for code in {service for service, _, _ in states}:
        row = page.split(f'<tr data-service="{code}">')[1].split("</tr>")[0]
        variation = row.split('data-field="variation"')[1].split("</td>")[0]
        shown = {
            (key, int(count)): ICON.findall(item)
            for key, item, count in re.findall(
                r'<li data-variation="([^"]*)">(.*?) (\d+) [a-z ()]+</li>', variation, re.S
            )
        }
        counts = Counter(v for s, v, _ in states if s == code)
        assert shown == {(v, n): [("variation", variation_icons[v])] for v, n in counts.items()}, code
        assurance = row.split('data-field="assurance"')[1].split("</td>")[0]
        found = {
            key: (ICON.findall(item), int(count))
            for key, item, count in re.findall(
                r'<li data-assurance="([^"]*)">(.*?) (\d+) [a-z ]+</li>', assurance, re.S
            )
        }
        counts = Counter(a for s, _, a in states if s == code)
        assert found == {a: ([("assurance", kind)], counts[a]) for a, kind in assurance_icons.items()}, code


def test_the_rows_draw_their_icons_from_symbols_the_index_holds_once(demo_run):
    page, states = _index_and_states(demo_run)
    symbols = dict(re.findall(r'<symbol id="([^"]+)" viewBox="[^"]+">(.*?)</symbol>', page, re.S))
    assert len(symbols) == len(re.findall(r"<symbol ", page))  # each drawn once
    # the same drawing as the icon the service pages draw in full
    for group, draw in (("variation", variation_icon), ("assurance", assurance_icon)):
        for kind in VARIATION_ICONS if group == "variation" else ASSURANCE_ICONS:
            assert symbols[f"mdc-{group}-{kind}"] in str(draw(kind))
    table = page.split('<table class="services')[1].split("</table>")[0]
    used = re.findall(r'<use href="#([^"]+)"/>', table)
    # per service: three red-amber-green counts, three assurance counts, a variation count or more, a
    # data-quality flag
    assert len(used) >= 8 * len({s for s, _, _ in states})
    assert set(used) <= set(symbols)
    drawn = re.findall(r"<svg[^>]*>(.*?)</svg>", table, re.S)
    assert drawn and all(re.fullmatch(r'<use href="#[^"]+"/>', inside) for inside in drawn)

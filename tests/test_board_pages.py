"""What a board reads first: quadrant names, enough peers, the data's age, overdue returns by the calendar."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from assets.publish.board_rules import BoardRules, board_quadrant, effectiveness_direction
from assets.publish.index_page import rag_sort
from assets.publish.index_paths import IndexPaths
from assets.publish.marts import Marts
from assets.publish.staleness import DataAge, data_age
from assets.publish.workforce_panel import ACROSS_PROFESSIONS, workforce_panel
from assets.validate.overdue import latest_month_due, overdue_returns, return_deadline

# England's bank holidays of spring 2026 (the reference data holds them too)
HOLIDAYS = frozenset({date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25)})


@pytest.mark.parametrize(
    ("quadrant", "effectiveness", "enough", "words"),
    [
        ("efficient and effective", 101.0, True, "On target, cost at or below peers"),
        ("neither", 90.0, True, "Below target, cost above peers"),
        ("cheap but failing", 99.9, False, "Below target (cost not compared: too few peers)"),
        ("effective but costly", 100.0, False, "On target (cost not compared: too few peers)"),
        ("not assessed", None, False, "Not assessed"),
    ],
)
def test_quadrants_are_named_in_words_and_not_judged_on_too_few_peers(quadrant, effectiveness, enough, words):
    assert board_quadrant(quadrant, effectiveness, enough) == words


def test_a_median_needs_the_minimum_number_of_peers():
    rules = BoardRules()
    assert (rules.min_peers, rules.enough_peers(4), rules.enough_peers(5)) == (5, False, True)
    assert BoardRules(min_peers=3).enough_peers(3)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (None, "not enough history"),
        (2.0, "improving"),
        (1.99, "steady"),
        (-1.99, "steady"),
        (-2.0, "deteriorating"),
    ],
)
def test_direction_on_effectiveness_alone_moves_at_two_points(change, words):
    assert effectiveness_direction(change) == words


def test_deadlines_count_working_days_after_the_month_leaving_out_bank_holidays():
    # April 2026: Good Friday (3rd) and Easter Monday (6th) are not working days; the 15th is the 23rd
    assert return_deadline(date(2026, 3, 1), 15, HOLIDAYS) == date(2026, 4, 23)
    # May 2026: May Day (4th) left out, the 15th working day is Friday 22nd
    assert return_deadline(date(2026, 4, 1), 15, HOLIDAYS) == date(2026, 5, 22)
    assert return_deadline(date(2026, 2, 1), 0, HOLIDAYS) == date(2026, 2, 28)


def test_the_latest_month_due_is_the_last_whose_deadline_has_passed():
    # October 2026's returns are due on 20 November (15 working days, no bank holiday)
    assert latest_month_due(date(2026, 11, 30), 15, HOLIDAYS) == date(2026, 10, 1)
    assert latest_month_due(date(2026, 11, 20), 15, HOLIDAYS) == date(2026, 9, 1)
    assert latest_month_due(date(2026, 1, 5), 0, HOLIDAYS) == date(2025, 12, 1)


def test_data_older_than_the_expected_lag_are_flagged():
    stale = DataAge(date(2026, 3, 1), date(2026, 11, 30), date(2026, 10, 1), date(2026, 11, 20), 15)
    assert (stale.months_old, stale.months_missing, stale.stale) == (8, 7, True)
    assert "Data to March 2026, published 30 November 2026: 8 months later." in stale.words()
    assert "7 months older than the partnership expects" in stale.words()
    fresh = DataAge(date(2026, 10, 1), date(2026, 11, 30), date(2026, 10, 1), date(2026, 11, 20), 15)
    assert not fresh.stale and "as recent as expected" in fresh.words()


def test_demo_age_and_overdue_returns_are_judged_against_the_calendar(demo_run):
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        last = con.execute("select max(period) from marts.partner_data_quality").fetchone()[0]
        assert last == date(2026, 3, 1)
        age = data_age(con, last, date(2026, 5, 23))
        assert (age.expected, age.stale) == (date(2026, 4, 1), True)
        assert not data_age(con, last, date(2026, 5, 22)).stale
        owed = dict(
            con.execute(
                """
            select partner_code, returns_expected from marts.partner_data_quality
            where submission_type = 'outcomes' and period = ? and returns_expected > 0""",
                [last],
            ).fetchall()
        )
        on_deadline = overdue_returns(con, date(2026, 5, 22))
        after = overdue_returns(con, date(2026, 5, 23))
    # April's outcomes (no service sent any) are overdue the day after their deadline, 22 May 2026
    april = after.filter((after["submission_type"] == "outcomes") & (after["period"] == date(2026, 4, 1)))
    assert dict(zip(april["partner_code"], april["returns_missing"], strict=True)) == owed
    assert set(april["deadline"]) == {date(2026, 5, 22)} and set(april["days_overdue"]) == {1}
    assert on_deadline.filter(on_deadline["submission_type"] == "outcomes").is_empty()


def _marts(**facts) -> Marts:
    empty: dict[str, Any] = {field: {} for field in Marts.__dataclass_fields__}
    return Marts(**(empty | {"services": []} | facts))


def test_a_workforce_panel_with_sickness_only_says_what_is_and_is_not_given():
    months = [date(2025, m, 1) for m in range(1, 13)]
    trends = [
        {
            "period": p,
            "vacancy_rate": None,
            "turnover_rate_12m": None,
            "sickness_rate": 5.6,
            "agency_share": None,
        }
        for p in months
    ]
    pay = [
        {
            "period": months[-1],
            "partner_code": "P1",
            "staff_group_code": "NURSE",
            "headcount": None,
            "contracted_fte": None,
            "mean_annual_pay_per_fte": None,
        }
    ]
    gaps = [{"staff_group_code": "NURSE", "higher_paid": "P1", "lower_paid": "P2", "is_suppressed": True}]
    marts = _marts(
        workforce={"S": trends},
        pay={"S": pay},
        pay_gaps={"S": gaps},
        coverage={"S": {"months_with_outcomes": 12, "months_with_workforce": 0}},
        staff_groups={"NURSE": "Nurse"},
        partners={},
    )
    panel = workforce_panel({"service_code": "S", "service_name": "S"}, marts, None, [])
    assert panel["coverage"] == (
        "Given for this service: the sickness rate (12 of 12 months). Not given: "
        "the vacancy rate, 12-month staff turnover, the agency share of staff, "
        "headcount and pay."
    )
    assert "No workforce" not in panel["coverage"]
    assert panel["pay"][0]["pay"] == "not given" and panel["gaps_suppressed"] == []


def test_pay_gaps_put_like_for_like_first_and_label_comparisons_across_professions():
    gap = {
        "higher_pay_per_fte": 40000.0,
        "lower_pay_per_fte": 30000.0,
        "gap_pounds": 10000.0,
        "gap_pct": 25.0,
        "fte_affected": 6.0,
        "is_suppressed": False,
    }
    gaps = [
        gap | {"staff_group_code": None, "higher_paid": "social work", "lower_paid": "social care"},
        gap | {"staff_group_code": "CARE", "higher_paid": "P1", "lower_paid": "P2"},
    ]
    pay = [
        {
            "period": date(2025, 1, 1),
            "partner_code": p,
            "staff_group_code": "CARE",
            "headcount": h,
            "contracted_fte": 6.0,
            "mean_annual_pay_per_fte": 30000.0,
        }
        for p, h in (("P1", 6), ("P2", None))
    ]
    marts = _marts(
        pay={"S": pay},
        pay_gaps={"S": gaps},
        staff_groups={"CARE": "Care worker"},
        partners={"P1": {"partner_name": "Council"}, "P2": {"partner_name": "Provider"}},
    )
    panel = workforce_panel({"service_code": "S", "service_name": "S"}, marts, None, [])
    assert [g["comparison"] for g in panel["gaps"]] == ["Care worker", ACROSS_PROFESSIONS]
    assert "not like for like" in ACROSS_PROFESSIONS
    assert [r["pay"] for r in panel["pay"]] == ["£30,000", "not shown (headcount not given)"]


def test_the_red_amber_green_column_sorts_by_red_then_amber():
    # (red, amber) pairs in the order a board wants them, worst first: more red always first, then more amber
    worst_first = [(3, 0), (2, 9), (2, 1), (1, 40), (1, 0), (0, 2), (0, 0)]
    keys = [float(rag_sort(red, amber)) for red, amber in worst_first]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
    assert float(rag_sort(2, 1)) == 2.5  # 2 + 1/2


def test_a_path_chart_shows_every_other_service_of_its_kind_in_its_latest_month():
    march, april = date(2026, 3, 1), date(2026, 4, 1)

    def service(code: str, kind: str) -> dict:
        return {"service_code": code, "service_name": f"Service {code}", "service_kind": kind}

    def score(period: date, efficiency: float | None) -> dict:
        return {
            "period": period,
            "efficiency_index": efficiency,
            "effectiveness_index": 100.0,
            "quadrant": None,
        }

    services = [service("A", "care"), service("B", "care"), service("C", "care"), service("D", "care")]
    services.append(service("E", "discharge"))
    scorecard = {
        "A": [score(march, 90.0), score(april, 95.0)],
        "B": [score(april, 105.0)],
        "C": [score(april, 110.0)],
        "D": [score(april, None)],  # no efficiency index in April: not drawn
        "E": [score(april, 80.0)],
    }
    paths = IndexPaths(_marts(services=services, scorecard=scorecard))

    def peers(code: str, period: date = april) -> list[tuple[str, float]]:
        """The peers a page draws: the points of its script but its own."""
        found = paths.peers(services["ABCDE".index(code)], period)
        if found is None:
            return []
        text = paths.scripts()[Path(found.script)]
        pairs = json.loads(text[text.index("] = ") + 4 : -2])
        drawn = [(row["service"], row["efficiency_index"]) for own, row in pairs if own != found.own]
        assert len(drawn) == found.count
        return drawn

    assert peers("A") == [("Service B", 105.0), ("Service C", 110.0)]
    assert peers("B") == [("Service A", 95.0), ("Service C", 110.0)]
    assert peers("C") == [("Service A", 95.0), ("Service B", 105.0)]
    assert peers("D") == [("Service A", 95.0), ("Service B", 105.0), ("Service C", 110.0)]
    assert peers("E") == []
    assert peers("B", march) == [("Service A", 90.0)]
    assert sorted(str(path) for path in paths.scripts()) == [  # the kinds and months a page asked for
        "assets/peers/care-2026-03.js",
        "assets/peers/care-2026-04.js",
    ]

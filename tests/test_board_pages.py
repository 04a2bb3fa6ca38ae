"""What a board reads first: quadrant names, enough peers, the data's age, overdue returns by the calendar."""

from datetime import date

import duckdb
import pytest

from assets.publish.board_rules import BoardRules, board_quadrant, effectiveness_direction
from assets.publish.staleness import DataAge, data_age
from assets.validate.overdue import latest_month_due, overdue_returns, return_deadline

# England's bank holidays of spring 2026 (the reference data holds them too)
HOLIDAYS = frozenset({date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25)})


@pytest.mark.parametrize(("quadrant", "effectiveness", "enough", "words"), [
    ("efficient and effective", 101.0, True, "On target, cost at or below peers"),
    ("neither", 90.0, True, "Below target, cost above peers"),
    ("cheap but failing", 99.9, False, "Below target (cost not compared: too few peers)"),
    ("effective but costly", 100.0, False, "On target (cost not compared: too few peers)"),
    ("not assessed", None, False, "Not assessed"),
])
def test_quadrants_are_named_in_words_and_not_judged_on_too_few_peers(quadrant, effectiveness, enough, words):
    assert board_quadrant(quadrant, effectiveness, enough) == words


def test_a_median_needs_the_minimum_number_of_peers(monkeypatch):
    monkeypatch.delenv("JOINEDUP_MIN_PEERS", raising=False)
    rules = BoardRules.from_env()
    assert (rules.min_peers, rules.enough_peers(4), rules.enough_peers(5)) == (5, False, True)
    monkeypatch.setenv("JOINEDUP_MIN_PEERS", "3")
    assert BoardRules.from_env().enough_peers(3)


@pytest.mark.parametrize(("change", "words"), [
    (None, "not enough history"), (2.0, "improving"), (1.99, "steady"), (-1.99, "steady"),
    (-2.0, "deteriorating"),
])
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
        owed = dict(con.execute("""
            select partner_code, returns_expected from marts.partner_data_quality
            where submission_type = 'outcomes' and period = ? and returns_expected > 0""",
                                [last]).fetchall())
        on_deadline = overdue_returns(con, date(2026, 5, 22))
        after = overdue_returns(con, date(2026, 5, 23))
    # April's outcomes (no service sent any) are overdue the day after their deadline, 22 May 2026
    april = after.filter((after["submission_type"] == "outcomes") & (after["period"] == date(2026, 4, 1)))
    assert dict(zip(april["partner_code"], april["returns_missing"], strict=True)) == owed
    assert set(april["deadline"]) == {date(2026, 5, 22)} and set(april["days_overdue"]) == {1}
    assert on_deadline.filter(on_deadline["submission_type"] == "outcomes").is_empty()

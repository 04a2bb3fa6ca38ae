"""How an action's due date is read: a day as written, a month or quarter as its last day, never a guess."""

from datetime import date

import pytest

from assets.validate.days import parse_day


@pytest.mark.parametrize(
    ("text", "order", "day"),
    [
        ("2026-03-31", None, date(2026, 3, 31)),
        ("2026-03-31 00:00:00", None, date(2026, 3, 31)),  # a workbook's date cell
        ("31/03/2026", None, date(2026, 3, 31)),  # 31 cannot be a month
        ("03/04/2026", "day_first", date(2026, 4, 3)),
        ("03/04/2026", "month_first", date(2026, 3, 4)),
        ("46112", None, date(2026, 3, 31)),  # an Excel serial
        ("Mar-26", None, date(2026, 3, 31)),  # a month is due by its last day
        ("February 2028", None, date(2028, 2, 29)),
        ("Q3 2025/26", None, date(2025, 12, 31)),  # a quarter by its last day
        ("Q4 2025/26", None, date(2026, 3, 31)),
    ],
)
def test_days_are_read_as_written(text, order, day):
    assert parse_day(text, order).start == day


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("03/04/2026", "ambiguous_date"),  # 3 April or 4 March: the partner must say
        ("2026-02-30", "bad_date"),
        ("31/02/2026", "bad_date"),
        ("soon", "bad_date"),
        ("2026-13", "bad_date"),
    ],
)
def test_days_that_cannot_be_read_break_a_rule(text, rule):
    found = parse_day(text)
    assert (found.start, found.rule) == (None, rule)

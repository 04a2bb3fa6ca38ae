"""Periods as partners write them, each read into its first day and grain; ambiguity is never guessed."""

from datetime import date

import pytest

from assets.validate.periods import parse_period
from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows, seeded_warehouse

MARCH = date(2024, 3, 1)


@pytest.mark.parametrize(
    "text",
    [
        "2024-03",
        "2024/3",
        "03/2024",
        "3-2024",
        "Mar-24",
        "Mar 24",
        "March 2024",
        "march-2024",
        "31/03/2024",
        "2024-03-31",
        "2024-03-01 00:00:00",
        "45352",
        "45382",
        "31.03.24",
        "2024-MAR",
        "2024-Mar",
        "2024 March",
    ],
)
def test_months(text):
    assert parse_period(text) == (MARCH, "month", None, None)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Q4 2023/24", date(2024, 1, 1)),
        ("2023-24 Q4", date(2024, 1, 1)),
        ("Q1 2023/24", date(2023, 4, 1)),
        ("2023/2024 Q2", date(2023, 7, 1)),
        ("Q3 2023-24", date(2023, 10, 1)),
        ("FY2024/25 Q1", date(2024, 4, 1)),
    ],
)
def test_uk_financial_quarters(text, start):
    assert parse_period(text) == (start, "quarter", None, None)


def test_ambiguous_day_and_month_follow_the_declared_order_and_are_never_guessed():
    assert parse_period("01/03/2024", "day_first").start == MARCH
    assert parse_period("03/01/2024", "month_first").start == MARCH
    undeclared = parse_period("01/03/2024")
    assert (undeclared.start, undeclared.rule) == (None, "ambiguous_period")
    assert "1 March or 3 January" in (undeclared.problem or "")
    assert parse_period("13/03/2024").start == MARCH  # only one reading is a date


@pytest.mark.parametrize(
    "text", ["January", "2024-13", "Q5 2023/24", "Q4 2023/25", "31/02/2024", "12345", "next month"]
)
def test_unreadable_periods_say_how_to_write_one(text):
    assert parse_period(text).rule == "bad_period"


def test_periods_in_a_file_follow_its_partners_declared_date_order(tmp_path):
    drop(tmp_path, "partners", "P1.yaml", "partner_code: P1\ndate_order: day_first\n")
    drop(
        tmp_path / "inbox",
        "outcomes",
        "P1_20240410.csv",
        OUTCOMES_HEADER + "P1,S1,OUT,01/03/2024,,,4,\n" + "P1,S1,OUT,Q4 2023/24,,,9,\n",
    )
    drop(tmp_path / "inbox", "outcomes", "P2_20240410.csv", OUTCOMES_HEADER + "P2,S1,OUT,01/03/2024,,,4,\n")
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path)
    assert rows(
        con, "select file_partner_code, period, period_grain, value from validated.outcomes order by all"
    ) == [("P1", date(2024, 1, 1), "quarter", 9.0), ("P1", MARCH, "month", 4.0)]
    assert rows(con, "select file_name, rule, value from audit.quarantine") == [
        ("P2_20240410.csv", "ambiguous_period", "01/03/2024")
    ]
    assert rows(con, "select date_order from audit.load_log order by file_name") == [("day_first",), (None,)]


def test_quarters_are_accepted_only_where_the_contract_allows_them(tmp_path):
    drop(
        tmp_path / "inbox",
        "finance",
        "P1_20240410.csv",
        "partner_code,service_code,period,pay_cost,non_pay_cost\nP1,S1,Q4 2023/24,100,10\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    assert ingest_and_validate(con, tmp_path, "finance").rows_quarantined == 1
    assert rows(con, "select rule, meaning from audit.quarantine") == [
        ("period_grain", "finance figures are given by month; this period is a quarter")
    ]

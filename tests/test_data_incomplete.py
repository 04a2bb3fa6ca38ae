"""A month in which a partner's row was held back by validation shows 'data incomplete', never a colour."""

from datetime import date

import pytest

from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows
from tests.sql_fixtures import SEEDS, build_models, build_warehouse

TARGETS_HEADER = "partner_code,service_code,measure_code,period,target_value,tolerance\n"
JAN, FEB = date(2024, 1, 1), date(2024, 2, 1)


def rag(con, service: str, measure: str, period: date) -> tuple:
    (row,) = rows(
        con,
        "select rag, actual, has_quarantined_figure from marts.fct_measure_period "
        "where service_code = ? and measure_code = ? and period = ?",
        [service, measure, period],
    )
    return row


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    home = tmp_path_factory.mktemp("incomplete")
    con = build_warehouse(home / "w.duckdb", SEEDS, {})
    drop(
        home / "inbox",
        "targets",
        "P1_20231201.csv",
        TARGETS_HEADER + "P1,S1,RATE,2024-01,85,5\nP1,S1,RATE,2024-02,85,5\nP1,S1,LOW,2024-02,12,5\n",
    )
    drop(
        home / "inbox",
        "outcomes",
        "P1_20240215.csv",
        OUTCOMES_HEADER
        + "P1,S1,RATE,2024-01,30,40,,\nP1,S1,RATE,2024-02,36,40,,\nP1,S1,OUT,2024-01,,,100,\n",
    )
    drop(
        home / "inbox",
        "outcomes",
        "P2_20240220.csv",
        OUTCOMES_HEADER
        + "P2,S1,RATE,2024-01,50,40,,\n"  # held back: numerator above denominator
        + "P2,S1,OUT,2024-01,,,20,\n",
    )
    # held back, the only row for S1 LOW in February, its period written as no accepted row writes it
    drop(home / "inbox", "outcomes", "P2_20240320.csv", OUTCOMES_HEADER + "P2,S1,LOW,February 2024,70,50,,\n")
    # held back, but P3 does not take part in S1: its row says nothing about S1's month
    drop(home / "inbox", "outcomes", "P3_20240305.csv", OUTCOMES_HEADER + "P3,S1,RATE,2024-02,1,10,,\n")
    ingest_and_validate(con, home, "targets")
    ingest_and_validate(con, home, "outcomes")
    build_models(con)
    yield con, home
    con.close()


def test_held_back_rows_are_placed_by_partner_service_measure_and_month(warehouse):
    con, _ = warehouse
    assert rows(
        con,
        "select file_name, partner_code, service_code, measure_code, period, period_grain, "
        "rules, is_replaced from intermediate.int_quarantined_rows order by file_name",
    ) == [
        ("P2_20240220.csv", "P2", "S1", "RATE", JAN, "month", "numerator_le_denominator", False),
        ("P2_20240320.csv", "P2", "S1", "LOW", FEB, "month", "numerator_le_denominator", False),
        ("P3_20240305.csv", "P3", "S1", "RATE", FEB, "month", "partner_in_service", False),
    ]


def test_a_held_back_partner_row_makes_the_month_data_incomplete(warehouse):
    con, _ = warehouse
    # P1's 30/40 alone would be red against 85 (tolerance 5); P2's figure is missing from it
    assert rag(con, "S1", "RATE", JAN) == ("data incomplete", 75.0, True)
    # nobody's figure was accepted for February's LOW, but P2 sent one: incomplete, not "no data"
    assert rag(con, "S1", "LOW", FEB) == ("data incomplete", None, True)
    assert rag(con, "S1", "RATE", FEB) == ("green", 90.0, False)  # P3's row is not S1's to send
    assert rag(con, "S1", "OUT", JAN) == ("no target", 120.0, False)


def test_a_corrected_resubmission_brings_the_colour_back(warehouse):
    con, home = warehouse
    drop(home / "inbox", "outcomes", "P2_20240301_fix.csv", OUTCOMES_HEADER + "P2,S1,RATE,2024-01,30,40,,\n")
    ingest_and_validate(con, home, "outcomes")
    build_models(con)
    assert rows(
        con, "select is_replaced from intermediate.int_quarantined_rows where file_name = 'P2_20240220.csv'"
    ) == [(True,)]
    assert rag(con, "S1", "RATE", JAN) == ("red", 75.0, False)  # (30 + 30) / (40 + 40) against 85 - 5

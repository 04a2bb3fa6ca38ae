"""Held-back rows are placed by the validators' reading of their period and replaced by the contract key."""

from datetime import date

import pytest

from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows
from tests.sql_fixtures import SEEDS, build_models, build_warehouse

TARGETS_HEADER = "partner_code,service_code,measure_code,period,target_value,tolerance\n"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    home = tmp_path_factory.mktemp("quarantined")
    con = build_warehouse(home / "w.duckdb", SEEDS, {})
    drop(
        home / "inbox",
        "targets",
        "P1_20240301.csv",
        TARGETS_HEADER
        + "P1,S1,RATE,Q4 2023/24,85,5\n"  # held back: targets are monthly, this is a quarter
        + "P1,S1,LOW,2024-02,abc,5\n",
    )  # held back: not a number
    # a target's key has no partner: another partner's February target replaces P1's
    drop(home / "inbox", "targets", "P2_20240302.csv", TARGETS_HEADER + "P2,S1,LOW,2024-02,12,5\n")
    drop(
        home / "inbox",
        "outcomes",
        "P2_20240320.csv",
        OUTCOMES_HEADER
        + "P2,S1,LOW,2024-MAR,70,50,,\n"  # held back: numerator above denominator
        + "P2,S1,OUT,sometime,,,5,\n",
    )  # held back: no period
    # a file sent again under the same name, corrected: its first version's held-back row 2 is replaced
    # by the second's row 3; the second's own row 2 is held back too, and replaced by nothing
    drop(home / "inbox", "outcomes", "P1_20240410.csv", OUTCOMES_HEADER + "P1,S1,LOW,2024-04,70,50,,\n")
    ingest_and_validate(con, home, "targets")
    ingest_and_validate(con, home, "outcomes")
    corrected = OUTCOMES_HEADER + "P1,S1,OUT,sometime,,,5,\n" + "P1,S1,LOW,2024-04,40,50,,\n"
    drop(home / "inbox", "outcomes", "P1_20240410.csv", corrected)
    ingest_and_validate(con, home, "outcomes")
    build_models(con)
    yield con
    con.close()


def held_back(con, file_name: str, row_number: int) -> tuple:
    (row,) = rows(
        con,
        "select period, period_grain, rules, is_replaced "
        "from intermediate.int_quarantined_rows where file_name = ? and row_number = ?",
        [file_name, row_number],
    )
    return row


def test_a_quarter_held_back_from_a_monthly_type_is_read_as_a_quarter(con):
    assert held_back(con, "P1_20240301.csv", 2) == (date(2024, 1, 1), "quarter", "period_grain", False)


def test_a_month_written_as_no_accepted_row_writes_it_is_read_as_the_validators_read_it(con):
    assert held_back(con, "P2_20240320.csv", 2) == (
        date(2024, 3, 1),
        "month",
        "numerator_le_denominator",
        False,
    )


def test_a_period_that_cannot_be_read_is_empty(con):
    assert held_back(con, "P2_20240320.csv", 3) == (None, None, "bad_period", False)


def test_a_target_is_replaced_by_any_partners_later_target_for_its_key(con):
    assert held_back(con, "P1_20240301.csv", 3) == (date(2024, 2, 1), "month", "not_a_number", True)


def test_two_files_of_one_name_are_told_apart_by_their_content(con):
    """Each version's row 2 once, replaced or not on its own (joined by file name, both were replaced)."""
    assert rows(
        con,
        "select rules, is_replaced from intermediate.int_quarantined_rows "
        "where file_name = 'P1_20240410.csv' and row_number = 2 order by rules",
        [],
    ) == [("bad_period", False), ("numerator_le_denominator", True)]

"""Figures as partners write them: money, thousands, blanks, "n/a", "-", suppressed "*", percents as 0-1."""

import math
from datetime import date

import polars as pl
import pytest

from assets.validate.numbers import is_missing, is_suppressed, parse_number
from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows, seeded_warehouse

TARGETS_HEADER = "partner_code,service_code,measure_code,period,target_value,tolerance\n"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("£1,234", 1234.0),
        ("1,234.50", 1234.5),
        (" 12 ", 12.0),
        ("85%", 85.0),
        ("(250)", -250.0),
        ("−4", -4.0),
        ("1.5E+03", 1500.0),
        ("£12,345,678.90", 12345678.9),
        ("1,2", None),
        ("12,34", None),
        ("nan", None),
        ("lots", None),
    ],
)
def test_numbers_as_written(text, number):
    assert pl.DataFrame({"x": [text]}).select(parse_number("x")).item() == number


@pytest.mark.parametrize("text", ["-0", "-0.0", "(0)", "−0"])
def test_minus_zero_is_read_as_zero_without_its_sign(text):
    number = pl.DataFrame({"x": [text]}).select(parse_number("x")).item()
    assert number == 0.0 and math.copysign(1.0, number) == 1.0


@pytest.mark.parametrize(("text", "number"), [("1e308", 1e308), ("1e309", math.inf), ("-1e309", -math.inf)])
def test_huge_figures_are_read_as_written_for_the_rules_to_judge(text, number):
    assert pl.DataFrame({"x": [text]}).select(parse_number("x")).item() == number


@pytest.mark.parametrize(
    ("text", "missing", "suppressed"),
    [
        ("", True, False),
        ("n/a", True, False),
        ("N/A", True, False),
        ("-", True, False),
        ("..", True, False),
        ("*", False, True),
        ("[c]", False, True),
        ("0", False, False),
    ],
)
def test_blanks_and_suppression_marks(text, missing, suppressed):
    frame = pl.DataFrame({"x": [text]}).select(is_missing("x").alias("m"), is_suppressed("x").alias("s"))
    assert frame.row(0) == (missing, suppressed)


def test_suppressed_figures_load_as_suppressed_not_zero(tmp_path):
    drop(
        tmp_path / "inbox",
        "outcomes",
        "P1_20240310.csv",
        OUTCOMES_HEADER
        + "P1,S1,RATE,2024-01,*,40,,\n"  # suppressed numerator: kept, flagged
        + "P1,S1,OUT,2024-01,,,n/a,\n"  # n/a for a required count: quarantined as required
        + "P2,S1,OUT,2024-01,,,*,\n"  # P2 is not this file's partner, but suppression is fine
        + 'P1,S1,OUT,2024-02,,,"£1,234",\n',
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path)
    assert rows(
        con,
        "select row_number, numerator, denominator, value, suppressed_columns "
        "from validated.outcomes order by 1",
    ) == [(2, None, 40.0, None, ["numerator"]), (5, None, None, 1234.0, [])]
    assert rows(con, "select row_number, rule, column_name from audit.quarantine order by 1") == [
        (3, "required", "value"),
        (4, "partner_matches_file", "partner_code, file_partner_code"),
    ]


def test_a_star_is_not_a_number_where_figures_cannot_be_suppressed(tmp_path):
    drop(
        tmp_path / "inbox",
        "finance",
        "P1_20240310.csv",
        "partner_code,service_code,period,pay_cost,non_pay_cost\nP1,S1,2024-01,*,10\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path, "finance")
    assert rows(con, "select rule, value from audit.quarantine") == [("not_a_number", "*")]


def test_percent_targets_given_as_fractions_are_detected_against_the_measure_unit(tmp_path):
    drop(
        tmp_path / "inbox",
        "targets",
        "P1_20231201.csv",
        TARGETS_HEADER
        + "P1,S1,RATE,2024-01,0.85,0.05\n"  # percent measure, 0-1 scale: read as 85 and 5
        + "P1,S1,OUT,2024-01,0.5,\n",
    )  # count measure: never rescaled
    drop(
        tmp_path / "inbox",
        "targets",
        "P1_20231202.csv",
        TARGETS_HEADER + "P1,S1,RATE,2024-02,85,5\n" + "P1,S1,LOW,2024-02,0.5,\n",
    )  # 0-100: a 0.5 % target stays
    drop(
        tmp_path / "inbox", "targets", "P1_20231203.csv", TARGETS_HEADER + "P1,S1,LOW,2024-03,1%,\n"
    )  # an explicit % sign is on the 0-100 scale
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path, "targets")
    assert rows(
        con,
        "select measure_code, period, target_value, tolerance from validated.targets "
        "order by period, measure_code",
    ) == [
        ("OUT", date(2024, 1, 1), 0.5, None),
        ("RATE", date(2024, 1, 1), 85.0, 5.0),
        ("LOW", date(2024, 2, 1), 0.5, None),
        ("RATE", date(2024, 2, 1), 85.0, 5.0),
        ("LOW", date(2024, 3, 1), 1.0, None),
    ]
    assert rows(
        con,
        "select file_name, row_number, rule, value from audit.warnings where rule = 'percent_as_fraction'",
    ) == [("P1_20231201.csv", 2, "percent_as_fraction", "0.85")]


def test_a_declared_percent_scale_is_used_without_a_warning(tmp_path):
    drop(tmp_path, "partners", "P1.yaml", "partner_code: P1\nreturns:\n  targets:\n    percent: fraction\n")
    drop(
        tmp_path / "inbox",
        "targets",
        "P1_20231201.csv",
        TARGETS_HEADER + "P1,S1,RATE,2024-01,0.9,\n" + "P1,S1,LOW,2024-01,2,\n",
    )  # declared fractions: even a figure above 1 is scaled
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path, "targets")
    assert rows(con, "select measure_code, target_value from validated.targets") == [("RATE", 90.0)]
    assert rows(con, "select row_number, rule, value from audit.quarantine") == [
        (3, "percent_in_range", "200.0")
    ]  # scaled to 200, then held back: no percent exceeds 100
    assert rows(con, "select percent_scale from audit.load_log") == [("fraction",)]
    assert rows(con, "select count(*) from audit.warnings where rule = 'percent_as_fraction'") == [(0,)]

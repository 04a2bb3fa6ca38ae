"""Partner mapping files: a partner's own headers, codes and units; adding a partner is adding a file."""

import pytest

from assets.contract import SUBMISSION_TYPES
from assets.ingest.partners import MappingError, load_profiles, parse_profile
from tests.ingest_fixtures import drop, ingest_and_validate, rows, seeded_warehouse

MAPPING = """\
partner_code: P1
returns:
  outcomes:
    columns:
      Org Code: partner_code
      Scheme: service_code
      Indicator: measure_code
      Month: period
      Achieved: numerator
      Eligible: denominator
      Count: value
      Notes: comment
    codes:
      service_code: {NORTH-1: S1}
      measure_code: {A&E-4HR: RATE, ACT-01: OUT}
"""


def test_own_headers_and_codes_are_mapped_to_the_contract(tmp_path):
    drop(tmp_path, "partners", "P1.yaml", MAPPING)
    drop(
        tmp_path / "inbox",
        "outcomes",
        "P1_20240310.csv",
        "Org Code,Scheme,Indicator,Month,Achieved,Eligible,Count,Notes,Internal ref\n"
        "P1,NORTH-1,A&E-4HR,Jan-24,30,40,,,x1\n"
        "P1,NORTH-1,ACT-01,Jan-24,,,12,,x2\n"
        "P1,NORTH-1,ZZZ-99,Jan-24,,,3,,x3\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    outcome = ingest_and_validate(con, tmp_path)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (2, 1)
    assert rows(
        con,
        "select service_code, measure_code, numerator, denominator, value "
        "from validated.outcomes order by row_number",
    ) == [("S1", "RATE", 30.0, 40.0, None), ("S1", "OUT", None, None, 12.0)]
    assert ("ZZZ-99",) in rows(con, "select value from audit.quarantine where rule = 'known_measure'")
    assert rows(con, "select mapping, message from audit.load_log") == [
        ("P1.yaml", "ignored column(s): Internal ref")
    ]


def test_a_partner_without_a_mapping_file_sends_the_contract_layout(tmp_path):
    profiles, problems = load_profiles(tmp_path / "no-such-folder")
    assert (profiles, problems) == ({}, {})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "partner_code: P1\nreturns:\n  outcomes:\n    columns:\n      Month: month\n",
            "not a outcomes column",
        ),
        ("partner_code: P1\nreturns:\n  budgets: {}\n", "unknown submission type"),
        ("partner_code: P1\ndate_order: sideways\n", "date_order must be"),
        (
            "partner_code: P1\nreturns:\n  finance:\n    percent: fraction\n",
            "no figures in the measure's unit",
        ),
        (
            "partner_code: P1\nreturns:\n  outcomes:\n    codes:\n      comment: {a: b}\n",
            "codes may translate",
        ),
        ("partner_code: [P1\n", "not valid YAML"),
    ],
)
def test_a_wrong_mapping_file_says_what_is_wrong(text, says):
    with pytest.raises(MappingError, match=says):
        parse_profile(text, "P1.yaml")


def test_a_broken_mapping_rejects_that_partners_files_and_the_others_load(tmp_path):
    drop(tmp_path, "partners", "P1.yaml", "partner_code: P1\ndate_order: sideways\n")
    header = ",".join(SUBMISSION_TYPES["outcomes"].columns) + "\n"
    drop(tmp_path / "inbox", "outcomes", "P1_20240310.csv", header + "P1,S1,OUT,2024-01,,,4,\n")
    drop(tmp_path / "inbox", "outcomes", "P3_20240310.csv", header + "P3,S2,OUT,2024-01,,,4,\n")
    con = seeded_warehouse(tmp_path / "w.duckdb")
    assert ingest_and_validate(con, tmp_path).rows_loaded == 1
    [(rule, reason)] = rows(con, "select rule, reason from audit.rejected_files")
    assert rule == "mapping_file" and "date_order must be" in reason

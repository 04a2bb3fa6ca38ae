"""The mapping language's reshaping: figures (wide to long), values, formulas, filters, name tables, sums."""

import pytest

from assets.contract import SUBMISSION_TYPES
from assets.ingest.mapping import MappingError, parse_return_mapping
from assets.validate.accounting import accounting_gaps
from tests.ingest_fixtures import drop, ingest_and_validate, rows, seeded_warehouse

WIDE = """\
partner_code: P1
returns:
  outcomes:
    columns: {Org: partner_code, Month: period}
    values: {service_code: S1}
    blank: [comment]
    figures:
      - label: output
        columns: {Output: value}
        values: {measure_code: OUT}
        blank: [numerator, denominator]
      - label: rate
        columns: {Eligible: denominator}
        formulas: {numerator: "1 + {Eligible} - {Missed} - 1"}
        values: {measure_code: RATE}
        blank: [value]
"""


def test_figures_give_one_contract_row_per_figure_of_each_row(tmp_path):
    drop(tmp_path, "partners", "P1.yaml", WIDE)
    drop(
        tmp_path / "inbox",
        "outcomes",
        "P1_20240310.csv",
        "Org,Month,Output,Eligible,Missed\nP1,Jan-24,12,40,10\nP1,Feb-24,-3,40,\nP1,Mar-24,5,40,x\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    outcome = ingest_and_validate(con, tmp_path)
    assert (outcome.rows_received, outcome.rows_loaded) == (6, 3)
    assert rows(
        con,
        "select sheet_name, row_number, measure_code, numerator, denominator, value "
        "from validated.outcomes order by row_number, sheet_name",
    ) == [
        ("[output]", 2, "OUT", None, None, 12.0),
        ("[rate]", 2, "RATE", 30.0, 40.0, None),
        ("[output]", 4, "OUT", None, None, 5.0),
    ]
    # a blank operand leaves the figure blank; one that is not a number is shown as written
    assert rows(
        con,
        "select sheet_name, row_number, rule, value from audit.quarantine order by row_number, sheet_name",
    ) == [
        ("[output]", 3, "non_negative", "-3.0"),
        ("[rate]", 3, "required", None),
        ("[rate]", 4, "not_a_number", "1 + 40 - x - 1"),
    ]
    # every figure of a source row is accounted for on its own
    assert accounting_gaps(con).is_empty()


def test_filters_quarantine_rows_out_of_scope_with_the_mappings_reason(tmp_path):
    drop(
        tmp_path,
        "partners",
        "P1.yaml",
        WIDE.replace(
            "    blank: [comment]\n",
            """\
    blank: [comment]
    filters:
      - {column: Site, keep: [Main], reason: only the main site is in the service}
      - {column: Org, drop: [Total], reason: totals are worked out here}
""",
        ),
    )
    drop(
        tmp_path / "inbox",
        "outcomes",
        "P1_20240310.csv",
        "Org,Site,Month,Output,Eligible,Missed\nP1,Main,Jan-24,12,40,10\nP1,Annex,Jan-24,2,4,1\n"
        "Total,Main,Jan-24,14,44,11\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    outcome = ingest_and_validate(con, tmp_path)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (2, 0)  # validation saw only rows in scope
    assert rows(
        con,
        "select sheet_name, row_number, column_name, rule, value, meaning from audit.quarantine "
        "order by row_number",
    ) == [
        (
            None,
            3,
            "Site",
            "not_in_scope",
            "Annex",
            "only the main site is in the service (in scope: Site in [Main])",
        ),
        (
            None,
            4,
            "Org",
            "not_in_scope",
            "Total",
            "totals are worked out here (in scope: Org not in [Total])",
        ),
    ]
    assert rows(con, "select rows_received, rows_loaded, rows_quarantined, message from audit.load_log") == [
        (4, 2, 2, "2 row(s) out of scope (quarantined as not_in_scope)")
    ]
    assert accounting_gaps(con).is_empty()


def test_a_file_whose_every_row_is_out_of_scope_is_accounted_for_at_once(tmp_path):
    drop(
        tmp_path,
        "partners",
        "P1.yaml",
        WIDE.replace(
            "    blank: [comment]\n",
            """\
    blank: [comment]
    filters:
      - {column: Site, keep: [Main], reason: only the main site is in the service}
""",
        ),
    )
    drop(
        tmp_path / "inbox",
        "outcomes",
        "P1_20240310.csv",
        "Org,Site,Month,Output,Eligible,Missed\nP1,Annex,Jan-24,2,4,1\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path)
    # nothing is left to validate: the file does not stay 'received' for ever
    assert rows(con, "select status, rows_received, rows_loaded, rows_quarantined from audit.load_log") == [
        ("validated", 1, 0, 1)
    ]
    assert accounting_gaps(con).is_empty()


NAMED = """\
name: Delays by area
files: ["delays.csv"]
submitted_on: 2024-03-10
returns:
  outcomes:
    columns: {Area: partner_code, Month: period}
    codes:
      partner_code: {Northshire Trust: P1, Northshire Council: P2}
    values: {service_code: "S{Scheme}", measure_code: OUT, comment: "{Area} scheme {Scheme}"}
    columns_note: ignored
"""


def test_values_fill_templates_from_codes_and_headers_and_names_map_through_a_table(tmp_path):
    mapping = NAMED.replace(
        "    columns_note: ignored\n",
        "    figures:\n      - label: all\n"
        "        columns: {Delays: value}\n"
        "        blank: [numerator, denominator]\n",
    )
    drop(tmp_path / "partners", "sources", "delays.yaml", mapping)
    drop(
        tmp_path,
        "inbox",
        "delays.csv",
        "Area,Scheme,Month,Delays\nNorthshire Trust,1,2024-01,3\n"
        "Northshire Council,1,2024-01,4\nSouthshire Council,1,2024-01,5\n"
        "Northshire Council,,2024-01,6\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path)
    assert rows(
        con, "select partner_code, service_code, comment, value from validated.outcomes order by row_number"
    ) == [("P1", "S1", "Northshire Trust scheme 1", 3.0), ("P2", "S1", "Northshire Council scheme 1", 4.0)]
    quarantined = rows(con, "select row_number, rule, value from audit.quarantine order by row_number, rule")
    assert (4, "known_partner", "Southshire Council") in quarantined  # a name the table lacks passes through
    assert (5, "required", None) in quarantined  # an empty placeholder leaves it blank


SPLIT = """\
partner_code: P1
returns:
  workforce:
    columns: {Org: partner_code, Month: period, Group: staff_group_code, People: headcount,
              FTE: contracted_fte, Vacant: vacant_fte, Days: available_days, Pay: pay_bill}
    values: {service_code: S1}
    blank: [leavers, sickness_days_lost, agency_fte, training_hours]
    sum_over: [Nationality]
"""


def test_sum_over_adds_up_a_split_the_contract_does_not_have(tmp_path):
    drop(tmp_path, "partners", "P1.yaml", SPLIT)
    drop(
        tmp_path / "inbox",
        "workforce",
        "P1_20240310.csv",
        "Org,Month,Group,Nationality,People,FTE,Vacant,Days,Pay\n"
        "P1,2024-JAN,NURSE,British,10,8.1,1,200,1000\nP1,2024-JAN,NURSE,Irish,2,1.2,0,40,200\n"
        "P1,2024-FEB,NURSE,British,10,8.1,1,200,1000\nP1,2024-FEB,NURSE,Irish,*,1,0,40,x\n",
    )
    con = seeded_warehouse(tmp_path / "w.duckdb")
    outcome = ingest_and_validate(con, tmp_path, "workforce")
    assert (outcome.rows_received, outcome.rows_loaded) == (2, 1)
    assert rows(
        con, "select row_number, headcount, contracted_fte, available_days, pay_bill from validated.workforce"
    ) == [(2, 12.0, 9.3, 240.0, 1200.0)]
    # a group with a figure that is not a number keeps it as written, and is held back
    assert rows(con, "select row_number, column_name, rule, value from audit.quarantine") == [
        (4, "pay_bill", "not_a_number", "x")
    ]
    assert rows(con, "select message from audit.load_log") == [
        ("4 rows summed over nationality into 2 rows",)
    ]
    assert rows(con, "select headcount from raw.workforce order by row_number") == [("12",), ("*",)]


def test_a_header_the_mapping_reads_must_be_in_the_file(tmp_path):
    drop(tmp_path, "partners", "P1.yaml", WIDE)
    drop(tmp_path / "inbox", "outcomes", "P1_20240310.csv", "Org,Month,Output,Eligible\nP1,Jan-24,12,40\n")
    con = seeded_warehouse(tmp_path / "w.duckdb")
    ingest_and_validate(con, tmp_path)
    assert rows(con, "select rule, reason from audit.rejected_files") == [
        ("missing_columns", "missing column(s) missed in the header on row 1")
    ]


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"formulas": {"numerator": "{A} * {B}"}}, "is not a formula"),
        ({"formulas": {"comment": "{A} + 1"}}, "is not a figure"),
        ({"values": {"period_start": "x"}}, "is not a outcomes column"),
        ({"blank": "comment"}, "blank is a list"),
        ({"filters": [{"column": "Type", "keep": ["1"]}]}, "the reason rows outside it"),
        ({"filters": [{"column": "Type", "keep": ["1"], "drop": ["2"], "reason": "r"}]}, "one of condition"),
        ({"figures": [{"columns": {"A": "value"}}]}, "each with a label"),
        ({"figures": [{"label": "a"}, {"label": "a"}]}, "its own label"),
        ({"sum_over": "Nationality"}, "sum_over is a list"),
    ],
)
def test_a_wrong_reshaping_says_what_is_wrong(spec, says):
    with pytest.raises(MappingError, match=says):
        parse_return_mapping(SUBMISSION_TYPES["outcomes"], spec, "P1.yaml returns.outcomes")

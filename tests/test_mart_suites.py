"""One case per family of mart rules: the hand-made marts with a row that breaks it, and one that keeps it."""

import json
from dataclasses import dataclass

import pytest

from assets.models.shipped import published_marts
from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.validate.mart_suites import mart_rows, mart_suite_name, validate_mart
from assets.validate.suite_sql import suite_columns
from assets.validate.suites import run_suite, suite_spec
from tests.sql_fixtures import build_hand_made_warehouse

S1_RATE_JAN = "service_code = 'S1' and measure_code = 'RATE' and period = '2024-01-01'"
SCORECARD = "update marts.scorecard_service_period set"
SET_QUADRANT, ASSESSED = f"{SCORECARD} quadrant =", "where quadrant <> 'not assessed'"


@dataclass(frozen=True)
class Case:
    """A mart, a rule, SQL that makes a row break it, and SQL that changes the row but keeps it."""

    mart: str
    rule: str
    breaks: str
    keeps: str
    severity: str = "critical"


def measure_update(assignments: str) -> str:
    return f"update marts.fct_measure_period set {assignments} where {S1_RATE_JAN}"


PAY_PAIR = (
    "insert into marts.pay_parity (service_code, period, comparison, higher_paid, lower_paid, "
    "is_suppressed, higher_pay_per_fte, lower_pay_per_fte, gap_pounds, gap_pct, fte_affected) "
    "values ('S1', '2024-01-01', 'different professions', 'nursing', 'social care', {})"
)

CASES = [
    Case(
        "fct_measure_period",
        "keys_unique",
        f"insert into marts.fct_measure_period select * from marts.fct_measure_period where {S1_RATE_JAN}",
        "insert into marts.fct_measure_period select * replace (date '2024-03-01' as period) "
        f"from marts.fct_measure_period where {S1_RATE_JAN}",
    ),
    Case("fct_measure_period", "rag_in_set", measure_update("rag = 'purple'"), measure_update("rag = 'red'")),
    Case(
        "fct_measure_period",
        "attainment_in_range",
        measure_update("attainment_pct = 150.1"),
        measure_update("attainment_pct = 150"),
    ),
    Case(
        "fct_measure_period",
        "numerator_le_denominator",
        measure_update("numerator = denominator + 1"),
        measure_update("numerator = denominator"),
    ),
    Case(
        "fct_measure_period",
        "percent_in_range",
        measure_update("actual = 100.5"),
        measure_update("actual = 100"),
    ),
    Case(
        "fct_measure_period",
        "colour_needs_target",
        measure_update("assessed_target = null"),
        measure_update("assessed_target = null, rag = 'no target'"),
    ),
    Case(
        "fct_measure_period",
        "colour_on_complete_data",
        measure_update("expected_partners = reporting_partners + 1"),
        measure_update("expected_partners = reporting_partners + 1, rag = 'data incomplete'"),
    ),
    # the worked example's output measure has no target: the scorecard shows 'no target'
    Case(
        "fct_measure_period",
        "target_set",
        "select 1",
        "update marts.fct_measure_period set target = 100 where actual is not null and target is null",
        severity="warning",
    ),
    Case(
        "scorecard_service_period",
        "quadrant_in_set",
        f"{SET_QUADRANT} 'top' {ASSESSED}",
        f"{SET_QUADRANT} 'neither' {ASSESSED}",
    ),
    Case(
        "scorecard_service_period",
        "positive",
        f"{SCORECARD} efficiency_index = 0 where efficiency_index is not null",
        f"{SCORECARD} efficiency_index = 0.1 where efficiency_index is not null",
    ),
    Case(
        "fct_workforce_period",
        "percent_in_range",
        "update marts.fct_workforce_period set vacancy_rate = 100.1",
        "update marts.fct_workforce_period set vacancy_rate = 100",
    ),
    Case(
        "pay_parity",
        "suppressed_pay_hidden",
        PAY_PAIR.format("true, 40000, 30000, 10000, 33.3, 3"),
        PAY_PAIR.format("true, null, null, null, null, null"),
    ),
    Case(
        "pay_parity",
        "higher_paid_first",
        PAY_PAIR.format("false, 30000, 40000, 0, 0, 3"),
        PAY_PAIR.format("false, 40000, 30000, 10000, 33.3, 3"),
    ),
    Case(
        "accountability",
        "percent_in_range",
        "update marts.accountability set share_of_denominator = 100.5",
        "update marts.accountability set share_of_denominator = 100",
    ),
    Case(
        "peer_benchmark",
        "quartile_in_set",
        "update marts.peer_benchmark set quartile = 5",
        "update marts.peer_benchmark set quartile = 4",
    ),
    Case(
        "peer_benchmark",
        "rank_in_range",
        "update marts.peer_benchmark set peer_rank = peers + 1",
        "update marts.peer_benchmark set peer_rank = peers",
    ),
    # the grain every mart and dimension declares in its .yml (dbt_like_sql/marts), generated into its suite
    Case(
        "dim_partner",
        "keys_unique",
        "insert into marts.dim_partner select * from marts.dim_partner limit 1",
        "insert into marts.dim_partner select * replace ('P9' as partner_code) "
        "from marts.dim_partner limit 1",
    ),
    Case(
        "dim_joint_service",
        "keys_not_null",
        "update marts.dim_joint_service set service_code = null where service_code = 'S2'",
        "update marts.dim_joint_service set service_name = null where service_code = 'S2'",
    ),
    Case(
        "measure_spc_status",
        "keys_unique",
        "insert into marts.measure_spc_status select * from marts.measure_spc_status limit 1",
        "insert into marts.measure_spc_status select * replace ('NEW' as measure_code) "
        "from marts.measure_spc_status limit 1",
    ),
    Case(
        "partner_data_quality",
        "received_le_expected",
        "update marts.partner_data_quality set returns_received = returns_expected + 1",
        "update marts.partner_data_quality set returns_received = returns_expected",
    ),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = build_hand_made_warehouse(tmp_path_factory.mktemp("marts") / "w.duckdb")
    yield connection
    connection.close()


def rules_after(con, mart: str, change: str) -> set[tuple[str, str]]:
    """Return (rule, severity) of every finding of the mart's suite once `change` is made (then undone)."""
    con.begin()
    try:
        con.execute(change)
        return set(
            validate_mart(con, mart, PROJECT_EXPECTATIONS_DIR).findings.select("rule", "severity").iter_rows()
        )
    finally:
        con.rollback()


def test_the_hand_made_marts_pass_every_error_rule(con):
    built = {
        t
        for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    }
    # the forecasts and the associations are fitted in Python from more months than the hand-made data has
    assert set(published_marts()) - built == {"fct_measure_forecast", "workforce_outcome_association"}
    for mart in sorted(built):
        assert validate_mart(con, mart, PROJECT_EXPECTATIONS_DIR).errors == 0, mart


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.mart}-{c.rule}")
def test_a_row_breaking_the_rule_is_flagged_and_one_keeping_it_is_not(con, case):
    assert (case.rule, case.severity) in rules_after(con, case.mart, case.breaks)
    kept = rules_after(con, case.mart, case.keeps)
    assert case.rule not in {rule for rule, _ in kept}
    assert "critical" not in {severity for _, severity in kept}


def test_both_copies_of_a_duplicate_key_are_flagged_in_one_result(con):
    con.begin()
    try:
        con.execute(
            f"insert into marts.fct_measure_period select * from marts.fct_measure_period where {S1_RATE_JAN}"
        )
        result = validate_mart(con, "fct_measure_period", PROJECT_EXPECTATIONS_DIR)
    finally:
        con.rollback()
    duplicates = result.findings.filter(rule="keys_unique")
    assert len(result.results) == 1 and duplicates.height == 2
    assert duplicates["value"].unique().to_list() == ["service_code=S1, measure_code=RATE, period=2024-01-01"]


def test_every_expectation_has_a_rule_a_severity_and_a_meaning():
    suites_found = {p.stem: json.loads(p.read_text()) for p in PROJECT_EXPECTATIONS_DIR.glob("*.json")}
    assert {f"mart_{m}" for m in published_marts()} <= set(suites_found)
    for name, suite in suites_found.items():
        for expectation in suite["expectations"]:
            assert expectation["severity"] in ("critical", "warning"), name
            assert expectation["meta"]["rule"] and len(expectation["meta"]["meaning"]) > 15, name


def test_reading_only_the_columns_the_rules_name_judges_as_reading_every_column(con):
    """validate_mart reads the columns its suite names; the whole mart gives the same findings and results."""
    for case in CASES:
        con.begin()
        try:
            con.execute(case.breaks)
            read = validate_mart(con, case.mart, PROJECT_EXPECTATIONS_DIR)
            every = con.execute(f"select * from ({mart_rows(case.mart)}) order by row_id").pl()
            whole = run_suite(every, suite_spec(PROJECT_EXPECTATIONS_DIR, mart_suite_name(case.mart)), {})
        finally:
            con.rollback()
        assert read.findings.height > 0, case
        assert read.findings.equals(whole.findings) and read.results == whole.results, case


def test_the_columns_a_suite_names_include_those_of_nested_row_conditions():
    condition = {
        "type": "and",
        "conditions": [
            {"type": "nullity", "column": {"name": "c"}, "is_null": False},
            {
                "type": "or",
                "conditions": [
                    {"type": "comparison", "column": {"name": "d"}, "operator": ">", "parameter": 1}
                ],
            },
        ],
    }
    suite = {
        "expectations": [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "a", "row_condition": condition},
            },
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["a", "b"]}},
            {
                "type": "expect_column_pair_values_a_to_be_greater_than_b",
                "kwargs": {"column_A": "e", "column_B": "f"},
            },
        ]
    }
    assert suite_columns(suite) == {"a", "b", "c", "d", "e", "f"}

"""SQL models on hand-made inputs, against figures worked out by hand (see tests/sql_fixtures.py)."""

from datetime import date

import pytest

from tests.sql_fixtures import FEB, JAN, build_hand_made_warehouse


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = build_hand_made_warehouse(tmp_path_factory.mktemp("sql") / "hand.duckdb")
    yield connection
    connection.close()


def row(con, sql, params=()):
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1, f"expected one row, got {found}"
    return dict(zip(names, found[0], strict=True))


def measure(con, service, code, period=JAN):
    return row(
        con,
        "select * from marts.fct_measure_period where service_code = ? and measure_code = ? and period = ?",
        (service, code, period),
    )


def test_resubmission_replaces_the_earlier_figure(con):
    staged = row(
        con, "select * from staging.stg_outcomes where partner_code = 'P1' and measure_code = 'RATE'"
    )
    assert (staged["numerator"], staged["file_name"], staged["is_restated"]) == (30, "resub.csv", True)


def test_rate_is_ratio_of_summed_numerators_and_denominators(con):
    rate = measure(con, "S1", "RATE")
    # (30 + 10) / (40 + 10) = 80 %, target 85 with tolerance 5 -> amber; 80 / 85
    assert rate["actual"] == pytest.approx(80.0)
    assert rate["rag"] == "amber"
    assert rate["attainment_pct"] == pytest.approx(100 * 80 / 85)
    assert rate["reporting_partners"] == 2
    assert rate["accountable_partner_code"] == "P2"
    assert rate["is_restated"] is True


def test_lower_is_better_attainment_and_rag(con):
    s1 = measure(con, "S1", "LOW")  # 10 % against 12 -> green, 12 / 10
    assert (s1["actual"], s1["rag"]) == (pytest.approx(10.0), "green")
    assert s1["tolerance"] == 0  # an empty tolerance is read as 0
    assert s1["attainment_pct"] == pytest.approx(120.0)
    s2 = measure(con, "S2", "LOW")  # 20 % against 12 + 5 -> red, 12 / 20
    assert (s2["rag"], s2["attainment_pct"]) == ("red", pytest.approx(60.0))


def test_counts_sum_over_partners_and_missing_target_or_data_is_not_a_colour(con):
    out = measure(con, "S1", "OUT")
    assert (out["actual"], out["rag"], out["attainment_pct"]) == (120.0, "no target", None)
    missing = measure(con, "S2", "RATE", FEB)
    assert (missing["actual"], missing["rag"]) == (None, "no data")


def test_calendar_runs_to_the_latest_reported_month(con):
    (months,) = con.execute("select count(*) from marts.fct_measure_period").fetchone()
    assert months == 2 * 3 * 2  # services x measures x (Jan, Feb)


def test_scorecard_indices_and_quadrants(con):
    s1 = row(
        con, "select * from marts.scorecard_service_period where service_code = 'S1' and period = ?", (JAN,)
    )
    s2 = row(
        con, "select * from marts.scorecard_service_period where service_code = 'S2' and period = ?", (JAN,)
    )
    # unit costs: S1 9000 / 120 = 75, S2 10000 / 200 = 50; peer median 62.5
    assert (s1["unit_cost"], s2["unit_cost"]) == (pytest.approx(75.0), pytest.approx(50.0))
    assert s1["peer_median_unit_cost"] == pytest.approx(62.5)
    assert s1["efficiency_index"] == pytest.approx(100 * 62.5 / 75)
    assert s2["efficiency_index"] == pytest.approx(125.0)
    # effectiveness, RATE weighted 2 and LOW 1: S1 (2 × 80/85 + 12/10) / 3 = 102.75;
    # S2 (2 × 90/85 + 12/20) / 3 = 90.59
    assert s1["effectiveness_index"] == pytest.approx((2 * 100 * 80 / 85 + 120) / 3)
    assert s2["effectiveness_index"] == pytest.approx((2 * 100 * 90 / 85 + 60) / 3)
    assert s1["measures_assessed"] == 2
    assert (s1["share_on_target"], s2["share_on_target"]) == (50.0, 50.0)  # LOW green; RATE green
    assert s1["quadrant"] == "effective but costly"
    assert s2["quadrant"] == "cheap but failing"
    # activity per FTE: S1 120 units / (9 contracted + 1 agency) = 12; S2 has no workforce return
    assert (s1["total_fte"], s1["activity_per_fte"]) == (10.0, pytest.approx(12.0))
    assert s1["activity_per_fte_index"] == pytest.approx(100.0)  # the only peer with a figure
    assert s2["activity_per_fte"] is None
    # the baseline year is FY 2023/24, whose only costed month is January: indices 100
    assert s1["baseline_unit_cost"] == pytest.approx(75.0)
    assert s1["unit_cost_vs_baseline_index"] == pytest.approx(100.0)
    assert s1["direction_of_travel"] == "not enough history"
    s1_feb = row(
        con, "select * from marts.scorecard_service_period where service_code = 'S1' and period = ?", (FEB,)
    )
    assert s1_feb["quadrant"] == "not assessed"


def test_workforce_rates(con):
    jan = row(con, "select * from marts.fct_workforce_period where period = ?", (JAN,))
    assert jan["vacancy_rate"] == pytest.approx(10.0)  # 1 / (9 + 1)
    assert jan["agency_share"] == pytest.approx(10.0)  # 1 / (9 + 1)
    assert jan["sickness_rate"] == pytest.approx(10.0)  # 18 / 180
    assert jan["training_hours_per_fte"] == pytest.approx(3.0)  # 27 / 9
    assert jan["mean_annual_pay_per_fte"] == pytest.approx(40000.0)  # 12 * 30000 / 9
    assert jan["turnover_rate_12m"] is None  # fewer than 12 months
    dec = row(con, "select * from marts.fct_workforce_period where period = ?", (date(2024, 12, 1),))
    assert dec["turnover_rate_12m"] == pytest.approx(60.0)  # 6 leavers / 10 headcount


def test_service_workforce_feeds_the_scorecard(con):
    s1 = row(
        con,
        "select vacancy_rate, agency_share from marts.scorecard_service_period "
        "where service_code = 'S1' and period = ?",
        (JAN,),
    )
    assert s1 == {"vacancy_rate": pytest.approx(10.0), "agency_share": pytest.approx(10.0)}


def test_comments_reach_duckdb_columns(con):
    (comment,) = con.execute(
        "select comment from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'fct_measure_period' and column_name = 'rag'"
    ).fetchone()
    assert comment.startswith("green (met)")
    (table_comment,) = con.execute(
        "select comment from duckdb_tables() where schema_name = 'marts' "
        "and table_name = 'scorecard_service_period'"
    ).fetchone()
    assert "efficiency-versus-effectiveness" in table_comment

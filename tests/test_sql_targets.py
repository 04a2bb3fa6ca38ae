"""Targets, trajectories, year-to-date and rolling-12-month judgement, completeness, peer ranks.

A hand-made service T1 (partners P1, P2) and T2 (partner P3), kind K, 2024-03 to 2025-04:
- CNT, a count judged year to date: P1 sends 10 a month (3 in June 2024), P2 sends 1 a month but
  skips August 2024; the monthly target is 9 with tolerance 1.
- PCT, a rate judged on the rolling 12 months: P1 sends 50/100 while the target is 40 (2024-03 to
  2024-08) and 150/300 while it is 60 (2024-09 on), tolerance 5.
- ANN, a rate judged monthly, with only a year-end target of 80 (tolerance 2) for 2024/25: T1's
  baseline is its March 2024 actual, 60/100; T1 sent its own target of 99 for October 2024.
  T2 has no March 2024 figure, so no baseline.
"""

from datetime import date

import pytest

from tests.sql_fixtures import build_warehouse, outcome

MONTHS = [date(2024 + (2 + i) // 12, (2 + i) % 12 + 1, 1) for i in range(14)]  # 2024-03 .. 2025-04
SEEDS: dict[str, list[tuple]] = {
    "service_kinds": [("K", "Kind K")],
    "joint_services": [
        ("T1", "Service T1", "K", "Area", "2024-03-01", "P1"),
        ("T2", "Service T2", "K", "Area", "2024-04-01", "P3"),
    ],
    "partners": [
        ("P1", "Trust", "NHS", "Area"),
        ("P2", "Council", "local authority", "Area"),
        ("P3", "Charity", "voluntary", "Area"),
    ],
    "service_partners": [("T1", "P1", "lead"), ("T1", "P2", "contributor"), ("T2", "P3", "lead")],
    "measures": [
        ("CNT", "Count", "K", "count", "count", "higher_is_better", "activity", True, "d"),
        ("PCT", "Rate", "K", "percent", "rate", "higher_is_better", "outcome", False, "d"),
        ("ANN", "Annual", "K", "percent", "rate", "higher_is_better", "outcome", False, "d"),
    ],
    "service_measures": [("T1", "CNT", "P1"), ("T1", "PCT", "P1"), ("T1", "ANN", "P1"), ("T2", "ANN", "P3")],
    "staff_groups": [],
    "measure_rules": [("CNT", "year_to_date", 1.0), ("PCT", "rolling_12_months", 1.0)],
    "annual_targets": [("T1", "ANN", "2024-04-01", 80.0, 2.0), ("T2", "ANN", "2024-04-01", 80.0, 2.0)],
    "spc_rebases": [],
    "staff_allocations": [],
}


def outcomes() -> list[dict]:
    rows = []
    for month in MONTHS:
        rows.append(outcome("P1", "T1", "CNT", month, value=3.0 if month == date(2024, 6, 1) else 10.0))
        if month == date(2024, 11, 1):  # P2 suppressed its small number ("*") this month
            rows.append(outcome("P2", "T1", "CNT", month, suppressed_columns=["value"]))
        elif month != date(2024, 8, 1):
            rows.append(outcome("P2", "T1", "CNT", month, value=1.0))
        early = month < date(2024, 9, 1)
        rows.append(outcome("P1", "T1", "PCT", month, 50.0 if early else 150.0, 100.0 if early else 300.0))
        rows.append(outcome("P1", "T1", "ANN", month, 60.0 if month == MONTHS[0] else 70.0, 100.0))
        if month >= date(2024, 4, 1):
            rows.append(outcome("P3", "T2", "ANN", month, 75.0, 100.0))
    return rows


def targets() -> list[dict]:
    rows = [
        dict(
            partner_code="P1",
            service_code="T1",
            measure_code="ANN",
            period=date(2024, 10, 1),
            target_value=99.0,
            tolerance=1.0,
        )
    ]
    for month in MONTHS:
        rows.append(
            dict(
                partner_code="P1",
                service_code="T1",
                measure_code="CNT",
                period=month,
                target_value=9.0,
                tolerance=1.0,
            )
        )
        rows.append(
            dict(
                partner_code="P1",
                service_code="T1",
                measure_code="PCT",
                period=month,
                target_value=40.0 if month < date(2024, 9, 1) else 60.0,
                tolerance=5.0,
            )
        )
    return rows


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = build_warehouse(
        tmp_path_factory.mktemp("targets") / "t.duckdb", SEEDS, {"outcomes": outcomes(), "targets": targets()}
    )
    yield connection
    connection.close()


def measure(con, service, code, period):
    cursor = con.execute(
        "select * from marts.fct_measure_period where service_code = ? and measure_code = ? and period = ?",
        [service, code, period],
    )
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def test_count_judged_year_to_date(con):
    may = measure(con, "T1", "CNT", date(2024, 5, 1))  # Apr + May: 11 + 11 against 9 + 9
    assert (may["ytd_actual"], may["ytd_target"], may["rag"]) == (22.0, 18.0, "green")
    june = measure(con, "T1", "CNT", date(2024, 6, 1))  # 11 + 11 + 4 = 26 against 27, tolerance 3
    assert (june["assessed_actual"], june["assessed_target"]) == (26.0, 27.0)
    assert (june["assessed_tolerance"], june["rag"]) == (3.0, "amber")
    assert june["attainment_pct"] == pytest.approx(100 * 26 / 27)
    assert june["actual"] == 4.0 and june["target"] == 9.0  # the month itself is still shown
    march = measure(con, "T1", "CNT", date(2024, 3, 1))  # the last month of FY 2023/24 on its own
    assert (march["ytd_actual"], march["ytd_target"]) == (11.0, 9.0)
    april_next = measure(con, "T1", "CNT", date(2025, 4, 1))  # a new financial year starts again
    assert april_next["ytd_actual"] == 11.0


def test_fewer_partners_than_usual_is_data_incomplete(con):
    august = measure(con, "T1", "CNT", date(2024, 8, 1))
    assert (august["reporting_partners"], august["expected_partners"]) == (1, 2)
    assert (august["actual"], august["rag"]) == (10.0, "data incomplete")


def test_a_suppressed_partner_figure_makes_the_month_incomplete(con):
    november = measure(con, "T1", "CNT", date(2024, 11, 1))
    assert (november["actual"], november["has_suppressed_figure"]) == (10.0, True)  # P1's part only
    assert (november["reporting_partners"], november["rag"]) == (1, "data incomplete")


def test_rate_judged_on_rolling_12_months(con):
    january = measure(con, "T1", "PCT", date(2025, 1, 1))  # only 11 months so far
    assert (january["rolling_12m_actual"], january["rag"]) == (None, "data incomplete")
    february = measure(con, "T1", "PCT", date(2025, 2, 1))  # 2024-03 .. 2025-02
    # actual (6 × 50 + 6 × 150) / (6 × 100 + 6 × 300) = 50 %; target weighted by denominator:
    # (6 × 40 × 100 + 6 × 60 × 300) / 2,400 = 55 %; 50 ≥ 55 − 5 -> amber
    assert february["rolling_12m_actual"] == pytest.approx(50.0)
    assert february["rolling_12m_target"] == pytest.approx(55.0)
    assert february["rag"] == "amber"
    assert february["actual"] == pytest.approx(50.0)


def test_trajectory_is_interpolated_from_the_baseline_unless_submitted(con):
    # baseline 60 % (March 2024); month k of the year: 60 + (80 − 60) × k / 12
    april = measure(con, "T1", "ANN", date(2024, 4, 1))
    assert april["target"] == pytest.approx(60 + 20 / 12)
    assert april["target_source"] == "interpolated from baseline"
    september = measure(con, "T1", "ANN", date(2024, 9, 1))
    assert (september["target"], september["rag"]) == (pytest.approx(70.0), "green")  # 70 ≥ 70
    october = measure(con, "T1", "ANN", date(2024, 10, 1))
    assert (october["target"], october["target_source"], october["rag"]) == (99.0, "submitted", "red")
    march = measure(con, "T1", "ANN", date(2025, 3, 1))
    assert march["target"] == pytest.approx(80.0)
    next_year = measure(con, "T1", "ANN", date(2025, 4, 1))
    assert (next_year["target"], next_year["rag"]) == (None, "no target")


def test_year_end_target_applies_flat_without_a_baseline(con):
    t2 = measure(con, "T2", "ANN", date(2024, 4, 1))
    assert (t2["target"], t2["target_source"]) == (80.0, "year-end target, no baseline")
    assert (t2["rag"], t2["attainment_pct"]) == ("red", pytest.approx(100 * 75 / 80))  # 75 < 78


def test_peer_rank_and_quartile(con):
    rows = con.execute(
        "select service_code, peer_rank, peers, quartile, peer_median "
        "from marts.peer_benchmark where measure_code = 'ANN' and period = ? "
        "order by service_code",
        [date(2024, 5, 1)],
    ).fetchall()
    # higher is better: T2 (75 %) ranks 1, T1 (70 %) ranks 2 of 2; 2 peers are too few for quartiles
    assert rows == [("T1", 2, 2, None, 72.5), ("T2", 1, 2, None, 72.5)]

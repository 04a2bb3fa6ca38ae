"""marts.partner_data_quality and marts.partner_league on hand-made returns, against figures worked by hand.

S1 (P1 leads, P2 takes part) and S2 (P3 leads), January to March 2024. Outcomes are due 15 working days
after the month ends (21 February, 21 March, and 22 April: Easter Monday, 1 April, is no working day);
a month's target is due by the month's end.
"""

from datetime import date

import pytest

from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows
from tests.sql_fixtures import SEEDS, build_models, build_warehouse

TARGETS_HEADER = "partner_code,service_code,measure_code,period,target_value,tolerance\n"
JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
COLUMNS = ("deadline, days_after_deadline, returns_expected, returns_received, returns_on_time, "
           "rows_received, rows_passed, fields_filled, fields_expected, keys_reported, restated_keys")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    home = tmp_path_factory.mktemp("quality")
    seeds = SEEDS | {"bank_holidays": [("2024-01-01", "New Year's Day"), ("2024-04-01", "Easter Monday")]}
    connection = build_warehouse(home / "w.duckdb", seeds, {})
    outcomes = {
        "P1_20240215.csv": "P1,S1,OUT,2024-01,,,100,\nP1,S1,LOW,2024-01,5,50,,\n",
        "P1_20240301_resub.csv": "P1,S1,OUT,2024-01,,,105,\n",            # restates January's OUT
        "P1_20240325.csv": "P1,S1,OUT,2024-02,,,110,\nP1,S1,LOW,2024-02,6,50,,\n",   # 4 days late
        "P1_20240420.csv": "P1,S1,OUT,2024-03,,,120,\nP1,S1,LOW,2024-03,5,50,,\n",   # on time, by Easter
        "P2_20240220.csv": "P2,S1,RATE,2024-01,30,40,,\nP2,S1,RATE,2024-02,50,40,,\n",  # February's held back
    }
    for name, body in outcomes.items():
        drop(home / "inbox", "outcomes", name, OUTCOMES_HEADER + body)
    drop(home / "inbox", "targets", "P1_20231220.csv",
         TARGETS_HEADER + "P1,S1,RATE,2024-01,85,5\nP1,S1,LOW,2024-01,12,\n")  # one tolerance not given
    ingest_and_validate(connection, home, "targets")
    ingest_and_validate(connection, home, "outcomes")
    build_models(connection)
    yield connection
    connection.close()


def quality(con, partner: str, kind: str, period: date) -> tuple:
    (row,) = rows(con, f"select {COLUMNS} from marts.partner_data_quality "
                       "where partner_code = ? and submission_type = ? and period = ?",
                  [partner, kind, period])
    return row


def test_timeliness_counts_working_days_and_bank_holidays(con):
    # (deadline, days after it, expected, received, on time, rows, passed, filled, fillable, keys, restated)
    assert quality(con, "P1", "outcomes", JAN) == (date(2024, 2, 21), -6, 1, 1, 1, 3, 3, 4, 4, 2, 1)
    assert quality(con, "P1", "outcomes", FEB) == (date(2024, 3, 21), 4, 1, 1, 0, 2, 2, 3, 3, 2, 0)
    assert quality(con, "P1", "outcomes", MAR) == (date(2024, 4, 22), -2, 1, 1, 1, 2, 2, 3, 3, 2, 0)


def test_a_held_back_return_arrived_but_is_not_valid(con):
    assert quality(con, "P2", "outcomes", FEB) == (date(2024, 3, 21), -30, 1, 1, 1, 1, 0, 0, 0, 0, 0)
    assert quality(con, "P2", "outcomes", MAR) == (date(2024, 4, 22), None, 1, 0, 0, 0, 0, 0, 0, 0, 0)
    assert rows(con, "select validity_pct from marts.partner_data_quality where partner_code = 'P2' "
                     "and submission_type = 'outcomes' and period = ?", [FEB]) == [(0.0,)]


def test_the_lead_sends_targets_by_the_months_end_and_every_partner_workforce_and_finance(con):
    assert quality(con, "P1", "targets", JAN) == (date(2024, 1, 31), -42, 1, 1, 1, 2, 2, 3, 4, 2, 0)
    assert rows(con, "select partner_code, sum(returns_expected), sum(returns_received) "
                     "from marts.partner_data_quality where submission_type in ('workforce', 'finance') "
                     "group by all order by 1") == [("P1", 6, 0), ("P2", 6, 0), ("P3", 6, 0)]
    assert rows(con, "select count(*) from marts.partner_data_quality "
                     "where partner_code = 'P2' and submission_type = 'targets'") == [(0,)]


def test_the_league_ranks_partners_by_the_mean_of_the_components(con):
    league = rows(con, "select partner_code, league_position, round(data_quality_score, 2), "
                       "round(timeliness_pct, 2), round(completeness_pct, 2), round(fields_filled_pct, 2), "
                       "validity_pct, unrestated_pct from marts.partner_league order by league_position")
    assert league == [
        # on time 3 of 12 expected; received 4 of 12; 13 of 14 figures; 9 of 9 rows; 1 of 8 figures restated
        ("P1", 1, round((25 + 100 / 3 + 1300 / 14 + 100 + 87.5) / 5, 2), 25.0, 33.33, 92.86, 100.0, 87.5),
        # on time and received 2 of 9; 2 of 2 figures; 1 of 2 rows passed; nothing restated
        ("P2", 2, round((200 / 9 + 200 / 9 + 100 + 50 + 100) / 5, 2), 22.22, 22.22, 100.0, 50.0, 100.0),
        # nothing sent: only timeliness and completeness have a figure, both 0
        ("P3", 3, 0.0, 0.0, 0.0, None, None, None),
    ]



def test_returns_are_overdue_only_once_their_deadline_has_passed(con):
    from assets.validate.overdue import overdue_returns

    def p2_march(today):
        found = overdue_returns(con, today)
        return found.filter((found["partner_code"] == "P2") & (found["submission_type"] == "outcomes")
                            & (found["period"] == MAR)).select("returns_missing", "days_overdue").rows()

    # P2's March outcomes were due on 22 April 2024 (15 working days, Easter Monday excluded)
    assert p2_march(date(2024, 4, 22)) == []
    assert p2_march(date(2024, 4, 23)) == [(1, 1)]
    later = overdue_returns(con, date(2024, 6, 30))
    assert set(later.filter(later["submission_type"] == "finance")["partner_code"]) == {"P1", "P2", "P3"}


def test_months_after_the_calendar_neither_join_the_table_nor_shrink_the_league(tmp_path):
    """A row for 2999-01 (held back) and a target set for 2999-01 (accepted) stay out of the months."""
    connection = build_warehouse(tmp_path / "w.duckdb", SEEDS, {})
    for name, body in {"P1_20240215.csv": "P1,S1,OUT,2024-01,,,100,\n",
                       "P1_20240315.csv": "P1,S1,OUT,2024-02,,,110,\n",
                       "P2_20240220.csv": "P2,S1,RATE,2999-01,30,40,,\n"}.items():  # period_in_future
        drop(tmp_path / "inbox", "outcomes", name, OUTCOMES_HEADER + body)
    drop(tmp_path / "inbox", "targets", "P1_20231220.csv",
         TARGETS_HEADER + "P1,S1,RATE,2024-01,85,5\nP1,S1,RATE,2999-01,90,5\n")
    ingest_and_validate(connection, tmp_path, "targets")
    ingest_and_validate(connection, tmp_path, "outcomes")
    build_models(connection)
    assert rows(connection, "select rule from audit.quarantine") == [("period_in_future",)]
    assert rows(connection, "select max(period) from marts.partner_data_quality") == [(FEB,)]
    # the held-back row counts against January, the month before its file was sent
    assert rows(connection, "select rows_received, rows_passed from marts.partner_data_quality "
                            "where partner_code = 'P2' and submission_type = 'outcomes' "
                            "and period = ?", [JAN]) == [(1, 0)]
    assert rows(connection, "select partner_code, first_period, last_period from marts.partner_league "
                            "order by 1") == [("P1", JAN, FEB), ("P2", JAN, FEB), ("P3", JAN, FEB)]
    connection.close()

"""marts.partner_data_quality and marts.partner_league on hand-made returns, against figures worked by hand.

S1 (P1 leads, P2 takes part) and S2 (P3 leads), January to March 2024. Outcomes are due 15 working days
after the month ends (21 February, 21 March, and 22 April: Easter Monday, 1 April, is no working day);
a month's target is due by the month's end.
"""

from datetime import UTC, date, datetime
from typing import NamedTuple

import pytest

from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows
from tests.sql_fixtures import SEEDS, build_models, build_warehouse

TARGETS_HEADER = "partner_code,service_code,measure_code,period,target_value,tolerance\n"
JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)


class Quality(NamedTuple):
    """One row of marts.partner_data_quality: a partner's return of one type for one month."""

    deadline: date
    days_after_deadline: int | None
    returns_expected: int
    returns_received: int
    returns_on_time: int
    rows_received: int
    rows_passed: int
    fields_filled: int
    fields_expected: int
    keys_reported: int
    restated_keys: int


COLUMNS = ", ".join(Quality._fields)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    home = tmp_path_factory.mktemp("quality")
    seeds = SEEDS | {"bank_holidays": [("2024-01-01", "New Year's Day"), ("2024-04-01", "Easter Monday")]}
    connection = build_warehouse(home / "w.duckdb", seeds, {})
    outcomes = {
        "P1_20240215.csv": "P1,S1,OUT,2024-01,,,100,\nP1,S1,LOW,2024-01,5,50,,\n",
        "P1_20240301_resub.csv": "P1,S1,OUT,2024-01,,,105,\n",  # restates January's OUT
        "P1_20240325.csv": "P1,S1,OUT,2024-02,,,110,\nP1,S1,LOW,2024-02,6,50,,\n",  # 4 days late
        "P1_20240420.csv": "P1,S1,OUT,2024-03,,,120,\nP1,S1,LOW,2024-03,5,50,,\n",  # on time, by Easter
        "P2_20240220.csv": "P2,S1,RATE,2024-01,30,40,,\nP2,S1,RATE,2024-02,50,40,,\n",  # February's held back
    }
    for name, body in outcomes.items():
        drop(home / "inbox", "outcomes", name, OUTCOMES_HEADER + body)
    drop(
        home / "inbox",
        "targets",
        "P1_20231220.csv",
        TARGETS_HEADER + "P1,S1,RATE,2024-01,85,5\nP1,S1,LOW,2024-01,12,\n",
    )  # one tolerance not given
    ingest_and_validate(connection, home, "targets")
    ingest_and_validate(connection, home, "outcomes")
    build_models(connection)
    yield connection
    connection.close()


def quality(con, partner: str, kind: str, period: date) -> Quality:
    (row,) = rows(
        con,
        f"select {COLUMNS} from marts.partner_data_quality "
        "where partner_code = ? and submission_type = ? and period = ?",
        [partner, kind, period],
    )
    return Quality(*row)


def test_timeliness_counts_working_days_and_bank_holidays(con):
    # January: sent 15 February, 6 days before its deadline; 3 rows (OUT restated by a resubmission)
    assert quality(con, "P1", "outcomes", JAN) == Quality(
        deadline=date(2024, 2, 21),
        days_after_deadline=-6,
        returns_expected=1,
        returns_received=1,
        returns_on_time=1,
        rows_received=3,
        rows_passed=3,
        fields_filled=4,
        fields_expected=4,
        keys_reported=2,
        restated_keys=1,
    )
    # February: sent 25 March, 4 days after its deadline of 21 March
    assert quality(con, "P1", "outcomes", FEB) == Quality(
        deadline=date(2024, 3, 21),
        days_after_deadline=4,
        returns_expected=1,
        returns_received=1,
        returns_on_time=0,
        rows_received=2,
        rows_passed=2,
        fields_filled=3,
        fields_expected=3,
        keys_reported=2,
        restated_keys=0,
    )
    # March: due 22 April (Easter Monday is no working day), sent 20 April
    assert quality(con, "P1", "outcomes", MAR) == Quality(
        deadline=date(2024, 4, 22),
        days_after_deadline=-2,
        returns_expected=1,
        returns_received=1,
        returns_on_time=1,
        rows_received=2,
        rows_passed=2,
        fields_filled=3,
        fields_expected=3,
        keys_reported=2,
        restated_keys=0,
    )


def test_a_held_back_return_arrived_but_is_not_valid(con):
    # February's row arrived on time (20 February) and was held back: received, not valid
    assert quality(con, "P2", "outcomes", FEB) == Quality(
        deadline=date(2024, 3, 21),
        days_after_deadline=-30,
        returns_expected=1,
        returns_received=1,
        returns_on_time=1,
        rows_received=1,
        rows_passed=0,
        fields_filled=0,
        fields_expected=0,
        keys_reported=0,
        restated_keys=0,
    )
    # March: expected, never sent
    assert quality(con, "P2", "outcomes", MAR) == Quality(
        deadline=date(2024, 4, 22),
        days_after_deadline=None,
        returns_expected=1,
        returns_received=0,
        returns_on_time=0,
        rows_received=0,
        rows_passed=0,
        fields_filled=0,
        fields_expected=0,
        keys_reported=0,
        restated_keys=0,
    )
    assert rows(
        con,
        "select validity_pct from marts.partner_data_quality where partner_code = 'P2' "
        "and submission_type = 'outcomes' and period = ?",
        [FEB],
    ) == [(0.0,)]


def test_the_lead_sends_targets_by_the_months_end_and_every_partner_workforce_and_finance(con):
    # sent 20 December for January (due 31 January); one of the two tolerances not given: 3 of 4 fields
    assert quality(con, "P1", "targets", JAN) == Quality(
        deadline=date(2024, 1, 31),
        days_after_deadline=-42,
        returns_expected=1,
        returns_received=1,
        returns_on_time=1,
        rows_received=2,
        rows_passed=2,
        fields_filled=3,
        fields_expected=4,
        keys_reported=2,
        restated_keys=0,
    )
    assert rows(
        con,
        "select partner_code, sum(returns_expected), sum(returns_received) "
        "from marts.partner_data_quality where submission_type in ('workforce', 'finance') "
        "group by all order by 1",
    ) == [("P1", 6, 0), ("P2", 6, 0), ("P3", 6, 0)]
    assert rows(
        con,
        "select count(*) from marts.partner_data_quality "
        "where partner_code = 'P2' and submission_type = 'targets'",
    ) == [(0,)]


def test_the_league_ranks_partners_by_the_mean_of_the_components(con):
    league = rows(
        con,
        "select partner_code, league_position, round(data_quality_score, 2), "
        "round(timeliness_pct, 2), round(completeness_pct, 2), round(fields_filled_pct, 2), "
        "validity_pct, unrestated_pct from marts.partner_league order by league_position",
    )
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
        return (
            found.filter(
                (found["partner_code"] == "P2")
                & (found["submission_type"] == "outcomes")
                & (found["period"] == MAR)
            )
            .select("returns_missing", "days_overdue")
            .rows()
        )

    # P2's March outcomes were due on 22 April 2024 (15 working days, Easter Monday excluded)
    assert p2_march(date(2024, 4, 22)) == []
    assert p2_march(date(2024, 4, 23)) == [(1, 1)]
    later = overdue_returns(con, date(2024, 6, 30))
    assert set(later.filter(later["submission_type"] == "finance")["partner_code"]) == {"P1", "P2", "P3"}


def _owed(con, declared: list[tuple]) -> None:
    """Declare the returns owed and rebuild the two models that read them."""
    import polars as pl

    from assets.models.build import build_model, load_table
    from assets.models.project import load_models
    from assets.models.seeds import seed_docs
    from assets.project_files import SQL_DIR

    docs = seed_docs()["returns_owed"]
    load_table(
        con,
        "seeds",
        "returns_owed",
        pl.DataFrame(declared, schema=dict.fromkeys(docs.columns, pl.String), orient="row"),
        docs,
    )
    models = {m.name: m for m in load_models(SQL_DIR)}
    for name in ("int_returns_owed", "partner_data_quality"):
        build_model(con, models[name])


def test_only_the_returns_declared_owed_are_expected_or_overdue(con):
    from assets.validate.overdue import overdue_returns

    # outcomes from the NHS partners (P1 alone); targets from P3 for January 2024 only; nothing else
    _owed(con, [("outcomes", "NHS", None, None, None), ("targets", None, "P3", None, "2024-01-01")])
    try:
        assert rows(
            con,
            "select partner_code, submission_type, period, returns_expected, returns_received "
            "from marts.partner_data_quality where returns_expected > 0 order by all",
        ) == [
            ("P1", "outcomes", JAN, 1, 1),
            ("P1", "outcomes", FEB, 1, 1),
            ("P1", "outcomes", MAR, 1, 1),
            ("P3", "targets", JAN, 1, 0),
        ]
        # by 30 June 2024: P1's April and May outcomes (due 21 May and 21 June: 15 working days, the
        # fixture names no May bank holiday) and P3's January target, due 31 January (151 days before);
        # no workforce, no finance, none of P2's outcomes, no target of P3's after January
        assert overdue_returns(con, date(2024, 6, 30)).select(
            "partner_code", "submission_type", "period", "returns_missing", "days_overdue"
        ).rows() == [
            ("P1", "outcomes", date(2024, 4, 1), 1, 40),
            ("P1", "outcomes", date(2024, 5, 1), 1, 9),
            ("P3", "targets", JAN, 1, 151),
        ]
    finally:
        _owed(con, SEEDS["returns_owed"])


def test_months_after_the_calendar_neither_join_the_table_nor_shrink_the_league(tmp_path):
    """A row for 2999-01 (held back) and a target set for 2999-01 (accepted) stay out of the months."""
    connection = build_warehouse(tmp_path / "w.duckdb", SEEDS, {})
    for name, body in {
        "P1_20240215.csv": "P1,S1,OUT,2024-01,,,100,\n",
        "P1_20240315.csv": "P1,S1,OUT,2024-02,,,110,\n",
        "P2_20240220.csv": "P2,S1,RATE,2999-01,30,40,,\n",
    }.items():  # period_in_future
        drop(tmp_path / "inbox", "outcomes", name, OUTCOMES_HEADER + body)
    drop(
        tmp_path / "inbox",
        "targets",
        "P1_20231220.csv",
        TARGETS_HEADER + "P1,S1,RATE,2024-01,85,5\nP1,S1,RATE,2999-01,90,5\n",
    )
    ingest_and_validate(connection, tmp_path, "targets")
    ingest_and_validate(connection, tmp_path, "outcomes")
    build_models(connection)
    assert rows(connection, "select rule from audit.quarantine") == [("period_in_future",)]
    assert rows(connection, "select max(period) from marts.partner_data_quality") == [(FEB,)]
    # the held-back row counts against January, the month before its file was sent
    assert rows(
        connection,
        "select rows_received, rows_passed from marts.partner_data_quality "
        "where partner_code = 'P2' and submission_type = 'outcomes' "
        "and period = ?",
        [JAN],
    ) == [(1, 0)]
    assert rows(
        connection, "select partner_code, first_period, last_period from marts.partner_league order by 1"
    ) == [("P1", JAN, FEB), ("P2", JAN, FEB), ("P3", JAN, FEB)]
    connection.close()


def test_a_file_covering_a_quarter_is_due_after_the_quarter(tmp_path):
    """One definition of late, for the league and the pages: the deadline of the last month a file covers.

    With only New Year's Day as a bank holiday, March's outcomes are due on 19 April 2024 (15 working
    days after 31 March) and January's on 21 February.
    """
    from assets.publish.quality import load_quality

    connection = build_warehouse(tmp_path / "w.duckdb", SEEDS, {})
    for name, body in {
        "P1_20240419.csv": "P1,S1,OUT,2024-01,,,100,\nP1,S1,OUT,2024-02,,,110,\nP1,S1,OUT,2024-03,,,120,\n",
        "P1_20240422.csv": "P1,S1,LOW,2024-01,5,50,,\nP1,S1,LOW,2024-03,5,50,,\n",  # 3 days late
        "P2_20240419.csv": "P2,S1,RATE,2024-01,30,40,,\n",  # 58 days late
    }.items():
        drop(tmp_path / "inbox", "outcomes", name, OUTCOMES_HEADER + body)
    ingest_and_validate(connection, tmp_path, "outcomes")
    build_models(connection)
    assert rows(
        connection,
        "select file_name, first_month, last_month, deadline, days_after_deadline, "
        "is_late from intermediate.int_return_files order by file_name",
    ) == [
        ("P1_20240419.csv", JAN, MAR, date(2024, 4, 19), 0, False),
        ("P1_20240422.csv", JAN, MAR, date(2024, 4, 19), 3, True),
        ("P2_20240419.csv", JAN, JAN, date(2024, 2, 21), 58, True),
    ]
    # P1's January to March came first in the quarter's file, on time; P2's January came late
    assert rows(
        connection,
        "select partner_code, period, returns_received, returns_on_time, "
        "days_after_deadline from marts.partner_data_quality "
        "where submission_type = 'outcomes' and partner_code in ('P1', 'P2') "
        "and returns_received > 0 order by 1, 2",
    ) == [("P1", JAN, 1, 1, 0), ("P1", FEB, 1, 1, 0), ("P1", MAR, 1, 1, 0), ("P2", JAN, 1, 0, 58)]
    # the site's data-quality page counts the same late files
    quality = load_quality(connection)
    late = {p["partner_code"]: p["late"] for p in quality.partners}
    assert (late["P1"], late["P2"]) == (1, 1)
    assert sorted(r.file_name for kind in quality.service("S1").late.values() for r in kind) == [
        "P1_20240422.csv",
        "P2_20240419.csv",
    ]
    connection.close()


def _league(tmp_path, scores: dict[tuple[str, str], tuple[int, int]]):
    """Build marts.partner_league alone from one month of returns per partner: (on time, expected)."""
    import duckdb

    from assets.models.build import build_model
    from assets.models.project import load_models
    from assets.project_files import SQL_DIR

    connection = duckdb.connect(str(tmp_path / "league.duckdb"))
    connection.execute("create schema seeds; create schema marts")
    connection.execute("create table seeds.partners (partner_code varchar, partner_name varchar)")
    connection.execute(
        "create table marts.partner_data_quality (partner_code varchar, period date, "
        "returns_on_time int, returns_expected int, returns_received int, fields_filled int, "
        "fields_expected int, rows_passed int, rows_received int, restated_keys int, "
        "keys_reported int)"
    )
    for (code, name), (on_time, expected) in scores.items():
        connection.execute("insert into seeds.partners values (?, ?)", [code, name])
        connection.execute(
            "insert into marts.partner_data_quality values (?, ?, ?, ?, ?, 1, 1, 1, 1, 0, 1)",
            [code, JAN, on_time, expected, expected],
        )
    (league,) = [m for m in load_models(SQL_DIR) if m.table == "marts.partner_league"]
    build_model(connection, league)
    return connection


def test_ties_share_a_position_the_next_skips_and_equals_are_listed_by_name(tmp_path):
    # scores: A (1 of 1 on time) 100; B and C (1 of 3, 2 of 6) equal, to the last bit or not; D (0 of 1)
    connection = _league(
        tmp_path,
        {("P-A", "Ash"): (1, 1), ("P-B", "Zeta"): (1, 3), ("P-C", "Alder"): (2, 6), ("P-D", "Birch"): (0, 1)},
    )
    assert rows(
        connection,
        "select partner_code, league_position, is_tied, league_order "
        "from marts.partner_league order by league_order",
    ) == [("P-A", 1, False, 1), ("P-C", 2, True, 2), ("P-B", 2, True, 3), ("P-D", 4, False, 4)]
    connection.close()


def test_the_league_on_the_page_shows_ties_and_escapes_partner_names(tmp_path):
    from assets.publish.quality_page import league_rows
    from assets.publish.site import NAVIGATION, template_environment

    connection = _league(
        tmp_path,
        {
            ("P-A", "<script>alert(1)</script>"): (1, 1),
            ("P-B", "Zeta & Co"): (1, 2),
            ("P-C", "Alder"): (1, 2),
        },
    )
    league = connection.execute("select * from marts.partner_league order by league_order").pl().to_dicts()
    shown = league_rows(league)
    assert [(r["position"], r["partner_code"]) for r in shown] == [("1", "P-A"), ("=2", "P-C"), ("=2", "P-B")]
    assert shown[1]["timeliness_pct"] == "50.0"
    html = (
        template_environment()
        .get_template("quality.html.j2")
        .render(
            root="",
            page="data-quality.html",
            navigation=NAVIGATION,
            generated_at=datetime.now(UTC),
            partners=[],
            league=shown,
            league_rule="",
            rejected=[],
            rules=[],
            quarantined=[],
            quarantined_total=0,
            overdue=[],
            overdue_csv="o.csv",
            late_rule="",
            terms={},
        )
    )
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Zeta &amp; Co" in html
    assert html.index("P-A") < html.index("P-C") < html.index("P-B")
    connection.close()


def test_the_pages_count_every_quarantined_row_and_list_the_first_shown(tmp_path):
    """The data-quality figures count quarantined rows in SQL (a row with two broken columns is one row)
    and read only the rows the page lists, with the total beside them."""
    from assets.publish.quality import QUARANTINE_SHOWN, QUARANTINE_SQL, load_quality

    connection = build_warehouse(tmp_path / "w.duckdb", SEEDS, {})
    # the same key again and again, with two broken figures: three findings a row
    bad = "".join(f"P1,S1,LOW,2024-01,x{i},y{i},,\n" for i in range(120))
    drop(
        tmp_path / "inbox",
        "outcomes",
        "P1_20240215.csv",
        OUTCOMES_HEADER + bad + "P2,S1,RATE,2024-01,z,40,,\n",
    )
    ingest_and_validate(connection, tmp_path, "outcomes")
    build_models(connection)
    every = connection.execute(QUARANTINE_SQL.replace("limit $shown", "")).fetchall()
    assert len({(file, row) for file, _, _, row, *_ in every}) == 121
    assert len(every) > QUARANTINE_SHOWN
    quality = load_quality(connection)
    assert quality.quarantined_total == len(every)
    assert [tuple(row.values()) for row in quality.quarantined] == every[:QUARANTINE_SHOWN]
    assert quality.service("S1").quarantined == {"outcomes": 121}
    assert quality.service("S1").quarantined_by_measure == {"LOW": 120, "RATE": 1}
    connection.close()

"""Partners' words on the demo: comments in the marts and on the pages, report cards and action plans
against what the demo wrote (missing and late cards, a resubmission, an unknown status held back)."""

import html
import re

import duckdb
import polars as pl
import pytest

from pipelines.demo.narratives import UNKNOWN_STATUS


@pytest.fixture(scope="module")
def demo(demo_run):
    settings, _, truth = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        yield settings, con, truth["truths"]["narratives"]


def test_every_current_commented_figure_reaches_the_comments_mart(demo):
    _, con, _ = demo
    # independently of staging: each key's latest loaded outcome row, by the date on its file
    expected = con.execute("""
        select service_code, measure_code, period, partner_code, comment from (
            select *, row_number() over (partition by partner_code, service_code, measure_code, period,
                                         period_grain order by submitted_on desc, loaded_at desc,
                                         file_name desc, row_number desc) as newest
            from validated.outcomes)
        where newest = 1 and comment is not null order by all""").fetchall()
    found = con.execute(
        "select service_code, measure_code, period, partner_code, comment "
        "from marts.fct_measure_comments order by all"
    ).fetchall()
    assert found == expected and len(found) > 80
    assert ("Winter pressures slowed flow through the service.",) in {(c,) for *_, c in found}


def test_comments_show_beside_their_month_and_measure(demo):
    settings, con, _ = demo
    rows = con.execute("""select c.service_code, c.measure_code, c.period, c.comment, p.partner_name
                          from marts.fct_measure_comments as c
                          join marts.dim_partner as p using (partner_code)
                          where c.period_grain = 'month'""").fetchall()
    for service, measure, period, comment, partner in rows:
        page = (settings.site_dir / "services" / f"{service.lower()}.html").read_text()
        # the measure's chart block: from its opening to the next chart or the end of the section
        start = page.index(f'<div class="spc-chart" data-measure="{measure}">')
        block = re.split(r'<div class="spc-chart"|</section>', page[start + 1 :], maxsplit=1)[0]
        item = (
            f'<li data-period="{period.isoformat()}"><strong>{period:%b %Y}</strong>, '
            f"{html.escape(partner)}: <q>{html.escape(comment)}</q></li>"
        )
        assert item in block, (service, measure, period)


def test_missing_and_late_cards_are_the_ones_the_demo_planted(demo):
    _, con, truth = demo
    missing = {(m["service_code"], m["measure_code"], m["quarter"]) for m in truth["missing"]}
    found = set(
        con.execute(
            "select service_code, measure_code, quarter_label from marts.fct_report_card "
            "where card_status = 'missing'"
        ).fetchall()
    )
    assert found == missing and len(missing) >= 9 * 4 // 3  # the last area's latest quarter at least
    late_files = {f.split("/", 1)[1] for f in truth["late_files"]}
    late = con.execute("""select h.file_name, r.card_status from marts.fct_report_card as r
                          join staging.stg_narratives_history as h using (service_code, measure_code, period)
                          where h.submitted_on = r.first_submitted_on""").fetchall()
    assert {f for f, status in late if status == "late"} == late_files
    assert {status for f, status in late if f not in late_files} == {"on time"}


def test_a_resubmitted_card_supersedes_the_whole_earlier_card(demo):
    _, con, truth = demo
    again = truth["resubmission"]
    key = [again["service_code"], again["measure_code"], again["quarter"]]
    history = con.execute(
        """select file_name, is_current, superseded_by, is_restated, len(action)
                             from staging.stg_narratives_history
                             where service_code = ? and measure_code = ?
                                 and financial_quarter_label(period) = ?
                             order by submitted_on""",
        key,
    ).fetchall()
    original, resubmitted = again["original_file"].split("/")[1], again["file"].split("/")[1]
    assert [(f, c, s, r) for f, c, s, r, _ in history] == [
        (original, False, resubmitted, True),
        (resubmitted, True, None, True),
    ]
    actions = [
        a
        for (a,) in con.execute(
            "select action from marts.fct_action_plan where service_code = ? and measure_code = ? "
            "and quarter_label = ? order by action_number",
            key,
        ).fetchall()
    ]
    assert len(actions) == again["actions"] == history[0][4] - 1 and again["dropped_action"] not in actions


def test_an_unknown_status_is_held_back(demo):
    _, con, truth = demo
    planted = truth["unknown_status"]
    held = con.execute(
        "select file_name, column_name, value from audit.quarantine where rule = 'status_in_set'"
    ).fetchall()
    assert held == [(planted["file"].split("/")[1], "action_status", UNKNOWN_STATUS.lower())]


def test_overdue_actions_are_those_due_before_the_publication_date_and_not_done(demo):
    _, con, _ = demo
    plan = con.execute("select * from marts.fct_action_plan").pl()
    assert plan.height > 0 and plan["as_of"].n_unique() == 1
    as_of = plan["as_of"][0]
    expected = [
        due < as_of and status != "done" for due, status in plan.select("due_date", "status").iter_rows()
    ]
    assert plan["is_overdue"].to_list() == expected
    assert set(plan["status"]) <= {"not started", "in progress", "done"}
    days = plan.filter("is_overdue").select(
        (pl.lit(as_of) - pl.col("due_date")).dt.total_days() - pl.col("days_overdue")
    )
    assert (days.to_series() == 0).all()
    # the report card counts them
    counted = con.execute("select sum(actions_overdue), sum(actions) from marts.fct_report_card").fetchone()
    assert counted == (sum(expected), plan.height)


def test_the_service_page_shows_each_measures_latest_card_with_overdue_actions_flagged(demo):
    settings, con, _ = demo
    for (service,) in con.execute("select service_code from marts.dim_joint_service").fetchall():
        page = (settings.site_dir / "services" / f"{service.lower()}.html").read_text()
        cards = con.execute(
            "select measure_code, story from marts.fct_report_card where service_code = ? and is_latest_card",
            [service],
        ).fetchall()
        for measure, story in cards:
            card = re.search(
                rf'<article class="report-card" data-card="{measure}"(.*?)</article>', page, re.S
            )
            assert card and html.escape(story) in card.group(1), (service, measure)
        overdue = con.execute(
            "select count(*) from marts.fct_action_plan where service_code = ? "
            "and is_on_latest_card and is_overdue",
            [service],
        ).fetchone()[0]
        assert page.count('data-overdue="true"') == overdue, service
        missing = con.execute(
            "select count(*) from marts.fct_report_card as r where service_code = ? "
            "and card_status = 'missing' and period = (select max(period) from "
            "marts.fct_report_card where service_code = r.service_code and "
            "measure_code = r.measure_code and card_status <> 'not yet due')",
            [service],
        ).fetchone()[0]
        assert page.count('data-field="card-missing"') == missing, service


def test_the_board_sees_only_associations_that_hold_over_every_test(demo):
    settings, con, _ = demo
    tests, held = con.execute(
        "select count(*), count(*) filter (where is_discovery) "
        "from marts.workforce_outcome_association where q_value is not null"
    ).fetchone()
    page = (settings.site_dir / "services" / "nor-hd.html").read_text()
    assert f"Of {tests:,} associations tested" in page and f"{held:,} hold" in page

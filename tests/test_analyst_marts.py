"""The marts that answer analysts' questions alone, on the demo, against figures worked out from lower tables.

Each expected value is computed here in Python from the tables the mart is built on (fct_measure_period,
fct_measure_spc, the seeds, validated rows and the load log), not by the mart's SQL.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(demo_run):
    settings, report, _ = demo_run
    assert report.success, report.failed_checks
    connection = duckdb.connect(str(settings.warehouse), read_only=True)
    yield connection
    connection.close()


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _red_list_by_hand(con) -> dict[tuple[str, str], dict]:
    """Every measure red in its service's latest month, walked back month by month in Python."""
    periods = con.execute(
        "select service_code, measure_code, period, rag, actual, target, "
        "accountable_partner_code from marts.fct_measure_period"
    ).fetchall()
    latest: dict[str, date] = {}
    for service, _, period, _, actual, _, _ in periods:
        if actual is not None:
            latest[service] = max(latest.get(service, period), period)
    series: dict[tuple[str, str], dict[date, tuple]] = {}
    for service, measure, period, rag, actual, target, partner in periods:
        series.setdefault((service, measure), {})[period] = (rag, actual, target, partner)
    names = dict(con.execute("select service_code, service_name from seeds.joint_services").fetchall())
    names |= dict(con.execute("select measure_code, measure_name from seeds.measures").fetchall())
    names |= dict(con.execute("select partner_code, partner_name from seeds.partners").fetchall())
    # the latest point's type on the SPC chart, and the assurance of its latest target
    point_types = {
        (s, m, p): t
        for s, m, p, t in con.execute(
            "select service_code, measure_code, period, point_type from marts.fct_measure_spc"
        ).fetchall()
    }
    assurance = {
        (s, m): a
        for s, m, a in con.execute(
            "select service_code, measure_code, assurance from marts.measure_spc_status"
        ).fetchall()
    }
    expected = {}
    for (service, measure), months in series.items():
        last = latest.get(service)
        if last is None or months.get(last, ("",))[0] != "red":
            continue
        start = last
        earlier = sorted(p for p in months if p < last)
        while earlier and months[earlier[-1]][0] == "red" and _next_month(earlier[-1]) == start:
            start = earlier.pop()
        _, actual, target, partner = months[last]
        expected[(service, measure)] = {
            "service_name": names[service],
            "measure_name": names[measure],
            "accountable_partner_code": partner,
            "accountable_partner_name": names[partner],
            "months_red": (last.year - start.year) * 12 + last.month - start.month + 1,
            "red_since": start,
            "latest_period": last,
            "latest_actual": actual,
            "latest_target": target,
            "variation": point_types.get((service, measure, last)),
            "assurance": assurance.get((service, measure)),
        }
    return expected


def test_the_red_list_answers_alone_who_is_accountable_for_what_and_for_how_long(con):
    expected = _red_list_by_hand(con)
    listed = con.execute("select * from marts.accountable_red_measures").pl().to_dicts()
    found = {(r.pop("service_code"), r.pop("measure_code")): r for r in listed}
    assert len(found) == len(listed)
    assert found == expected
    # the demo has red runs both shorter than 3 months and of 3 months or more, and charts with a verdict
    assert {r["months_red"] >= 3 for r in expected.values()} == {True, False}
    assert any(r["variation"] and r["assurance"] for r in expected.values())


def _late_files_by_hand(con) -> dict[tuple[str, str], bool]:
    """(type, file) -> late, with numpy's business-day calendar: sent after the deadline of its last month."""
    import numpy as np

    allowed = dict(
        con.execute(
            "select submission_type, working_days_after_month_end::int from seeds.submission_deadlines"
        ).fetchall()
    )
    holidays = [
        d for (d,) in con.execute("select cast(holiday_date as date) from seeds.bank_holidays").fetchall()
    ]
    calendar_end = con.execute("select max(period) from intermediate.int_service_months").fetchone()[0]
    files = {}
    for kind in ("targets", "outcomes", "workforce", "finance", "narratives"):  # report cards: quarterly
        for name, sent, last, mapping in con.execute(f"""
                select v.file_name, any_value(v.submitted_on),
                       max(case v.period_grain when 'quarter' then v.period + interval 2 month
                           else v.period end)::date, any_value(l.mapping)
                from validated.{kind} as v
                join audit.load_log as l on l.file_hash = v.file_hash and l.submission_type = '{kind}'
                group by v.file_name""").fetchall():
            if last > calendar_end or (mapping or "").startswith("sources/"):
                files[(kind, name)] = False
                continue
            month_end = np.datetime64(_next_month(last), "D") - np.timedelta64(1, "D")
            days = allowed.get(kind, 15)
            deadline = (
                month_end
                if days == 0
                else np.busday_offset(month_end, days, roll="backward", holidays=holidays)
            )
            files[(kind, name)] = bool(np.datetime64(sent, "D") > deadline)
    return files


def test_one_definition_of_late_for_the_league_and_the_pages(con):
    from assets.publish.quality import load_quality

    by_hand = _late_files_by_hand(con)
    late_by_hand = {key for key, late in by_hand.items() if late}
    judged = {
        (k, f): late
        for k, f, late in con.execute(
            "select submission_type, file_name, is_late from intermediate.int_return_files"
        ).fetchall()
    }
    assert {key: judged[key] for key in by_hand} == by_hand
    quality = load_quality(con)
    on_pages = {
        (r.submission_type, r.file_name)
        for s in quality.services.values()
        for files in s.late.values()
        for r in files
    }
    assert on_pages == late_by_hand and late_by_hand
    # the league: a return is on time when the file that first brought it was not late
    arrivals: dict[tuple, list[tuple]] = {}
    for kind in ("outcomes", "workforce", "finance", "targets"):
        grain = "period_grain = 'month'" if kind == "outcomes" else "true"
        for partner, service, period, sent, name in con.execute(
            f"select partner_code, service_code, period, submitted_on, file_name "
            f"from validated.{kind} where {grain}"
        ).fetchall():
            arrivals.setdefault((kind, partner, service, period), []).append((sent, name))
    league = con.execute(
        "select partner_code, timeliness_pct, first_period, last_period from marts.partner_league"
    ).fetchall()
    for partner, timeliness, first, last in league:
        # the returns owed are the mart's (who should send what is not what this test checks)
        (owed,) = con.execute(
            "select sum(returns_expected) from marts.partner_data_quality "
            "where partner_code = ? and period between ? and ?",
            [partner, first, last],
        ).fetchone()
        on_time = 0
        for (kind, who, _, period), sent in arrivals.items():
            if who != partner or not first <= period <= last:
                continue
            earliest = min(day for day, _ in sent)
            on_time += any(not by_hand[(kind, name)] for day, name in sent if day == earliest)
        assert timeliness == pytest.approx(100 * on_time / owed), partner


def test_quarantined_rows_name_their_partner_on_the_demo(con):
    by_file = dict(con.execute("select file_name, partner_code from audit.load_log").fetchall())
    held = con.execute("select file_name, partner_code, service_code from audit.quarantine").fetchall()
    assert held and all(partner == by_file[name] for name, partner, _ in held)
    services = {s for (s,) in con.execute("select service_code from seeds.joint_services").fetchall()}
    assert all(service in services for _, _, service in held)


def test_the_demo_has_too_few_peers_for_quartiles(con):
    assert con.execute("select max(peers), count(quartile) from marts.peer_benchmark").fetchone() == (3, 0)

"""The whole asset graph on the small demo, checked against the planted truths and row accounting."""

from datetime import date

import duckdb
import numpy as np
import polars as pl
import pytest

from assets.models.shipped import published_marts
from assets.query import one_row
from assets.validate.accounting import accounting_gaps


@pytest.fixture(scope="module")
def warehouse(demo_run):
    settings, report, truth = demo_run
    assert report.success, report.failed_checks
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    yield con, truth
    con.close()


def month(text: str) -> date:
    return date.fromisoformat(text + "-01")


def fixed_effects_slope(frame: pl.DataFrame, y: str, x: str) -> float:
    """OLS slope of y on x with one intercept per service (within-service demeaning)."""
    demeaned = frame.with_columns(
        (pl.col(c) - pl.col(c).mean().over("service_code")).alias(c) for c in (x, y)
    )
    slope, *_ = np.linalg.lstsq(demeaned[x].to_numpy()[:, None], demeaned[y].to_numpy(), rcond=None)
    return float(slope[0])


def test_every_file_and_row_is_accounted_for(warehouse):
    con, truth = warehouse
    log = con.execute(
        "select submission_type || '/' || file_name, rows_received, rows_loaded, "
        "rows_quarantined from audit.load_log where status <> 'rejected'"
    ).fetchall()
    assert {name: received for name, received, _, _ in log} == {
        name: spec["rows"] for name, spec in truth["files"].items()
    }
    assert all(received == loaded + quarantined for _, received, loaded, quarantined in log)
    assert accounting_gaps(con).is_empty()
    for kind, rows in truth["totals"]["rows"].items():
        (loaded,) = con.execute(f"select count(*) from validated.{kind}").fetchone()
        (quarantined,) = con.execute(
            "select count(distinct (file_hash, row_number)) from audit.quarantine where submission_type = ?",
            [kind],
        ).fetchone()
        assert loaded + quarantined == rows


def test_planted_faults_end_loaded_or_quarantined_with_their_reason(warehouse):
    con, truth = warehouse
    for fault in truth["faults"]:
        kind, name = fault["file"].split("/")
        where = "file_name = ? and sheet_name is not distinct from ? and row_number = ?"
        at = [name, fault["sheet"], fault["row_number"]]
        if fault["expect"] == "quarantined":
            rules = [
                r for (r,) in con.execute(f"select rule from audit.quarantine where {where}", at).fetchall()
            ]
            assert fault["rule"] in rules, fault
        else:
            found = con.execute(
                f"select {fault['column']} from validated.{kind} where {where}", at
            ).fetchall()
            assert found == [(fault.get("loaded_value", fault["value"]),)], fault


def test_vacancy_effect_is_recovered_and_absent_where_not_planted(warehouse):
    con, truth = warehouse
    planted = truth["truths"]["vacancy_effect"]
    frame = con.execute("""
        select m.service_code, m.measure_code, m.actual, s.vacancy_rate
        from marts.fct_measure_period as m
        join marts.scorecard_service_period as s using (service_code, period)
        where m.actual is not null and s.vacancy_rate is not null
    """).pl()
    for measure, slope in planted["slope_by_measure"].items():
        estimate = fixed_effects_slope(
            frame.filter(pl.col("measure_code") == measure), "actual", "vacancy_rate"
        )
        assert estimate == pytest.approx(slope, rel=0.3), measure
    for measure in planted["null_measures"]:
        rows = frame.filter(pl.col("measure_code") == measure)
        if measure == truth["truths"]["step_change"]["measure_code"]:
            rows = rows.filter(pl.col("service_code") != truth["truths"]["step_change"]["service_code"])
        assert abs(fixed_effects_slope(rows, "actual", "vacancy_rate")) < 0.15, measure


def test_unit_cost_rises_with_agency_share_as_planted(warehouse):
    con, truth = warehouse
    planted = truth["truths"]["agency_cost"]
    frame = con.execute(
        "select service_code, unit_cost, agency_share "
        "from marts.scorecard_service_period where unit_cost is not null"
    ).pl()
    ratios = []
    for service, base in planted["base_unit_cost_by_service"].items():
        rows = frame.filter(pl.col("service_code") == service)
        slope, intercept = np.polyfit(rows["agency_share"].to_numpy(), rows["unit_cost"].to_numpy(), 1)
        assert intercept == pytest.approx(base, rel=0.1), service
        ratios.append(100 * slope / intercept)
    assert float(np.mean(ratios)) == pytest.approx(planted["k"], rel=0.15)


def test_step_change_shows_at_the_planted_month(warehouse):
    con, truth = warehouse
    step = truth["truths"]["step_change"]
    before, after = con.execute(
        """
        select avg(actual) filter (where period < ?), avg(actual) filter (where period >= ?)
        from marts.fct_measure_period where service_code = ? and measure_code = ?
    """,
        [month(step["first_period"])] * 2 + [step["service_code"], step["measure_code"]],
    ).fetchone()
    assert after - before == pytest.approx(step["delta"], rel=0.25)


def test_pay_gaps_between_employers_and_professions(warehouse):
    con, truth = warehouse
    pay = truth["truths"]["pay_gap"]

    def annual_pay(service, staff_group, partner=None):
        (value,) = con.execute(
            """
            select sum(mean_annual_pay_per_fte * contracted_fte) / sum(contracted_fte)
            from marts.fct_workforce_period
            where service_code = ? and staff_group_code = ? and partner_code = coalesce(?, partner_code)
        """,
            [service, staff_group, partner],
        ).fetchone()
        return value

    employer = pay["employer"]
    for partner, planted in employer["annual_pay_per_fte"].items():
        assert annual_pay(employer["service_code"], employer["staff_group_code"], partner) == pytest.approx(
            planted, rel=0.002
        )
    profession = pay["profession"]
    for group, planted in profession["annual_pay_per_fte"].items():
        assert annual_pay(profession["service_code"], group) == pytest.approx(planted, rel=0.002)


def test_late_resubmission_corrects_the_month(warehouse):
    con, truth = warehouse
    resub = truth["truths"]["resubmission"]
    staged = con.execute(
        """
        select numerator, denominator, file_name, is_restated from staging.stg_outcomes
        where partner_code = ? and service_code = ? and measure_code = ? and period = ?
    """,
        [resub["partner_code"], resub["service_code"], resub["measure_code"], month(resub["period"])],
    ).fetchall()
    corrected = resub["corrected"]
    assert staged == [(corrected["numerator"], corrected["denominator"], resub["file"].split("/")[1], True)]
    (restated,) = con.execute(
        """
        select is_restated from marts.fct_measure_period
        where service_code = ? and measure_code = ? and period = ?
    """,
        [resub["service_code"], resub["measure_code"], month(resub["period"])],
    ).fetchone()
    assert restated is True


def test_scorecard_site_is_published(demo_run):
    settings, _, truth = demo_run
    pages = sorted(p.name for p in (settings.site_dir / "services").glob("*.html"))
    assert len(pages) == 3 * truth["areas"]
    assert (settings.site_dir / "index.html").read_text().count("services/") >= len(pages)


@pytest.mark.slow
def test_second_run_on_the_same_files_adds_nothing(demo_run, tmp_path):
    """Runs again on a copy of the demo (files' times kept), so the shared demo stays as first published."""
    import shutil

    from pipelines.run import run_nightly
    from tests.conftest import settings_for

    settings, _, truth = demo_run
    home = tmp_path / "home"
    shutil.copytree(settings.inbox.parent, home, symlinks=True)
    settings = settings_for(home)
    again = run_nightly(settings)
    assert again.success and again.files.is_empty()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (rows,) = one_row(con.execute("select count(*) from raw.outcomes"))
    assert rows == truth["totals"]["rows"]["outcomes"]


def test_analysts_open_the_warehouse_with_the_locked_duckdb_cli(demo_run):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    settings, _, truth = demo_run
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert cli, "the dev dependency group installs the DuckDB CLI into the environment"
    out = subprocess.run(
        [
            cli,
            "-readonly",
            "-csv",
            str(settings.warehouse),
            "-c",
            "select count(*) from marts.dim_joint_service; "
            "select comment from duckdb_columns() where table_name = 'scorecard_service_period' "
            "and column_name = 'quadrant'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[1] == str(3 * truth["areas"])
    assert out[3].startswith('"efficient and effective')


def test_spc_detects_the_planted_step_change_at_its_month(warehouse):
    con, truth = warehouse
    step = truth["truths"]["step_change"]
    points = con.execute(
        """
        select period, value > mean as above_mean, shift, point_type
        from marts.fct_measure_spc where service_code = ? and measure_code = ? order by period
    """,
        [step["service_code"], step["measure_code"]],
    ).pl()
    improving = points.filter(pl.col("point_type") == "special cause improvement")
    assert improving["period"].min() == month(step["first_period"])
    after = points.filter(pl.col("period") >= month(step["first_period"]))
    assert after["above_mean"].all() and after["shift"].all()
    (variation,) = con.execute(
        "select variation from marts.measure_spc_status where service_code = ? and measure_code = ?",
        [step["service_code"], step["measure_code"]],
    ).fetchone()
    assert variation == "special cause improvement"


def test_spc_limits_restart_at_the_declared_rebase(warehouse):
    con, _ = warehouse
    for service, measure, first in con.execute(
        "select service_code, measure_code, cast(first_period as date) from seeds.spc_rebases"
    ).fetchall():
        segments = con.execute(
            """
            select segment, min(period), count(distinct mean) from marts.fct_measure_spc
            where service_code = ? and measure_code = ? group by segment order by segment
        """,
            [service, measure],
        ).fetchall()
        assert [s for s, _, _ in segments] == [1, 2]
        assert segments[1][1] == first
        assert all(means == 1 for _, _, means in segments)


def test_scorecard_and_benchmark_values_are_in_range(warehouse):
    con, _ = warehouse
    quadrants = {
        q for (q,) in con.execute("select distinct quadrant from marts.scorecard_service_period").fetchall()
    }
    assert quadrants <= {
        "efficient and effective",
        "effective but costly",
        "cheap but failing",
        "neither",
        "not assessed",
    }
    assert con.execute("""
        select count(*) from marts.scorecard_service_period
        where share_on_target not between 0 and 100 or activity_per_fte <= 0
           or measures_assessed > 4
    """).fetchone() == (0,)
    assert con.execute("""
        select count(*) from marts.peer_benchmark
        where quartile not between 1 and 4 or peer_rank > peers or peers > 3
    """).fetchone() == (0,)
    travel = {
        d
        for (d,) in con.execute(
            "select distinct direction_of_travel from marts.scorecard_service_period"
        ).fetchall()
    }
    assert "not enough history" in travel and len(travel) > 2


def test_association_recovers_the_planted_vacancy_effect_and_finds_none_where_none_was_planted(warehouse):
    con, truth = warehouse
    planted = truth["truths"]["vacancy_effect"]
    found = con.execute("""
        select outcome, slope, ci_low, ci_high, finding from marts.workforce_outcome_association
        where workforce_measure = 'vacancy_rate' and lag_months = 0
    """).pl()
    for measure, slope in planted["slope_by_measure"].items():
        row = found.filter(pl.col("outcome") == measure).row(0, named=True)
        assert row["ci_low"] <= slope <= row["ci_high"], (measure, row)
        assert not row["ci_low"] <= 0 <= row["ci_high"], (measure, row)
        assert "not proof of cause" in row["finding"]
    step = truth["truths"]["step_change"]["measure_code"]
    for measure in planted["null_measures"]:
        if measure == step:  # the planted step is a change over time that a slope can pick up
            continue
        row = found.filter(pl.col("outcome") == measure).row(0, named=True)
        assert row["ci_low"] <= 0 <= row["ci_high"], (measure, row)


def test_workforce_rollups_add_up_and_pay_parity_shows_the_planted_gap(warehouse):
    con, truth = warehouse
    totals = con.execute("""
        select (select sum(contracted_fte) from staging.stg_workforce),
               (select sum(contracted_fte) from marts.fct_workforce_period),
               (select sum(contracted_fte) from marts.fct_workforce_service_period),
               (select sum(contracted_fte) from marts.fct_workforce_partnership_period)
    """).fetchone()
    assert totals == pytest.approx((totals[0],) * 4)
    gap = truth["truths"]["pay_gap"]["employer"]
    found = con.execute(
        """
        select higher_paid, lower_paid, avg(gap_pct), bool_or(is_suppressed)
        from marts.pay_parity
        where service_code = ? and staff_group_code = ?
          and comparison = 'same staff group, different employers'
        group by all
    """,
        [gap["service_code"], gap["staff_group_code"]],
    ).fetchall()
    assert found == [
        (
            gap["higher_paid_partner_code"],
            gap["lower_paid_partner_code"],
            pytest.approx(gap["gap_pct"], rel=0.01),
            False,
        )
    ]


def test_every_red_measure_has_an_accountable_partner(warehouse):
    con, _ = warehouse
    reds = con.execute("""
        select count(*) from marts.fct_measure_period as f
        join (select service_code, max(period) as latest from marts.fct_measure_period
              where actual is not null group by all) as l
          on l.service_code = f.service_code and l.latest = f.period
        where f.rag = 'red'
    """).fetchone()[0]
    listed = con.execute(
        "select count(*), count(accountable_partner_name), min(months_red) "
        "from marts.accountable_red_measures"
    ).fetchone()
    assert listed[0] == reds > 0 and listed[1] == reds and listed[2] >= 1


def test_only_the_planted_files_are_rejected_and_the_reasons_say_what_to_do(warehouse):
    con, truth = warehouse
    rejected = con.execute(
        "select submission_type || '/' || file_name, rule, same_as_file_name, reason "
        "from audit.rejected_files order by 1"
    ).fetchall()
    assert [(f, rule) for f, rule, _, _ in rejected] == [(r["file"], r["rule"]) for r in truth["rejects"]]
    for (_, _, same_as, reason), planted in zip(rejected, truth["rejects"], strict=True):
        assert same_as == (planted["same_as"].split("/")[1] if planted["same_as"] else None)
        assert "please" in reason or "check" in reason
    statuses = con.execute(
        "select file_name, rows_loaded from audit.load_log where status = 'rejected'"
    ).fetchall()
    assert len(statuses) == len(truth["rejects"]) - 1  # the renamed copy is noticed, never logged twice
    assert all(loaded == 0 for _, loaded in statuses)


def test_each_file_records_how_it_was_read(warehouse):
    con, truth = warehouse
    log = {
        f"{kind}/{name}": (encoding, sheets, mapping, repairs)
        for kind, name, encoding, sheets, mapping, repairs in con.execute(
            "select submission_type, file_name, encoding, sheets, mapping, "
            "text_repairs from audit.load_log where status <> 'rejected'"
        ).fetchall()
    }
    detected = {
        "utf-8": {"utf_8"},
        "utf-8-sig": {"utf_8_sig"},
        "cp1252": {"cp1252"},
        "latin-1": {"cp1252", "latin_1"},
        None: {"xlsx"},
    }
    for path, info in truth["files"].items():
        encoding, sheets, _, _ = log[path]
        assert encoding in detected[info["encoding"]], path
        assert (sheets or "") == ", ".join(info["sheets"]), path
    repaired = {f["file"] for f in truth["faults"] if f.get("loaded_value") and f["column"] == "comment"}
    assert {p for p, (_, _, _, repairs) in log.items() if repairs} == repaired
    assert {m for _, _, m, _ in log.values() if m} == {
        "NOR-ACUTE.yaml",
        "EAS-LA.yaml",
        "NOR-VCS.yaml",
        "EAS-VCS.yaml",
        "WES-VCS.yaml",
    }


def test_repaired_text_keeps_the_original_and_suppressed_figures_are_not_zero(warehouse):
    con, truth = warehouse
    for fault in truth["faults"]:
        name = fault["file"].split("/")[1]
        if fault["fault"] in ("mojibake", "ligature_damage"):
            assert con.execute(
                "select comment_as_received from validated.outcomes where file_name = ? and row_number = ?",
                [name, fault["row_number"]],
            ).fetchall() == [(fault["value"],)]
        if fault["fault"] == "suppressed":
            staged = con.execute(
                "select numerator, denominator, is_suppressed, suppressed_columns "
                "from staging.stg_outcomes where file_name = ? and row_number = ?",
                [name, fault["row_number"]],
            ).fetchall()
            assert staged == [(None, None, True, ["numerator"])]


def test_quarterly_returns_stay_out_of_the_monthly_marts_and_add_up(warehouse):
    con, truth = warehouse
    quarters = truth["truths"]["quarterly"]
    staged = con.execute(
        "select file_name, quarter_start from staging.stg_outcomes_quarterly order by quarter_start"
    ).fetchall()
    assert [(f, str(q)) for f, q in staged] == [
        (q["file"].split("/")[1], q["quarter_start"]) for q in quarters
    ]
    mismatches = con.execute("""
        select q.quarter_start, q.numerator, sum(m.numerator), q.denominator, sum(m.denominator)
        from staging.stg_outcomes_quarterly as q
        join staging.stg_outcomes as m
            on m.partner_code = q.partner_code and m.service_code = q.service_code
            and m.measure_code = q.measure_code
            and m.period >= q.quarter_start and m.period < q.quarter_start + interval 3 month
        group by all
        having q.numerator <> sum(m.numerator) or q.denominator <> sum(m.denominator) or count(*) <> 3
    """).fetchall()
    assert mismatches == []
    assert con.execute(
        "select count(*) from staging.stg_outcomes where period_grain <> 'month'"
    ).fetchone() == (0,)


def test_partner_headers_codes_dates_and_units_are_mapped(warehouse):
    con, _ = warehouse
    (targets,) = con.execute("""
        select count(*) from staging.stg_targets as t join seeds.measures as m using (measure_code)
        where t.set_by_partner_code = 'NOR-ACUTE' and m.unit = 'percent' and t.target_value > 1
    """).fetchone()
    assert targets == 3 * 36  # three percent measures, 36 months, written as fractions of 1
    assert (
        con.execute(
            "select count(*) from validated.finance where file_partner_code = 'EAS-LA' and pay_cost > 1000"
        ).fetchone()[0]
        == 3 * 36
    )  # "£12,345.67"


def test_resubmission_keeps_history_with_what_superseded_it(warehouse):
    con, truth = warehouse
    resub = truth["truths"]["resubmission"]
    history = con.execute(
        """
        select file_name, denominator, superseded_by, is_current from staging.stg_outcomes_history
        where partner_code = ? and service_code = ? and measure_code = ? and period = ?
        order by loaded_at, submitted_on
    """,
        [resub["partner_code"], resub["service_code"], resub["measure_code"], month(resub["period"])],
    ).fetchall()
    original, corrected = resub["original_file"].split("/")[1], resub["file"].split("/")[1]
    assert history == [
        (original, resub["original"]["denominator"], corrected, False),
        (corrected, resub["corrected"]["denominator"], None, True),
    ]
    (restated,) = con.execute("select count(*) from staging.stg_outcomes where is_restated").fetchone()
    assert restated == 1  # the other rows of the resubmission repeat the same figures


def test_inbox_report_tells_each_partner_what_happened(demo_run):
    from pipelines.inbox_report import inbox_report

    settings, _, truth = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        text = inbox_report(con, partner="NOR-ACUTE")
        everyone = inbox_report(con)
    unknown = next(f for f in truth["faults"] if f["fault"] == "unknown_measure")
    assert text.startswith("Northshire Hospitals NHS Foundation Trust (NOR-ACUTE)")
    assert f"row {unknown['row_number']}, measure_code = 'HD_UNKNOWN'" in text
    assert "[known_measure]" in text and "EAS-" not in text
    for reject in truth["rejects"]:
        assert reject["file"] in everyone


def test_a_year_end_target_becomes_a_monthly_trajectory_from_the_baseline(warehouse):
    con, _ = warehouse
    ((service, measure, year_start, year_end_target),) = con.execute(
        "select service_code, measure_code, cast(year_start as date), year_end_target "
        "from seeds.annual_targets"
    ).fetchall()
    (baseline,) = con.execute(
        "select actual from marts.fct_measure_period where service_code = ? and measure_code = ? "
        "and period = ? - interval 1 month",
        [service, measure, year_start],
    ).fetchone()
    months = con.execute(
        """
        select target, target_source from marts.fct_measure_period
        where service_code = ? and measure_code = ? and period >= ? and period < ? + interval 12 month
        order by period
    """,
        [service, measure, year_start, year_start],
    ).fetchall()
    assert [source for _, source in months] == ["interpolated from baseline"] * 12
    assert [target for target, _ in months] == pytest.approx(
        [baseline + (year_end_target - baseline) * k / 12 for k in range(1, 13)]
    )


def test_the_run_evaluates_its_own_checks_but_leaves_freshness_to_its_sensor(demo_run):
    settings, report, _ = demo_run
    steps = set(report.step_seconds)
    # the marts' suites run in the steps that build them, their references in one step after them
    assert {"marts__fct_measure_period", "measure_spc", "marts_references_resolve"} <= steps
    assert not [step for step in steps if step.endswith("mart_passes_suite")]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        checked = {
            t for (t,) in con.execute("select distinct target_table from audit.validation_runs").fetchall()
        }
    assert {f"marts.{mart}" for mart in published_marts()} <= checked
    assert not [step for step in steps if step.startswith("freshness_check")]

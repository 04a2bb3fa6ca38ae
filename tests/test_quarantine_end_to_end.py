"""One partner's bad file on top of the small demo: held back, flagged in Dagster, its measures 'data
incomplete', while another partner's file in the same run is published."""

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.publish.site import NAVIGATION
from assets.query import one_row
from assets.validate.data_docs import build_data_docs, result_outcome
from assets.validate.records import latest_results
from pipelines.run import run_nightly
from tests.conftest import settings_for, settle

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own

HEADER = "partner_code,service_code,measure_code,period,numerator,denominator,value,comment\n"
BAD_PARTNER, BAD_SERVICE = "NOR-LA", "NOR-HD"
GOOD_PARTNER, GOOD_SERVICE, GOOD_MEASURE = "WES-ACUTE", "WES-HD", "HD_DISCHARGES"


@pytest.fixture(scope="module")
def rerun(demo_run, tmp_path_factory):
    """Copy the demo after its first run, drop a bad and a good resubmission, and run again."""
    settings, _, _ = demo_run
    home = tmp_path_factory.mktemp("bad_file") / "demo"
    shutil.copytree(settings.inbox.parent, home, symlinks=True)
    copied = settings_for(home)
    with duckdb.connect(str(copied.warehouse), read_only=True) as con:
        (latest,) = one_row(con.execute("select max(period) from staging.stg_outcomes"))
        bad = con.execute(
            "select measure_code, denominator from staging.stg_outcomes where partner_code = ? "
            "and service_code = ? and period = ? and denominator is not null order by 1",
            [BAD_PARTNER, BAD_SERVICE, latest],
        ).fetchall()
        (value,) = one_row(
            con.execute(
                "select value from staging.stg_outcomes where partner_code = ? and "
                "service_code = ? and measure_code = ? and period = ?",
                [GOOD_PARTNER, GOOD_SERVICE, GOOD_MEASURE, latest],
            )
        )
    month = f"{latest:%Y-%m}"
    # every numerator above its denominator: each row breaks numerator_le_denominator
    (copied.inbox / "outcomes" / f"{BAD_PARTNER}_20260430_resend.csv").write_text(
        HEADER
        + "".join(
            f"{BAD_PARTNER},{BAD_SERVICE},{measure},{month},{denominator + 1:g},{denominator:g},,\n"
            for measure, denominator in bad
        )
    )
    (copied.inbox / "outcomes" / f"{GOOD_PARTNER}_20260430_resend.csv").write_text(
        HEADER + f"{GOOD_PARTNER},{GOOD_SERVICE},{GOOD_MEASURE},{month},,,{value + 7:g},\n"
    )
    settle(copied.inbox / "outcomes" / f"{BAD_PARTNER}_20260430_resend.csv")
    settle(copied.inbox / "outcomes" / f"{GOOD_PARTNER}_20260430_resend.csv")
    report = run_nightly(copied)
    con = duckdb.connect(str(copied.warehouse), read_only=True)
    yield report, con, latest, [m for m, _ in bad], value, home
    con.close()


def test_the_run_succeeds_and_dagster_reports_the_failed_check_as_a_warning(rerun):
    report, *_ = rerun
    assert report.success
    # the resent month is validated again for every type, so its standing warnings are reported again
    failed = {(f.asset, f.check, f.severity) for f in report.failed_checks}
    assert ("validated/outcomes", "rows_pass_suite", "WARN") in failed
    assert {severity for *_, severity in failed} == {"WARN"}


def test_every_row_of_the_bad_file_is_held_back_and_its_measures_are_data_incomplete(rerun):
    _, con, latest, measures, _, _ = rerun
    held = con.execute(
        "select count(distinct row_number), min(rule), max(rule) from audit.quarantine where file_name = ?",
        [f"{BAD_PARTNER}_20260430_resend.csv"],
    ).fetchone()
    assert held == (len(measures), "numerator_le_denominator", "numerator_le_denominator")
    shown = con.execute(
        "select measure_code, rag, has_quarantined_figure from marts.fct_measure_period "
        "where service_code = ? and period = ? and measure_code in (select unnest(?)) "
        "order by 1",
        [BAD_SERVICE, latest, measures],
    ).fetchall()
    assert shown == [(m, "data incomplete", True) for m in measures]


def test_the_other_partners_figures_are_published(rerun):
    _, con, latest, _, value, _ = rerun
    actual, restated, rag = con.execute(
        "select actual, is_restated, rag from marts.fct_measure_period where service_code = ? "
        "and measure_code = ? and period = ?",
        [GOOD_SERVICE, GOOD_MEASURE, latest],
    ).fetchone()
    assert (actual, restated) == (value + 7, True) and rag in ("green", "amber", "red")
    (coloured,) = con.execute(
        "select count(*) from marts.fct_measure_period where period = ? "
        "and service_code <> ? and rag in ('green', 'amber', 'red')",
        [latest, BAD_SERVICE],
    ).fetchone()
    assert coloured > 0


def test_data_docs_show_the_failed_batch_and_need_no_network(rerun, tmp_path):
    *_, home = rerun
    with duckdb.connect(str(settings_for(home).warehouse), read_only=True) as con:
        results = latest_results(con)
    # one result per suite and table, run after run
    assert len({(r.suite, r.target_table) for r in results}) == len(results)
    index = build_data_docs(results, tmp_path / "data-quality", PROJECT_EXPECTATIONS_DIR, NAVIGATION).index
    text = index.read_text()
    # the outcomes' broken rows were held back and the rest published: not "failed"
    assert re.search(r"submission_outcomes.*?raw\.outcomes.*?rows held back", text, re.S)
    assert 'href="../index.html"' in text and 'href="../assets/style.css"' in text
    assert re.search(r"mart_fct_measure_period.*?marts\.fct_measure_period.*?passed", text, re.S)
    # targets break only a WARN rule (tolerance_given): kept, and said so
    assert re.search(r"submission_targets</a>.*?raw\.targets.*?warnings only", text, re.S)
    pages = list(Path(index.parent).rglob("*.html"))
    assert len(pages) > 15
    assert not [p for p in pages if re.search(r"(src|href)=\"https?://|url\(['\"]?https?://", p.read_text())]


@pytest.mark.parametrize(
    ("severities", "holds_rows_back", "outcome"),
    [
        ([], False, "passed"),
        (["warning"], False, "warnings only"),
        (["warning", "critical"], False, "failed"),
        (["critical"], False, "failed"),
        (["critical"], True, "rows held back"),
        ([], True, "passed"),
        (["warning"], True, "warnings only"),
    ],
)
def test_a_suite_run_failing_only_warn_rules_is_labelled_warnings_only(severities, holds_rows_back, outcome):
    results = [{"success": False, "expectation_config": {"severity": s}} for s in severities]
    results.append({"success": True, "expectation_config": {"severity": "critical"}})
    assert result_outcome({"success": not severities, "results": results}, holds_rows_back) == outcome

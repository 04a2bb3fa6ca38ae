"""Monthly partitions: a resubmission runs only the month it touches; a rules change makes every month due."""

import hashlib
import json
import os
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from assets.models.seeds import table_digest, table_digests
from assets.partitions import RANGE_END_TAG, RANGE_START_TAG
from assets.validate.accounting import accounting_gaps
from pipelines.automation import inbox_sensor, nightly_schedule
from pipelines.cli import app
from pipelines.definitions import build_definitions
from pipelines.demo.resubmission import write_resubmission
from pipelines.due import due_work, seeds_changed
from pipelines.instance import sqlite_instance, write_instance
from pipelines.run import run_nightly
from pipelines.settings import Settings
from tests.conftest import environment_for, settings_for, settle
from tests.shared_demo import published_copy

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own


@pytest.fixture
def home(demo_run, tmp_path, monkeypatch) -> Path:
    """A copy of the session's published demo, which the code location's sensor and schedule see."""
    # modification times kept: the files are known as they were
    copy = published_copy(demo_run[0].inbox.parent, tmp_path / "home")
    for name, value in environment_for(copy).items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env() == settings_for(copy)
    return copy


def _repository(home: Path) -> dg.RepositoryDefinition:
    return build_definitions(settings_for(home)).get_repository_def()


def _published(home: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings_for(home).warehouse), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def test_first_run_validated_every_month_of_the_demo(demo_run):
    months = _published(
        demo_run[0].inbox.parent, "select distinct period_month from audit.month_validations order by 1"
    )
    assert (months[0][0].isoformat(), months[-1][0].isoformat(), len(months)) == (
        "2023-04-01",
        "2026-03-01",
        36,
    )


def test_a_resubmission_runs_only_the_months_it_touches(home):
    settings = settings_for(home)
    repository = _repository(home)
    cursor = dg.build_sensor_context(repository_def=repository)
    first = inbox_sensor(cursor)
    assert first.run_requests == []  # everything in the inbox is already published

    state = first.cursor
    resubmitted = write_resubmission(settings.inbox)
    settle(resubmitted.path)
    result = inbox_sensor(dg.build_sensor_context(cursor=state, repository_def=repository))
    (request,) = result.run_requests
    # the month resent, and the month after it, whose figures are checked against it (plausibility)
    month = date.fromisoformat(f"{resubmitted.month}-01")
    touched = [resubmitted.month, f"{month.year + month.month // 12}-{month.month % 12 + 1:02d}"]
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == tuple(touched)
    assert request.tags["joinedup/new_files"] == "1"
    # those months of outcomes, and only what is downstream of outcomes: reference tables, the
    # other types and the marts built from them alone are left as they are
    selected = {k.to_user_string() for k in request.asset_selection}
    assert {
        "raw/outcomes",
        "validated/outcomes",
        "marts/fct_measure_period",
        "marts/partner_data_quality",
        "publish/warehouse",
        "publish/scorecards",
    } <= selected
    assert not selected & {
        "validated/targets",
        "validated/workforce",
        "validated/finance",
        "raw/targets",
        "seeds/partners",
        "marts/pay_parity",
        "marts/dim_partner",
    }
    # with the checks on those assets, but not the freshness checks (left to their own sensor)
    checks = {(c.asset_key.to_user_string(), c.name) for c in request.asset_check_keys}
    assert ("validated/outcomes", "rows_accounted_for") in checks
    assert {key for key, _ in checks} <= selected and not [c for c in checks if c[1] == "freshness_check"]
    # the cursor is the newest modification time handed to a run, not a list of the files held
    assert json.loads(result.cursor) == {"newest_ns": resubmitted.path.stat().st_mtime_ns}
    assert (
        inbox_sensor(dg.build_sensor_context(cursor=result.cursor, repository_def=repository)).run_requests
        == []
    )

    others = (
        "select file_hash, row_number, loaded_at from validated.outcomes "
        "where strftime(period, '%Y-%m') not in (?, ?) order by all"
    )
    before = _published(home, others, touched)
    examined = _published(
        home, "select submission_type, file_name, examined_at from audit.inbox_files order by all", []
    )
    started = datetime.now()
    report = run_nightly(settings)
    assert report.success and report.months == touched
    # the models built by month replaced the months touched alone; where a row reads the 11 months before
    # its own (year to date), those after them too, and no month before
    rebuilt = dict(
        _published(
            home,
            "select model, list(strftime(period_month, '%Y-%m') order by period_month) "
            "from audit.model_months where built_at >= ? group by model",
            [started],
        )
    )
    for model in ("staging/stg_outcomes", "staging/stg_outcomes_history", "intermediate/int_measure_actuals"):
        assert resubmitted.month in rebuilt[model] and set(rebuilt[model]) <= set(touched), model
    year_to_date = rebuilt["marts/fct_measure_period"]
    assert year_to_date[0] == resubmitted.month and 1 <= len(year_to_date) <= 13
    # the run read the new file alone: what it knows of every other file is as it was
    after = _published(
        home, "select submission_type, file_name, examined_at from audit.inbox_files order by all", []
    )
    assert sorted(set(after) - set(examined)) == [
        ("outcomes", resubmitted.path.name, next(a for t, n, a in after if n == resubmitted.path.name))
    ]
    assert len(after) == len(examined) + 1
    # only those months were validated again; every other month's rows are untouched
    assert _published(
        home,
        "select distinct strftime(period_month, '%Y-%m') from audit.month_validations "
        "where run_id = ? order by 1",
        [report.run_id],
    ) == [(m,) for m in touched]
    assert _published(home, others, touched) == before
    # the rows validated are those months', every partner's (the new file's three among them): each
    # is loaded for its month or held back again by this run
    ((validated,),) = _published(
        home,
        "select rows_validated from audit.validation_runs where run_id = ? and target_table = 'raw.outcomes'",
        [report.run_id],
    )
    ((in_months,),) = _published(
        home, "select count(*) from validated.outcomes where strftime(period, '%Y-%m') in (?, ?)", touched
    )
    ((held_back,),) = _published(
        home,
        "select count(distinct (file_hash, sheet_name, row_number)) from audit.quarantine where run_id = ?",
        [report.run_id],
    )
    assert validated == in_months + held_back
    assert 3 < validated < len(before) / 10
    # the restated figure is the partner's current one in the marts
    (numerator,) = _published(
        home,
        """
        select numerator from staging.stg_outcomes
        where partner_code = ? and service_code = ? and measure_code = ?
          and strftime(period, '%Y-%m') = ?""",
        [resubmitted.partner_code, resubmitted.service_code, resubmitted.measure_code, resubmitted.month],
    )[0]
    assert numerator == resubmitted.numerator_after
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert accounting_gaps(con).is_empty()

    # nothing is due now: tonight's run rebuilds and publishes without validating any month
    tonight = nightly_schedule(dg.build_schedule_context(repository_def=repository))
    assert RANGE_START_TAG not in tonight.tags
    assert {k.to_user_string() for k in tonight.asset_selection} == {
        "marts/partner_data_quality",
        "marts/partner_league",
        "marts/fct_report_card",
        "marts/fct_action_plan",
        "publish/warehouse",
        "publish/scorecards",
    }


def test_a_file_sent_twice_under_another_name_is_still_run_to_be_recorded(home):
    settings = settings_for(home)
    original = sorted((settings.inbox / "workforce").glob("*.csv"))[0]
    partner = original.name.split("_")[0]
    settle(shutil.copy(original, original.with_name(f"{partner}_20991231_again.csv")))
    due = due_work(settings)
    assert due.new_files == [f"workforce/{partner}_20991231_again.csv"]
    assert due.months == []  # no rows to validate: only the duplicate to record
    report = run_nightly(settings)
    assert report.success and report.months == []
    assert _published(
        home,
        "select rule, same_as_file_name from audit.rejected_files where file_name = ?",
        [f"{partner}_20991231_again.csv"],
    ) == [("duplicate_file", original.name)]


def test_a_file_still_being_written_waits_for_a_later_run_at_every_entry_point(home):
    settings = settings_for(home)
    repository = _repository(home)
    state = inbox_sensor(dg.build_sensor_context(repository_def=repository)).cursor
    resubmitted = write_resubmission(settings.inbox)
    settle(resubmitted.path)
    arriving = settings.inbox / "outcomes" / "NOR-ACUTE_20260420_late.csv"
    arriving.write_text(
        "partner_code,service_code,measure_code,period,numerator,denominator,value,comment\n"
        "NOR-ACUTE,NOR-HD,HD_"
    )  # a copy still running
    # the sensor hands over the file that has settled and leaves the other to a later evaluation
    result = inbox_sensor(dg.build_sensor_context(cursor=state, repository_def=repository))
    (request,) = result.run_requests
    assert request.tags["joinedup/new_files"] == "1"
    assert json.loads(result.cursor) == {"newest_ns": resubmitted.path.stat().st_mtime_ns}
    # the schedule's reading ahead and `joinedup run` leave it too, and the run says so
    assert due_work(settings).new_files == [resubmitted.path.relative_to(settings.inbox).as_posix()]
    report = run_nightly(settings)
    assert report.success and report.files_waiting == [f"outcomes/{arriving.name}"]
    for table in ("load_log", "rejected_files", "inbox_files"):
        assert _published(
            home, f"select count(*) from audit.{table} where file_name = ?", [arriving.name]
        ) == [(0,)], table
    settle(arriving)
    assert due_work(settings).new_files == [f"outcomes/{arriving.name}"]


def test_a_reference_change_makes_every_month_due_and_a_partial_run_cannot_publish(home):
    settings = settings_for(home)
    published = settings.warehouse.stat().st_mtime_ns
    index = (settings.site_dir / "index.html").read_bytes()
    partners = pl.read_csv(settings.reference_dir / "partners.csv")
    partners.filter(pl.col("partner_code") != "NOR-VCS").write_csv(settings.reference_dir / "partners.csv")

    due = due_work(settings)
    assert due.new_files == []
    for kind in ("targets", "outcomes", "workforce", "finance"):  # the partners table feeds every suite
        assert due.by_type[kind].touched_months == []
        assert len(due.by_type[kind].months_under_older_rules) == 36, kind

    # validating one month again leaves 35 under the old reference data: the marts are not built and
    # yesterday's warehouse and site stay
    partial = run_nightly(settings, ["2025-01"])
    assert not partial.success
    (stale,) = [
        f
        for f in partial.failed_checks
        if (f.asset, f.check, f.severity)
        == ("validated/outcomes", "validated_against_current_rules", "ERROR")
    ]
    assert "35 month(s) from 2023-04 to 2026-03" in stale.description
    assert "run `joinedup backfill 2023-04 2026-03`" in stale.description
    assert partial.failed_steps == []  # the blocked checks are not reported twice
    assert settings.warehouse.stat().st_mtime_ns == published
    assert (settings.site_dir / "index.html").read_bytes() == index

    # the nightly run validates every month again: the dropped partner's rows are quarantined, named
    full = run_nightly(settings)
    assert full.success and (full.months[0], full.months[-1]) == ("2023-04", "2026-03")
    assert _published(home, "select count(*) from validated.outcomes where partner_code = 'NOR-VCS'") == [
        (0,)
    ]
    ((quarantined,),) = _published(
        home,
        "select count(*) from audit.quarantine where rule = 'known_partner' "
        "and value = 'NOR-VCS' and submission_type = 'outcomes'",
    )
    assert quarantined > 0
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert accounting_gaps(con).is_empty()
    assert due_work(settings).months == []


def test_reference_files_as_they_were_loaded_are_not_read_again(home):
    settings = settings_for(home)
    partners = settings.reference_dir / "partners.csv"
    assert seeds_changed(settings) == []
    # the same name, size and modification time: taken as the file loaded, without reading it
    before = partners.stat()
    partners.write_text(partners.read_text().replace("NOR-VCS", "NOR-VCX"))
    os.utime(partners, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert partners.stat().st_size == before.st_size
    assert seeds_changed(settings) == []
    # touched: read, and found changed
    os.utime(partners)
    assert seeds_changed(settings) == ["partners"]


def test_backfill_validates_a_chosen_range_for_every_type_and_refuses_months_we_do_not_hold(home):
    runner = CliRunner()
    done = runner.invoke(app, ["backfill", "2025-01", "2025-02"])
    assert done.exit_code == 0, done.output
    assert "months validated: 2025-01 to 2025-02 (2 with figures)" in done.output
    assert _published(
        home,
        "select distinct submission_type from audit.month_validations "
        "where strftime(period_month, '%Y-%m') = '2025-01' and run_id = ("
        "select run_id from audit.month_validations "
        "order by validated_at desc limit 1) order by 1",
    ) == [("finance",), ("narratives",), ("outcomes",), ("targets",), ("workforce",)]
    for months, complaint in (
        (["1999-01"], "is not a month we hold"),
        (["2025-03", "2025-01"], "comes before"),
    ):
        refused = runner.invoke(app, ["backfill", *months])
        assert refused.exit_code != 0 and complaint in refused.output, refused.output


def test_months_validated_by_hand_without_what_is_built_from_them_are_not_published(
    home, tmp_path, monkeypatch
):
    # a persistent Dagster instance, as under `make dev`, remembers what each run built
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    write_instance(tmp_path / "dagster", sqlite_instance(tmp_path / "dagster"))
    settings = settings_for(home)
    assert run_nightly(settings, ["2023-04", "2026-03"]).success
    published = settings.warehouse.stat().st_mtime_ns
    # someone validates January 2025 of outcomes from the UI, leaving out everything downstream
    with dg.DagsterInstance.get() as instance:
        by_hand = (
            build_definitions(settings)
            .resolve_job_def("nightly")
            .execute_in_process(
                instance=instance,
                asset_selection=[dg.AssetKey(["validated", "outcomes"])],
                tags={RANGE_START_TAG: "2025-01", RANGE_END_TAG: "2025-01"},
            )
        )
    assert by_hand.success
    # tonight nothing is due, but the marts are older than the rows they are built from: refused
    tonight = run_nightly(settings)
    assert not tonight.success
    (refused,) = tonight.failed_steps
    assert refused.step == "publish"
    # the assets named (the first three, then a count) are built from the rows validated by hand
    named = re.findall(r"\b(?:staging|intermediate|marts)/\w+", refused.message)
    assert named and "were last built before" in refused.message
    assert settings.warehouse.stat().st_mtime_ns == published
    # validating those months with what is downstream of them publishes again
    assert run_nightly(settings, ["2025-01"]).success
    assert settings.warehouse.stat().st_mtime_ns != published


def test_a_model_whose_code_changed_is_rebuilt_with_what_is_built_from_it(home):
    settings = settings_for(home)
    assert due_work(settings).models_changed == []
    # as after an upgrade of joinedup: the published pay-parity mart was built by other code
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("update audit.model_versions set version = 'older' where model = 'marts/pay_parity'")
    due = due_work(settings)
    assert (due.models_changed, due.months, due.new_files) == (["marts/pay_parity"], [], [])
    report = run_nightly(settings)
    assert report.success
    assert "marts__pay_parity" in report.step_seconds
    assert "marts__fct_workforce_period" not in report.step_seconds  # its input did not change
    assert due_work(settings).models_changed == []


def test_a_table_digest_is_of_its_rows_whatever_their_order():
    con = duckdb.connect()
    con.execute("create table t (code varchar, figure double)")
    assert table_digest(con, "main", "absent") is None
    empty = table_digest(con, "main", "t")
    con.execute("insert into t values ('A', 1.5), ('B, figure: 2', null)")
    held = table_digest(con, "main", "t")
    con.execute("create or replace table t as select * from t order by code desc")
    assert table_digest(con, "main", "t") == held != empty
    # a value holding what separates rows, as written unescaped, is not two rows
    con.execute("create table codes (code varchar)")
    con.execute("insert into codes values ('A'), ('B')")
    two = table_digest(con, "main", "codes")
    con.execute("""create or replace table codes as select 'A"}' || chr(10) || '{"code":"B' as code""")
    assert table_digest(con, "main", "codes") != two
    con.execute("update t set figure = 1.6 where code = 'A'")
    assert len({table_digest(con, "main", "t"), held, empty}) == 3


def test_the_digests_of_several_tables_are_each_tables_rows_sorted_and_hashed():
    con = duckdb.connect()
    con.execute("create table t (code varchar, figure double)")
    con.execute("insert into t values ('B', null), ('A', 1.5)")
    con.execute("""create table "it's" (n integer)""")
    con.execute("""insert into "it's" values (2), (10)""")
    con.execute("create table empty (n integer)")

    def by_hand(rows: list[dict]) -> str:  # each row as JSON, sorted, one per line, SHA-256
        lines = sorted(json.dumps(row, separators=(",", ":")) for row in rows)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    assert table_digests(con, "main", ["t", "absent", "it's", "empty"]) == {
        "t": by_hand([{"code": "B", "figure": None}, {"code": "A", "figure": 1.5}]),
        "absent": None,
        "it's": by_hand([{"n": 2}, {"n": 10}]),
        "empty": by_hand([]),
    }
    assert table_digests(con, "main", []) == {}

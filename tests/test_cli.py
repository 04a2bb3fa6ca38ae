"""The `joinedup` command line: demo data is written once, a second call is harmless, `sql` prints
DuckDB's table, JSON, Markdown or CSV safe in a spreadsheet and its Parquet keeps values as they are;
every command's errors are one line with exit status 1, usage errors exit 2, and the help shows no
Python types."""

import csv
import io
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import click
import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from pipelines.cli import app
from pipelines.run import FailedCheck, FailedStep, RunReport
from tests.analyst_fixtures import FORMULA_NAMES, PLAIN_NAMES, build_small_warehouse, digest

PARTNERS_WITH_BALANCES = """
    select p.partner_code, p.partner_name, p.kind, b.balance, b.change, b.files
    from marts.dim_partner as p join marts.fct_balance as b using (partner_code)
"""


def test_demo_data_twice_keeps_the_first_and_refuses_a_different_demo(tmp_path):
    runner = CliRunner()
    first = runner.invoke(app, ["demo-data", "--scale", "small", "--seed", "3", "--out", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "files targets" in first.output
    files = sorted(p.name for p in (tmp_path / "inbox").rglob("*.*"))
    again = runner.invoke(app, ["demo-data", "--scale", "small", "--seed", "3", "--out", str(tmp_path)])
    assert again.exit_code == 0 and "already in" in again.output
    assert sorted(p.name for p in (tmp_path / "inbox").rglob("*.*")) == files
    other = runner.invoke(app, ["demo-data", "--scale", "small", "--seed", "4", "--out", str(tmp_path)])
    assert other.exit_code != 0
    assert "make clean" in other.output


def test_inbox_report_prints_each_partners_summary(demo_run, monkeypatch):
    settings, _, truth = demo_run
    monkeypatch.setenv("JOINEDUP_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("JOINEDUP_BUILD_DATABASE", str(settings.build_database))
    result = CliRunner().invoke(app, ["inbox", "report", "--all", "--partner", "nor-acute"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Northshire Hospitals NHS Foundation Trust (NOR-ACUTE)")
    assert "HD_UNKNOWN" in result.output and "held back" in result.output
    latest = CliRunner().invoke(app, ["inbox", "report"])
    assert all(reject["file"] in latest.output for reject in truth["rejects"])


def test_sql_export_and_contract_commands(demo_run, tmp_path, monkeypatch):
    settings, _, _ = demo_run
    monkeypatch.setenv("JOINEDUP_WAREHOUSE", str(settings.warehouse))
    runner = CliRunner()
    shown = runner.invoke(app, ["sql", "select service_code from marts.dim_joint_service order by 1"])
    assert shown.exit_code == 0 and "EAS-CMH" in shown.output
    written = runner.invoke(app, ["sql", "select * from marts.dim_partner", "--csv", str(tmp_path / "p.csv")])
    assert written.exit_code == 0 and (tmp_path / "p.csv").read_text().startswith("partner_code,")
    exported = runner.invoke(app, ["export", str(tmp_path / "parquet")])
    assert exported.exit_code == 0 and (tmp_path / "parquet" / "pay_parity.parquet").exists()
    checked = runner.invoke(app, ["contract"])
    assert checked.exit_code == 0, checked.output
    refused = runner.invoke(app, ["sql", "delete from marts.dim_partner"])
    assert refused.exit_code != 0


SQL_ERRORS = {
    "a syntax error": "selec 1",
    "a missing table": "select * from marts.nope",
    "a file outside the warehouse": "select * from read_text('/etc/passwd')",
    "a copy over the warehouse": "copy (select 42) to '{warehouse}' (use_tmp_file false)",
    "a setting": "set threads = 1",
}


@pytest.mark.parametrize("case", SQL_ERRORS)
def test_sql_errors_are_one_line_on_stderr_and_exit_1(tmp_path, case):
    warehouse = build_small_warehouse(tmp_path)
    before = digest(warehouse)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "joinedup"), "sql", SQL_ERRORS[case].format(warehouse=warehouse)],
        capture_output=True,
        text=True,
        env={**os.environ, "JOINEDUP_WAREHOUSE": str(warehouse)},
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("joinedup sql: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert digest(warehouse) == before


def test_sql_csv_neutralises_formulas_and_keeps_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINEDUP_WAREHOUSE", str(build_small_warehouse(tmp_path)))
    out = tmp_path / "partners.csv"
    result = CliRunner().invoke(app, ["sql", PARTNERS_WITH_BALANCES, "--csv", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as file:
        rows = {row["partner_code"]: row for row in csv.DictReader(file)}
    for code, name in FORMULA_NAMES.items():
        assert rows[code]["partner_name"] == f"'{name}", f"{code} reaches the spreadsheet as a formula"
    for code, name in PLAIN_NAMES.items():
        assert rows[code]["partner_name"] == name
    assert rows["P-EQ"]["kind"] == "'=NHS" and rows["P-OK"]["kind"] == "council"
    assert all(float(row["balance"]) < 0 and row["balance"].startswith("-") for row in rows.values())
    assert {(row["change"], row["files"]) for row in rows.values()} == {("-3", "-7")}


def test_sql_parquet_keeps_values_as_they_are(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINEDUP_WAREHOUSE", str(build_small_warehouse(tmp_path)))
    out = tmp_path / "partners.parquet"
    result = CliRunner().invoke(app, ["sql", PARTNERS_WITH_BALANCES, "--parquet", str(out)])
    assert result.exit_code == 0, result.output
    written = pl.read_parquet(out)
    names = dict(zip(written["partner_code"], written["partner_name"], strict=True))
    assert names == {**FORMULA_NAMES, **PLAIN_NAMES}
    assert (written["balance"] < 0).all() and set(written["files"]) == {-7}


def test_version_comes_from_the_package_metadata():
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"joinedup {version('joinedup')}\n")


def test_sql_prints_duckdbs_table_json_records_markdown_and_safe_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINEDUP_WAREHOUSE", str(build_small_warehouse(tmp_path)))
    runner, query = CliRunner(), "select partner_code, partner_name, kind from marts.dim_partner order by 1"
    shown = runner.invoke(app, ["sql", query])
    assert shown.exit_code == 0 and shown.output.startswith("┌") and "partner_code" in shown.output
    assert "varchar" in shown.output and shown.output.count("│ P-") == 8
    assert "\\r=1+1" in shown.output  # a carriage return in partner text is shown, not obeyed
    records = json.loads(runner.invoke(app, ["sql", query, "--format", "json"]).stdout)
    assert {r["partner_code"]: r["partner_name"] for r in records} == {**FORMULA_NAMES, **PLAIN_NAMES}
    table = runner.invoke(app, ["sql", query, "--format", "markdown"]).stdout.splitlines()
    assert table[0].split("|")[1].strip() == "partner_code" and len(table) == 2 + 8
    rows = {
        r["partner_code"]: r
        for r in csv.DictReader(
            io.StringIO(runner.invoke(app, ["sql", query, "--format", "csv"]).stdout, newline="")
        )
    }
    assert rows["P-EQ"]["partner_name"] == f"'{FORMULA_NAMES['P-EQ']}"
    assert rows["P-OK"]["partner_name"] == PLAIN_NAMES["P-OK"]


def test_sql_table_keeps_to_the_terminal_width_and_max_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINEDUP_WAREHOUSE", str(build_small_warehouse(tmp_path)))
    monkeypatch.setenv("COLUMNS", "90")
    shown = CliRunner().invoke(
        app,
        [
            "sql",
            "select *, partner_name || partner_name as twice, partner_name as again from marts.dim_partner",
            "--max-rows",
            "4",
        ],
    )
    assert shown.exit_code == 0, shown.output
    assert max(len(line) for line in shown.output.splitlines()) <= 90
    assert "8 rows (4 shown)" in shown.output


# Each fails in its own way with no warehouse published; each says so in one line.
WITHOUT_A_WAREHOUSE = {
    "export": ["export", "{home}/parquet"],
    "contract": ["contract"],
    "inbox report": ["inbox", "report"],
    "rollback": ["rollback", "--yes"],
    "sql": ["sql", "select 1"],
}


@pytest.mark.parametrize("command", WITHOUT_A_WAREHOUSE)
def test_every_command_fails_in_one_line_on_stderr_with_exit_1(tmp_path, command):
    arguments = [a.format(home=tmp_path) for a in WITHOUT_A_WAREHOUSE[command]]
    done = subprocess.run(
        [str(Path(sys.executable).parent / "joinedup"), *arguments],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "JOINEDUP_HOME": str(tmp_path),
            "JOINEDUP_WAREHOUSE": str(tmp_path / "warehouse" / "joinedup.duckdb"),
        },
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith(f"joinedup {command}: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        ["sql"],
        ["sql", "select 1", "--format", "xml"],
        ["sql", "select 1", "--max-rows", "-1"],
        ["nonsense"],
        ["demo-data", "--scale", "tiny"],
    ],
)
def test_usage_errors_exit_2(arguments):
    assert CliRunner().invoke(app, arguments).exit_code == 2


def _commands(group: click.Group = app, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Return every command of `group`, and of the groups inside it, as the words that name it."""
    return [(*prefix, name) for name, command in group.commands.items()] + [
        found
        for name, command in group.commands.items()
        if isinstance(command, click.Group)
        for found in _commands(command, (*prefix, name))
    ]


@pytest.mark.parametrize("command", [(), *_commands()])
def test_help_has_no_python_type_hints(command):
    shown = CliRunner().invoke(app, [*command, "--help"])
    assert shown.exit_code == 0
    for hint in ("<bool>", "<list[", "<str>", "<path>", "<int>"):
        assert hint not in shown.output, f"{' '.join(command)} --help shows {hint}"
    assert "{" not in shown.output.splitlines()[0], f"braces in the usage line: {shown.output}"


def test_completion_is_shown_installed_once_and_answered(tmp_path, monkeypatch):
    monkeypatch.setenv("SHELL", "/bin/bash")
    monkeypatch.setenv("HOME", str(tmp_path))
    runner = CliRunner()
    shown = runner.invoke(app, ["--show-completion"], prog_name="joinedup")
    assert shown.exit_code == 0 and "_JOINEDUP_COMPLETE=bash_complete" in shown.output
    for _ in range(2):
        installed = runner.invoke(app, ["--install-completion"], prog_name="joinedup")
        assert installed.exit_code == 0, installed.output
    script = tmp_path / ".bash_completions" / "joinedup.sh"
    assert script.read_text() == shown.output
    assert (tmp_path / ".bashrc").read_text() == f"source '{script}'\n"  # once, though installed twice
    answered = runner.invoke(
        app,
        [],
        prog_name="joinedup",
        env={"_JOINEDUP_COMPLETE": "bash_complete", "COMP_WORDS": "joinedup inbox re", "COMP_CWORD": "2"},
    )
    assert (answered.exit_code, answered.output) == (0, "plain,report\n")


def test_completion_for_a_shell_click_cannot_complete_is_one_line_and_exit_1(monkeypatch):
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    refused = CliRunner().invoke(app, ["--show-completion"])
    assert refused.exit_code == 1
    assert refused.stderr == "Error: no completion for the shell tcsh: bash, zsh, fish have it\n"


def test_run_refuses_an_inbox_that_is_not_there(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINEDUP_HOME", str(tmp_path))
    monkeypatch.setenv("JOINEDUP_INBOX", str(tmp_path / "nowhere"))
    refused = CliRunner().invoke(app, ["run"])
    assert refused.exit_code == 2
    assert f"no inbox folder at {tmp_path / 'nowhere'}" in " ".join(refused.output.split())
    assert not (tmp_path / "warehouse").exists()


def test_backfill_names_the_months_the_warehouse_holds(tmp_path, monkeypatch):
    warehouse = build_small_warehouse(tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema audit")
        con.execute(
            "create table audit.month_validations as select 'outcomes' as submission_type, "
            "unnest([date '2024-01-01', date '2025-03-01']) as period_month"
        )
    monkeypatch.setenv("JOINEDUP_WAREHOUSE", str(warehouse))
    for month in ("2024-13", "2023-12", "2025-04", "24-01"):
        refused = CliRunner().invoke(app, ["backfill", month])
        assert refused.exit_code == 2
        assert f"{month} is not a month we hold: the warehouse holds 2024-01 to 2025-03" in " ".join(
            refused.output.split()
        )


def test_run_json_prints_the_summary_for_scripts_and_exits_1_when_the_run_failed(tmp_path, monkeypatch):
    (tmp_path / "inbox").mkdir()
    monkeypatch.setenv("JOINEDUP_HOME", str(tmp_path))
    monkeypatch.setenv("JOINEDUP_INBOX", str(tmp_path / "inbox"))
    report = RunReport(
        success=False,
        run_id="abc",
        months=["2026-02", "2026-03"],
        failed_checks=[FailedCheck("marts/fct_measure_period", "mart_passes_suite", "ERROR", "2 rows")],
        failed_steps=[FailedStep("publish", "disk full")],
        files=pl.DataFrame(
            {
                "submission_type": ["outcomes"],
                "files": [3],
                "files_rejected": [1],
                "rows_received": [12],
                "rows_loaded": [10],
                "rows_quarantined": [None],
            }
        ),
        findings_by_rule=pl.DataFrame(
            {
                "action": ["quarantined"],
                "submission_type": ["outcomes"],
                "rule": ["known_partner"],
                "findings": [2],
            }
        ),
        step_seconds={"raw__outcomes": 1.23456},
        files_waiting=["outcomes/late.csv"],
    )
    monkeypatch.setattr("pipelines.run.run_nightly", lambda settings, months, progress: report)
    done = CliRunner().invoke(app, ["run", "--json", "--no-progress"])
    assert done.exit_code == 1
    summary = json.loads(done.stdout)
    assert summary["success"] is False and summary["run_id"] == "abc"
    assert summary["months"] == ["2026-02", "2026-03"]
    assert summary["files"] == {
        "outcomes": {
            "files": 3,
            "files_rejected": 1,
            "rows_received": 12,
            "rows_loaded": 10,
            "rows_quarantined": 0,
        }
    }
    assert summary["findings_by_rule"] == [
        {"action": "quarantined", "submission_type": "outcomes", "rule": "known_partner", "findings": 2}
    ]
    assert summary["failed_checks"][0]["check"] == "mart_passes_suite"
    assert summary["failed_steps"] == [{"step": "publish", "message": "disk full"}]
    assert summary["files_waiting"] == ["outcomes/late.csv"] and summary["step_seconds"] == {
        "raw__outcomes": 1.235
    }

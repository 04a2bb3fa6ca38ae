"""The `joinedup` command line: demo data is written once, a second call is harmless, and `sql` errors
are one line, its CSV is safe in a spreadsheet and its Parquet keeps values as they are."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
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
        capture_output=True, text=True, env={**os.environ, "JOINEDUP_WAREHOUSE": str(warehouse)},
        timeout=120)
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
    assert written["balance"].max() < 0 and set(written["files"]) == {-7}

"""The `joinedup` command line: demo data is written once and a second call is harmless."""

from typer.testing import CliRunner

from pipelines.cli import app


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

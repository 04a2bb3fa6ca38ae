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

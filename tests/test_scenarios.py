"""Scenarios: configuration folders run through the same pipeline, with their own paths and relaxed rules."""

import json

import pytest
from click.testing import CliRunner

from assets.project_files import PROJECT_EXPECTATIONS_DIR, PROJECT_ROOT
from pipelines.cli import app
from pipelines.scenarios import ScenarioError, load_scenario, write_suites
from pipelines.settings import Settings


def test_a_scenario_has_its_own_seeds_mappings_inbox_warehouse_and_site(monkeypatch, tmp_path):
    monkeypatch.setenv("JOINEDUP_HOME", str(tmp_path))
    monkeypatch.setenv("JOINEDUP_SCENARIO", "nhs-england")
    settings = Settings.from_env()
    folder = PROJECT_ROOT / "scenarios" / "nhs-england"
    assert (settings.reference_dir, settings.partners_dir) == (folder / "seeds", folder / "mappings")
    assert settings.inbox == (PROJECT_ROOT.parent / "shared" / "data" / "real").resolve()
    output = tmp_path / "scenario-output" / "nhs-england"
    assert settings.warehouse == output / "warehouse" / "joinedup.duckdb"
    assert settings.site_dir == output / "site"
    monkeypatch.setenv("JOINEDUP_INBOX", str(tmp_path / "elsewhere"))
    assert Settings.from_env().inbox == tmp_path / "elsewhere"


def test_the_scenarios_relaxed_rules_are_the_projects_suites_less_exactly_those_rules(tmp_path):
    scenario = load_scenario("nhs-england")
    written = write_suites(scenario, PROJECT_EXPECTATIONS_DIR, tmp_path)
    for path in PROJECT_EXPECTATIONS_DIR.glob("*.json"):
        project, copy = json.loads(path.read_text()), json.loads((written / path.name).read_text())
        left_out = [e for e in project["expectations"] if e not in copy["expectations"]]
        relaxed = scenario.relax.get(path.stem, {})
        assert sorted((e["meta"]["rule"], e["kwargs"]["column"]) for e in left_out) == sorted(
            (rule, column) for rule, columns in relaxed.items() for column in columns
        )
        assert copy | {"expectations": []} == project | {"expectations": []}


def test_a_relaxed_rule_the_suite_no_longer_has_stops_the_run(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "scenario.yaml").write_text(
        "inbox: in\nrelax:\n  workforce:\n    required: [shoe_size]\n"
    )
    with pytest.raises(ScenarioError, match="no rule required on shoe_size"):
        write_suites(load_scenario("s", tmp_path), PROJECT_EXPECTATIONS_DIR, tmp_path / "out")
    with pytest.raises(ScenarioError, match="scenarios: s"):
        load_scenario("t", tmp_path)


def test_run_refuses_an_unknown_scenario_and_one_whose_suites_this_process_cannot_use(monkeypatch, tmp_path):
    monkeypatch.setenv("JOINEDUP_HOME", str(tmp_path))
    unknown = CliRunner().invoke(app, ["run", "--scenario", "nowhere"])
    assert unknown.exit_code != 0 and "nhs-england" in unknown.output
    # this process chose its suites when it started (the project's): validating the scenario with
    # them would hold back every workforce row, so the run stops before anything is read
    late = CliRunner().invoke(app, ["run", "--scenario", "nhs-england", "--inbox", str(tmp_path)])
    said = " ".join(late.output.replace("│", "").split())
    assert late.exit_code != 0 and "chosen when the process starts" in said
    assert not (tmp_path / "scenario-output").exists()

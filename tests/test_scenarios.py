"""Scenarios: configuration folders run through the same pipeline, with their own paths and relaxed rules."""

import json
import os

import pytest
from click.testing import CliRunner

from assets.project_files import PROJECT_EXPECTATIONS_DIR, PROJECT_ROOT
from assets.scenarios import ScenarioError, load_scenario, write_suites
from pipelines.cli import app
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
    # what the command is told comes first: the same scenario, named without the environment
    monkeypatch.delenv("JOINEDUP_SCENARIO")
    assert Settings.from_env("nhs-england", tmp_path / "given").inbox == tmp_path / "given"
    assert Settings.from_env("nhs-england").reference_dir == folder / "seeds"


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


def test_run_chooses_a_scenario_by_passing_its_settings_and_refuses_an_unknown_one(monkeypatch, tmp_path):
    monkeypatch.setenv("JOINEDUP_HOME", str(tmp_path))
    unknown = CliRunner().invoke(app, ["run", "--scenario", "nowhere"])
    assert unknown.exit_code != 0 and "nhs-england" in unknown.output
    # chosen in a process that has imported everything already: the scenario's relaxed suites are
    # written where its settings validate with them, and the inbox given is the one read (none here)
    chosen = CliRunner().invoke(app, ["run", "--scenario", "nhs-england", "--inbox", str(tmp_path / "none")])
    said = " ".join(chosen.output.replace("│", "").split())
    assert chosen.exit_code == 2 and "no inbox folder at" in said
    suites = tmp_path / "scenario-output" / "nhs-england" / "expectations"
    assert Settings.from_env("nhs-england").expectations_dir == suites
    assert {p.name for p in suites.glob("*.json")} == {
        p.name for p in PROJECT_EXPECTATIONS_DIR.glob("*.json")
    }
    assert "JOINEDUP_SCENARIO" not in os.environ and Settings.from_env().scenario is None

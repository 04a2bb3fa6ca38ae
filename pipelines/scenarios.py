"""Scenarios (`scenarios/<name>/`): folders of configuration run through the same pipeline.

A scenario holds its reference seeds (`seeds/`), its mapping files (`mappings/`, with `sources/` for
publications) and `scenario.yaml`: where its submissions are read from, and the rules of the project's
expectation suites it relaxes for data it cannot carry (applied to copies, never to `expectations/`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

# JOINEDUP_SCENARIOS_DIR: scenarios kept elsewhere (a test's own, say), read when the process starts
SCENARIOS_DIR = Path(os.environ.get("JOINEDUP_SCENARIOS_DIR")
                     or Path(__file__).resolve().parent.parent / "scenarios")
SCENARIO_KEYS = {"name", "inbox", "relax"}


class ScenarioError(ValueError):
    """A scenario that does not exist or whose `scenario.yaml` is wrong."""


@dataclass(frozen=True)
class Scenario:
    """One scenario: its folder, its default inbox and {suite: {rule: [columns]}} it relaxes."""

    name: str
    folder: Path
    inbox: Path
    relax: dict[str, dict[str, list[str]]]


def load_scenario(name: str, scenarios_dir: Path = SCENARIOS_DIR) -> Scenario:
    """Return the scenario called `name`, or raise ScenarioError naming the scenarios there are."""
    folder = scenarios_dir / name
    if not (folder / "scenario.yaml").is_file():
        known = sorted(p.parent.name for p in scenarios_dir.glob("*/scenario.yaml"))
        raise ScenarioError(f"no scenario {name!r} (scenarios: {', '.join(known) or 'none'})")
    import yaml  # only when a scenario is chosen: the analysts' `joinedup sql` never needs it

    spec = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    if not isinstance(spec, dict) or set(spec) - SCENARIO_KEYS or "inbox" not in spec:
        raise ScenarioError(f"{folder / 'scenario.yaml'}: expected inbox and keys from "
                            f"{sorted(SCENARIO_KEYS)}")
    relax = {f"submission_{kind}": {str(rule): [str(c) for c in columns] for rule, columns in rules.items()}
             for kind, rules in (spec.get("relax") or {}).items()}
    return Scenario(name, folder, (folder / str(spec["inbox"])).resolve(), relax)


def _relaxed(suite: dict, rules: dict[str, list[str]], where: str) -> dict:
    def column(expectation: dict) -> str | None:
        return expectation["kwargs"].get("column")

    def dropped(expectation: dict) -> bool:
        return column(expectation) in rules.get(expectation.get("meta", {}).get("rule"), [])

    wanted = {(rule, c) for rule, columns in rules.items() for c in columns}
    found = {(e["meta"]["rule"], column(e)) for e in suite["expectations"] if dropped(e)}
    if wanted - found:
        absent = ", ".join(f"{rule} on {column}" for rule, column in sorted(wanted - found))
        raise ScenarioError(f"{where}: the suite has no rule {absent} to relax")
    return suite | {"expectations": [e for e in suite["expectations"] if not dropped(e)]}


def write_suites(scenario: Scenario, project_suites: Path, target: Path) -> Path:
    """Write the project's suites into `target`, less the rules the scenario relaxes; return `target`."""
    target.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(scenario.relax) - {p.stem for p in project_suites.glob("*.json")})
    if unknown:
        raise ScenarioError(f"{scenario.name}: relaxes rules of unknown suite(s) {', '.join(unknown)}")
    for path in sorted(project_suites.glob("*.json")):
        suite = json.loads(path.read_text())
        rules = scenario.relax.get(path.stem)
        written = _relaxed(suite, rules, f"{scenario.name} {path.stem}") if rules else suite
        (target / path.name).write_text(json.dumps(written, indent=2) + "\n")
    return target

"""Scenarios (`scenarios/<name>/`): folders of configuration run through the same pipeline.

A scenario holds its reference seeds (`seeds/`), its mapping files (`mappings/`, with `sources/` for
publications) and `scenario.yaml`: where its submissions are read from, the rules of the project's
expectation suites it relaxes for data it cannot carry (applied to copies, never to `expectations/`),
and which returns its partners owe (`returns_owed`: the reference table `seeds.returns_owed`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assets.project_files import SCENARIOS_DIR

SCENARIO_KEYS = {"name", "inbox", "relax", "returns_owed"}
# one declaration of returns owed: the types, who owes them (one kind of selector; none: all), until when
OWED_KEYS = {"returns", "sectors", "partners", "service_kinds", "until"}
OWED_SELECTORS = {"sectors": "sector", "partners": "partner_code", "service_kinds": "service_kind"}
# seeds.returns_owed's columns, in order
OWED_COLUMNS = ("submission_type", "sector", "partner_code", "service_kind", "last_period")


class ScenarioError(ValueError):
    """A scenario that does not exist or whose `scenario.yaml` is wrong."""


@dataclass(frozen=True)
class Scenario:
    """One scenario: its folder, its default inbox, {suite: {rule: [columns]}} it relaxes, and the rows of
    seeds.returns_owed it declares (None: it declares none, its seeds folder gives them)."""

    name: str
    folder: Path
    inbox: Path
    relax: dict[str, dict[str, list[str]]]
    returns_owed: tuple[tuple[str | None, ...], ...] | None = None


def load_scenario(name: str, scenarios_dir: Path = SCENARIOS_DIR) -> Scenario:
    """Return the scenario called `name`, or raise ScenarioError naming the scenarios there are."""
    folder = scenarios_dir / name
    if not (folder / "scenario.yaml").is_file():
        known = sorted(p.parent.name for p in scenarios_dir.glob("*/scenario.yaml"))
        raise ScenarioError(f"no scenario {name!r} (scenarios: {', '.join(known) or 'none'})")
    import yaml  # only when a scenario is chosen: the analysts' `joinedup sql` never needs it

    spec = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    if not isinstance(spec, dict) or set(spec) - SCENARIO_KEYS or "inbox" not in spec:
        raise ScenarioError(
            f"{folder / 'scenario.yaml'}: expected inbox and keys from {sorted(SCENARIO_KEYS)}"
        )
    relax = {
        f"submission_{kind}": {str(rule): [str(c) for c in columns] for rule, columns in rules.items()}
        for kind, rules in (spec.get("relax") or {}).items()
    }
    owed = spec.get("returns_owed")
    return Scenario(
        name,
        folder,
        (folder / str(spec["inbox"])).resolve(),
        relax,
        None if owed is None else returns_owed_rows(owed, f"{folder / 'scenario.yaml'}"),
    )


def returns_owed_rows(declared: object, where: str) -> tuple[tuple[str | None, ...], ...]:
    """Return the rows of seeds.returns_owed (OWED_COLUMNS) that a scenario's `returns_owed` list declares,
    or raise ScenarioError saying what is wrong."""
    from assets.contract import SUBMISSION_TYPES

    def fail(problem: str) -> ScenarioError:
        return ScenarioError(
            f"{where}: returns_owed {problem}; e.g. returns_owed: [{{returns: [outcomes], "
            "sectors: [NHS], until: 2019-03}]"
        )

    if not isinstance(declared, list):
        raise fail("is a list of declarations")
    rows = []
    for number, entry in enumerate(declared, 1):
        if not isinstance(entry, dict) or set(entry) - OWED_KEYS or "returns" not in entry:
            raise fail(f"entry {number}: expected returns and keys from {sorted(OWED_KEYS)}")
        kinds, chosen = _texts(entry["returns"]), [k for k in OWED_SELECTORS if k in entry]
        if not kinds or set(kinds) - set(SUBMISSION_TYPES):
            raise fail(f"entry {number}: returns lists submission types ({', '.join(SUBMISSION_TYPES)})")
        if len(chosen) > 1:
            raise fail(f"entry {number}: give one of {', '.join(OWED_SELECTORS)} (none: every partner)")
        selected = _texts(entry[chosen[0]]) if chosen else [None]
        if not selected:
            raise fail(f"entry {number}: {chosen[0]} lists at least one")
        until = _last_month(entry.get("until"))
        if isinstance(until, bool):  # False: unreadable
            raise fail(f"entry {number}: until is a month, written YYYY-MM")
        column = OWED_SELECTORS[chosen[0]] if chosen else None
        rows += [
            (kind, *(value if column == c else None for c in OWED_COLUMNS[1:4]), until)
            for kind in kinds
            for value in selected
        ]
    return tuple(rows)


def _texts(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def _last_month(value: object) -> str | None | bool:
    """The month `until` names as its first day (YYYY-MM-DD), None when absent, False when unreadable."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    try:
        month = date.fromisoformat(text if len(text) == 10 else f"{text}-01").replace(day=1)
    except ValueError:
        return False
    return month.isoformat() if len(text) in (7, 10) else False


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

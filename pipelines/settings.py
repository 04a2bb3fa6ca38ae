"""Where joinedup reads and writes: every path and choice comes from here (environment variables with
defaults, and what the `joinedup` command is told), and reaches the assets as resources
(pipelines.resources.build_resources)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from assets.lake import LakeSettings
from assets.project_files import PROJECT_EXPECTATIONS_DIR, PROJECT_ROOT, SCENARIOS_DIR, SQL_DIR
from assets.publish.board_rules import DEFAULT_MIN_PEERS
from assets.publish.build_cache import default_cache_folder
from assets.scenarios import Scenario, load_scenario

PARTNERS_DIR = PROJECT_ROOT / "pipelines" / "partners"
# A scenario (JOINEDUP_SCENARIO, or `joinedup run --scenario`) runs the same pipeline on its own
# configuration, into a warehouse and site of its own under this folder.
SCENARIO_OUTPUT = "scenario-output"
# How much memory DuckDB may hold while a run builds the warehouse (JOINEDUP_DUCKDB_MEMORY_LIMIT); beyond
# it, DuckDB spills to a temporary folder beside the database. Its own default is 80 % of the machine.
DEFAULT_DUCKDB_MEMORY_LIMIT = "1GB"


def _home() -> Path:
    return Path(os.environ.get("JOINEDUP_HOME", PROJECT_ROOT))


def _path(name: str, default: Path) -> Path:
    return Path(os.environ.get(name, default))


def chosen_scenario(name: str | None = None) -> Scenario | None:
    """Return the scenario called `name`, else the one JOINEDUP_SCENARIO names (looked for in
    JOINEDUP_SCENARIOS_DIR, by default the project's `scenarios/`), if any."""
    name = name or os.environ.get("JOINEDUP_SCENARIO")
    return (
        load_scenario(name, Path(os.environ.get("JOINEDUP_SCENARIOS_DIR") or SCENARIOS_DIR)) if name else None
    )


def scenario_suites_dir(scenario: Scenario) -> Path:
    """Return where a scenario's copies of the suites (less the rules it relaxes) are written."""
    return _home() / SCENARIO_OUTPUT / scenario.name / "expectations"


def lake_from_env() -> LakeSettings | None:
    """Return the lake `JOINEDUP_LAKE` names (with `JOINEDUP_LAKE_DATA`, `JOINEDUP_LAKE_SCHEMA`), or None:
    no lake."""
    url = os.environ.get("JOINEDUP_LAKE", "").strip()
    if not url:
        return None
    return LakeSettings(
        url=url,
        data_path=os.environ.get("JOINEDUP_LAKE_DATA") or None,
        schema=os.environ.get("JOINEDUP_LAKE_SCHEMA") or "marts",
    )


@dataclass(frozen=True)
class Settings:
    """Paths and choices of one joinedup installation: what a run reads, validates with and writes."""

    inbox: Path
    reference_dir: Path
    build_database: Path
    warehouse: Path
    site_dir: Path
    partners_dir: Path
    lake: LakeSettings | None = None  # the lake the marts are published to as well (JOINEDUP_LAKE)
    # the suites submissions and marts are validated with: a scenario's relaxed copies, if it has any
    expectations_dir: Path = PROJECT_EXPECTATIONS_DIR
    scenario: Scenario | None = None  # the scenario whose configuration the defaults are
    # the publication's slow-to-build files, shared by every warehouse of the user (JOINEDUP_CACHE_DIR)
    cache_dir: Path = field(default_factory=default_cache_folder)
    # services of a kind with an index before the scorecards show peer indices (JOINEDUP_MIN_PEERS)
    min_peers: int = DEFAULT_MIN_PEERS
    # what DuckDB may hold in memory during a run, in DuckDB's notation ("512MB", "2GB")
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT

    @property
    def publications(self) -> Path:
        """Return the folder of the kept publications (each a warehouse and its site; see publish.swap)."""
        return self.warehouse.parent / "publications"

    @classmethod
    def from_env(cls, scenario: str | None = None, inbox: Path | None = None) -> Settings:
        """Return settings from `JOINEDUP_*` environment variables, defaulting under the project.

        With a scenario (`scenario`, else JOINEDUP_SCENARIO), the defaults are the scenario's: its seeds,
        mappings and inbox, its suites when it relaxes rules, and a warehouse and site of its own under
        `scenario-output/<name>/`. `inbox`, when given, is read instead of any other.
        Raises ScenarioError when the scenario does not exist.
        """
        chosen = chosen_scenario(scenario)
        home = _home() / SCENARIO_OUTPUT / chosen.name if chosen else _home()
        warehouse = _path("JOINEDUP_WAREHOUSE", home / "warehouse" / "joinedup.duckdb")
        suites = scenario_suites_dir(chosen) if chosen and chosen.relax else PROJECT_EXPECTATIONS_DIR
        return cls(
            inbox=inbox or _path("JOINEDUP_INBOX", chosen.inbox if chosen else home / "inbox"),
            reference_dir=_path(
                "JOINEDUP_REFERENCE_DIR", chosen.folder / "seeds" if chosen else SQL_DIR / "seeds"
            ),
            build_database=_path("JOINEDUP_BUILD_DATABASE", warehouse.parent / "build" / warehouse.name),
            warehouse=warehouse,
            site_dir=_path("JOINEDUP_SITE", home / "site"),
            partners_dir=_path(
                "JOINEDUP_PARTNERS_DIR", chosen.folder / "mappings" if chosen else PARTNERS_DIR
            ),
            lake=lake_from_env(),
            expectations_dir=_path("JOINEDUP_EXPECTATIONS_DIR", suites),
            scenario=chosen,
            cache_dir=_path("JOINEDUP_CACHE_DIR", default_cache_folder()),
            min_peers=int(os.environ.get("JOINEDUP_MIN_PEERS") or DEFAULT_MIN_PEERS),
            duckdb_memory_limit=os.environ.get("JOINEDUP_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT,
        )


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


@dataclass(frozen=True)
class NotifySettings:
    """Where failures are sent: email through an SMTP server, a webhook; neither is required."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "joinedup@localhost"
    smtp_to: tuple[str, ...] = ()
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    webhook_url: str | None = None

    @property
    def email_configured(self) -> bool:
        """Return whether an SMTP server and at least one recipient are set."""
        return bool(self.smtp_host and self.smtp_to)

    @classmethod
    def from_env(cls) -> NotifySettings:
        """Return the channels the `JOINEDUP_NOTIFY_*` environment variables configure (none by default)."""
        env = os.environ.get
        return cls(
            smtp_host=env("JOINEDUP_NOTIFY_SMTP_HOST") or None,
            smtp_port=int(env("JOINEDUP_NOTIFY_SMTP_PORT") or 25),
            smtp_from=env("JOINEDUP_NOTIFY_SMTP_FROM") or cls.smtp_from,
            smtp_to=_env_list("JOINEDUP_NOTIFY_SMTP_TO"),
            smtp_starttls=env("JOINEDUP_NOTIFY_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            smtp_user=env("JOINEDUP_NOTIFY_SMTP_USER") or None,
            smtp_password=env("JOINEDUP_NOTIFY_SMTP_PASSWORD") or None,
            webhook_url=env("JOINEDUP_NOTIFY_WEBHOOK_URL") or None,
        )

"""Where joinedup reads and writes: every path comes from here (environment variables with defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from assets.project_files import PROJECT_EXPECTATIONS_DIR, PROJECT_ROOT, SQL_DIR
from pipelines.scenarios import Scenario, load_scenario

PARTNERS_DIR = PROJECT_ROOT / "pipelines" / "partners"
# A scenario (JOINEDUP_SCENARIO, or `joinedup run --scenario`) runs the same pipeline on its own
# configuration, into a warehouse and site of its own under this folder.
SCENARIO_OUTPUT = "scenario-output"


def _home() -> Path:
    return Path(os.environ.get("JOINEDUP_HOME", PROJECT_ROOT))


def current_scenario() -> Scenario | None:
    """Return the scenario JOINEDUP_SCENARIO names, if any."""
    name = os.environ.get("JOINEDUP_SCENARIO")
    return load_scenario(name) if name else None


def scenario_suites_dir(scenario: Scenario) -> Path:
    """Return where a scenario's copies of the suites (less the rules it relaxes) are written."""
    return _home() / SCENARIO_OUTPUT / scenario.name / "expectations"


def _expectations_dir() -> Path:
    """The suites this process validates with (fixed when it starts): a scenario's, if it relaxes rules."""
    if "JOINEDUP_EXPECTATIONS_DIR" in os.environ:
        return Path(os.environ["JOINEDUP_EXPECTATIONS_DIR"])
    scenario = current_scenario()
    return scenario_suites_dir(scenario) if scenario and scenario.relax else PROJECT_EXPECTATIONS_DIR


EXPECTATIONS_DIR = _expectations_dir()


@dataclass(frozen=True)
class Settings:
    """Paths of one joinedup installation."""

    inbox: Path
    reference_dir: Path
    build_database: Path
    warehouse: Path
    site_dir: Path
    partners_dir: Path
    lake: LakeSettings | None = None  # the lake the marts are published to as well (JOINEDUP_LAKE)

    @property
    def publications(self) -> Path:
        """Return the folder of the kept publications (each a warehouse and its site; see publish.swap)."""
        return self.warehouse.parent / "publications"

    @classmethod
    def from_env(cls) -> Settings:
        """Return settings from `JOINEDUP_*` environment variables, defaulting under the project.

        With JOINEDUP_SCENARIO set, the defaults are the scenario's: its seeds, mappings and inbox, and
        a warehouse and site of its own under `scenario-output/<name>/`.
        """
        scenario = current_scenario()
        home = _home() / SCENARIO_OUTPUT / scenario.name if scenario else _home()
        warehouse = Path(os.environ.get("JOINEDUP_WAREHOUSE", home / "warehouse" / "joinedup.duckdb"))

        def path(name: str, default: Path) -> Path:
            return Path(os.environ.get(name, default))

        return cls(
            inbox=path("JOINEDUP_INBOX", scenario.inbox if scenario else home / "inbox"),
            reference_dir=path(
                "JOINEDUP_REFERENCE_DIR", scenario.folder / "seeds" if scenario else SQL_DIR / "seeds"
            ),
            build_database=path("JOINEDUP_BUILD_DATABASE", warehouse.parent / "build" / warehouse.name),
            warehouse=warehouse,
            site_dir=path("JOINEDUP_SITE", home / "site"),
            partners_dir=path(
                "JOINEDUP_PARTNERS_DIR", scenario.folder / "mappings" if scenario else PARTNERS_DIR
            ),
            lake=LakeSettings.from_env(),
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


@dataclass(frozen=True)
class LakeSettings:
    """Where the publication also writes the marts, as a DuckLake catalog (none by default).

    `url` is what DuckDB attaches, e.g. `ducklake:postgres:dbname=joinedup host=db.example user=joinedup`
    (the catalog in PostgreSQL); `data_path` is the folder or object-store prefix of its Parquet files,
    needed when the catalog is created (it is recorded in the catalog for every later reader). `schema`
    is the lake's schema this installation's marts go to: one per partnership when several share a lake.
    """

    url: str
    data_path: str | None = None
    schema: str = "marts"

    @classmethod
    def from_env(cls) -> LakeSettings | None:
        """Return the lake `JOINEDUP_LAKE` names (with `JOINEDUP_LAKE_DATA`, `JOINEDUP_LAKE_SCHEMA`), or
        None: no lake."""
        url = os.environ.get("JOINEDUP_LAKE", "").strip()
        return (
            cls(
                url=url,
                data_path=os.environ.get("JOINEDUP_LAKE_DATA") or None,
                schema=os.environ.get("JOINEDUP_LAKE_SCHEMA") or "marts",
            )
            if url
            else None
        )

"""Where joinedup reads and writes: every path comes from here (environment variables with defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "dbt_like_sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
PARTNERS_DIR = PROJECT_ROOT / "pipelines" / "partners"


@dataclass(frozen=True)
class Settings:
    """Paths of one joinedup installation."""

    inbox: Path
    reference_dir: Path
    build_database: Path
    warehouse: Path
    site_dir: Path
    partners_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        """Return settings from `JOINEDUP_*` environment variables, defaulting under the project."""
        home = Path(os.environ.get("JOINEDUP_HOME", PROJECT_ROOT))
        warehouse = Path(os.environ.get("JOINEDUP_WAREHOUSE", home / "warehouse" / "joinedup.duckdb"))

        def path(name: str, default: Path) -> Path:
            return Path(os.environ.get(name, default))

        return cls(
            inbox=path("JOINEDUP_INBOX", home / "inbox"),
            reference_dir=path("JOINEDUP_REFERENCE_DIR", SQL_DIR / "seeds"),
            build_database=path("JOINEDUP_BUILD_DATABASE", warehouse.parent / "build" / warehouse.name),
            warehouse=warehouse,
            site_dir=path("JOINEDUP_SITE", home / "site"),
            partners_dir=path("JOINEDUP_PARTNERS_DIR", PARTNERS_DIR),
        )

"""Where the project's own files are: SQL models, suites and scenarios shipped with the code.

Package data only, found from this file's place: nothing here reads the environment. Where a run reads
and writes (inbox, warehouse, site, the suites it validates with) reaches the assets as resources.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "dbt_like_sql"
PROJECT_EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SCENARIOS_DIR = PROJECT_ROOT / "scenarios"

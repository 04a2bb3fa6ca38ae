"""`joinedup --help` and `joinedup sql` start fast: they never import the pipeline's heavy libraries.

Each case runs in a fresh interpreter and lists the modules loaded, not the time taken (bench/cli_startup.py
measures that). Fails when `pipelines.cli`, `pipelines.analyst` or what they import at module level
starts importing Dagster, Great Expectations or polars again (each takes longer to import than
`joinedup sql "select 1"` may take as a whole), when the help loads Rich or DuckDB, or when the command
line is parsed through typer and pydantic again (typer builds a pydantic adapter for every parameter
each time a command runs: a quarter of a second).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.analyst_fixtures import build_small_warehouse

PIPELINE = ("dagster", "great_expectations", "pandas", "assets")
# what the commands share with the pipeline below assets/ (project paths, scenarios, the lake's address, a
# query's one row, a result as JSON values and Markdown, spreadsheet-safe CSV, the settings' defaults for
# the board's rules and the build cache): light modules, not counted as `assets`, unlike a stage's
SHARED = {
    "assets",
    "assets.publish",
    "assets.publish.board_rules",
    "assets.publish.build_cache",
    "assets.project_files",
    "assets.scenarios",
    "assets.lake",
    "assets.query",
    "assets.result_text",
    "assets.spreadsheet_csv",
}
DATAFRAMES = ("polars", "pyarrow")
PARSING = ("typer", "pydantic")
RUN = """
import json, sys
sys.argv = ["joinedup", *json.loads(sys.argv[1])]
from pipelines.cli import app
try:
    app()
    status = 0
except SystemExit as exit:
    status = exit.code
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def _loaded(arguments: list[str], env: dict[str, str]) -> tuple[int, set[str]]:
    """Return the exit status of `joinedup <arguments>` run in a fresh interpreter and the packages it
    loaded (`assets` only for a module of it other than those it shares)."""
    done = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(arguments)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    outcome = json.loads(done.stdout.splitlines()[-1])
    return outcome["status"], {m.split(".")[0] for m in set(outcome["modules"]) - SHARED}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    warehouse = build_small_warehouse(tmp_path_factory.mktemp("startup"))
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")},
        "JOINEDUP_WAREHOUSE": str(warehouse),
    }


def test_importing_the_command_loads_only_click(env):
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys, pipelines.cli; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert loaded & {*PIPELINE, *DATAFRAMES, *PARSING, "duckdb", "rich", "yaml"} == set()


@pytest.mark.parametrize("arguments", [["--help"], ["--version"], ["sql", "--help"]])
def test_help_and_version_load_neither_rich_nor_duckdb(env, arguments):
    status, loaded = _loaded(arguments, env)
    assert status == 0
    assert loaded & {*PIPELINE, *DATAFRAMES, *PARSING, "duckdb", "rich"} == set()


@pytest.mark.parametrize("output", ["table", "json", "markdown"])
def test_a_query_printed_loads_duckdb_and_not_the_pipeline_or_polars(env, output):
    status, loaded = _loaded(["sql", "select partner_code from marts.dim_partner", "--format", output], env)
    assert status == 0
    assert "duckdb" in loaded
    assert loaded & {*PIPELINE, *DATAFRAMES, *PARSING} == set()


def test_csv_and_a_failing_query_never_load_the_pipeline(env):
    for arguments in (["sql", "select 1", "--format", "csv"], ["sql", "selec 1"]):
        _, loaded = _loaded(arguments, env)
        assert loaded & set(PIPELINE) == set(), arguments

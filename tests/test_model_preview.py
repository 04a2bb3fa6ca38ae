"""The preview each model's materialization carries in Dagster: a Markdown table partners' text cannot
break."""

import re
from pathlib import Path

import dagster as dg

from assets.models.assets import model_asset
from assets.models.project import build_order, load_models
from assets.project_files import SQL_DIR
from tests.conftest import model_resources
from tests.sql_fixtures import build_hand_made_warehouse

MODELS = {m.table: m for m in build_order(load_models(SQL_DIR))}
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_the_preview_is_the_first_five_rows_each_cell_in_its_column(tmp_path: Path):
    warehouse = build_hand_made_warehouse(tmp_path / "w.duckdb")
    warehouse.execute("update validated.outcomes set comment = 'up | down' || chr(10) || 'since March'")
    warehouse.close()
    key = "staging/stg_outcomes_history"
    result = dg.materialize(
        [model_asset(MODELS["staging.stg_outcomes_history"])],
        resources=model_resources(tmp_path / "w.duckdb"),
    )
    (materialization,) = result.asset_materializations_for_node(key.replace("/", "__"))
    header, rule, *rows = str(materialization.metadata["preview"].value).splitlines()
    columns = [cell.strip() for cell in UNESCAPED_PIPE.split(header)[1:-1]]
    assert "comment" in columns and len(rows) == 5
    for line in [rule, *rows]:
        assert len(UNESCAPED_PIPE.findall(line)) == len(columns) + 1  # the partner's | stays in its cell
    comments = {UNESCAPED_PIPE.split(row)[1:-1][columns.index("comment")].strip() for row in rows}
    assert comments == {"up \\| down<br>since March"}

"""What analysts rely on: the guide's queries run, exports work, and the schema contract holds."""

import re
from pathlib import Path

import polars as pl
import pytest

from assets.models.published_contract import contract_text
from assets.project_files import PROJECT_ROOT, SQL_DIR
from pipelines.analyst import RefusedStatement, contract_differences, export_marts, query

GUIDE = PROJECT_ROOT / "docs" / "analyst-guide.md"
CONTRACT = PROJECT_ROOT / "docs" / "warehouse-contract.yml"
QUERIES = re.findall(r"```sql\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)


def test_the_guide_has_ten_questions():
    assert len(QUERIES) == 10


@pytest.mark.parametrize("number", range(1, 11))
def test_each_guide_query_runs_and_answers(demo_run, number):
    settings, _, _ = demo_run
    answer = query(settings.warehouse, QUERIES[number - 1])
    assert answer.height > 0, f"question {number} returned nothing on the demo"


def test_the_published_warehouse_keeps_its_contract(demo_run):
    settings, _, _ = demo_run
    assert contract_differences(settings.warehouse, CONTRACT) == []


def test_a_changed_column_breaks_the_contract(demo_run, tmp_path):
    settings, _, _ = demo_run
    contract = tmp_path / "contract.yml"
    contract.write_text(
        contract_text(SQL_DIR)
        .replace("  quadrant:\n", "  quadrant_label:\n", 1)
        .replace("  total_cost:\n      type: DOUBLE", "  total_cost:\n      type: BIGINT", 1)
    )
    assert contract_differences(settings.warehouse, contract) == [
        "marts.scorecard_service_period.quadrant: not in the contract",
        "marts.scorecard_service_period.quadrant_label: missing from the warehouse",
        "marts.scorecard_service_period.total_cost: BIGINT in the contract, DOUBLE published",
    ]


def test_query_refuses_to_change_the_warehouse(demo_run):
    settings, _, _ = demo_run
    with pytest.raises(RefusedStatement, match="drop statements are refused"):
        query(settings.warehouse, "drop table marts.dim_partner")


def test_marts_export_to_parquet(demo_run, tmp_path):
    settings, _, _ = demo_run
    files = export_marts(settings.warehouse, tmp_path / "parquet")
    names = {f.stem for f in files}
    assert {"fct_measure_period", "scorecard_service_period", "pay_parity"} <= names
    exported = pl.read_parquet(tmp_path / "parquet" / "dim_joint_service.parquet")
    assert exported.equals(query(settings.warehouse, "select * from marts.dim_joint_service"))
    assert all(Path(f).stat().st_size > 0 for f in files)

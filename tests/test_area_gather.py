"""Gathering areas' staged rows from the lake matches columns by name, not by position."""

from pathlib import Path

import duckdb

from assets.lake import LAKE, connect_lake
from assets.warehouse import ensure_warehouse
from pipelines.area_partitions import gather_areas, stage_area, stage_schema
from pipelines.settings import LakeSettings

REJECTED = (
    "insert into audit.rejected_files (file_hash, submission_type, file_name, partner_code, rule, reason, "
    "bytes, rejected_at, mapping) values (?, 'outcomes', ?, ?, 'unreadable', ?, ?, timestamp '2026-11-30 "
    "01:00', ?)"
)


def _working_with(path: Path, rows: list[tuple]) -> Path:
    with duckdb.connect(path) as con:
        ensure_warehouse(con)
        for row in rows:
            con.execute(REJECTED, row)
    return path


def test_an_area_staged_with_another_column_order_and_without_a_later_column_is_gathered_by_name(
    tmp_path: Path,
) -> None:
    lake = LakeSettings(url=f"ducklake:{tmp_path / 'catalog.ducklake'}", data_path=str(tmp_path / "data"))
    north = _working_with(tmp_path / "north.duckdb", [("h1", "n.csv", "N1", "not a CSV", 10, "contract")])
    south = _working_with(tmp_path / "south.duckdb", [("h2", "s.csv", "S1", "empty file", 0, None)])
    stage_area(north, lake, "north", "run-n", "round-1")
    stage_area(south, lake, "south", "run-s", "round-1")
    # south as an older version staged it: its columns in another order, and no `mapping` (added later)
    staged = f"{LAKE}.{stage_schema(lake, 'south')}.audit__rejected_files"
    with connect_lake(lake) as con:
        con.execute(
            f"create or replace table {staged} as select rejected_at, reason, rule, bytes, partner_code, "
            f"file_name, submission_type, file_hash, same_as_file_name, run_id from {staged}"
        )

    gathered = tmp_path / "gathered.duckdb"
    _working_with(gathered, [])
    rows = gather_areas(gathered, lake, ["north", "south"])

    assert rows["audit.rejected_files"] == 2
    with duckdb.connect(gathered, read_only=True) as con:
        found = con.execute(
            "select file_hash, file_name, partner_code, reason, bytes, mapping from audit.rejected_files "
            "order by file_hash"
        ).fetchall()
    assert found == [
        ("h1", "n.csv", "N1", "not a CSV", 10, "contract"),
        ("h2", "s.csv", "S1", "empty file", 0, None),
    ]

"""The lake as the published warehouse: DuckLake with its catalog in a real PostgreSQL server (started
by the tests themselves), its marts the embedded warehouse's, whole publications only, rollback by time
travel."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import signal
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from assets.lake import LAKE, connect_lake
from assets.publish.lake import PUBLICATION, ROLLBACK, publish_to_lake
from assets.query import literal
from pipelines.analyst import query
from pipelines.cli import app
from pipelines.local_postgres import LocalPostgres
from pipelines.rollback import roll_back_publication
from pipelines.rollback_plan import RollbackPlan, plan_lines
from pipelines.settings import LakeSettings, Settings
from tests.conftest import FIRST_RUN_MARTS, settings_for
from tests.lake_processes import DONE, publish_killed_at, read_while_publishing
from tests.lake_runs import publish_alone
from tests.mart_checksums import catalog_mart_checksums, mart_checksums

pytestmark = pytest.mark.slow  # a whole run (or a browser, a server) of its own


def _lake(postgres: LocalPostgres, name: str, folder: Path) -> LakeSettings:
    return LakeSettings(
        url=f"ducklake:postgres:{postgres.create_database(name)}", data_path=str(folder / "lake-data")
    )


def _lake_marts(lake: LakeSettings) -> dict[str, tuple[int, int]]:
    with connect_lake(lake, read_only=True) as con:
        return catalog_mart_checksums(con, LAKE)


def _descriptions(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple]:
    """Every mart and column of `database` with its type and comment, in one order."""
    return con.execute(
        "select t.table_name, t.comment, c.column_name, c.data_type, c.comment "
        "from duckdb_tables() t join duckdb_columns() c using (database_name, schema_name, "
        "table_name) where t.database_name = ? and t.schema_name = 'marts' order by all",
        [database],
    ).fetchall()


def _installation(demo_run, lake: LakeSettings, home: Path) -> Settings:
    """An installation under `home` whose working database is the demo's, publishing to `lake`."""
    settings = replace(settings_for(home), lake=lake)
    settings.build_database.parent.mkdir(parents=True)
    shutil.copyfile(demo_run[0].build_database, settings.build_database)
    return settings


def test_the_publication_writes_the_embedded_marts_to_the_lake_and_rollback_goes_back_by_time_travel(
    demo_run,
    postgres,
    tmp_path,
):
    demo_settings, _, _ = demo_run
    settings = _installation(demo_run, _lake(postgres, "publication", tmp_path), tmp_path)
    assert publish_alone(settings)
    first = mart_checksums(settings.warehouse)
    # the demo's marts, as its own run published them, are what the lake holds: every row of every mart
    demo_marts = json.loads((demo_settings.warehouse.parent.parent / FIRST_RUN_MARTS).read_text())
    assert {t: list(v) for t, v in first.items()} == demo_marts
    assert _lake_marts(settings.lake) == first and len(first) >= 20
    with connect_lake(settings.lake, read_only=True) as con:
        con.execute(f"attach '{settings.warehouse}' as published (read_only)")
        described = _descriptions(con, LAKE)
        assert described == _descriptions(con, "published")  # types and comments too
        assert all(comment for _, comment, *_ in described)
        ((snapshot, info),) = con.execute(
            f"select snapshot_id, commit_extra_info from {LAKE}.snapshots() where commit_message = ?",
            [PUBLICATION],
        ).fetchall()
    assert json.loads(info) == json.loads((settings.site_dir / "publication.json").read_text())
    # a second publication after a partner's figures changed: the lake follows the warehouse
    with duckdb.connect(str(settings.build_database)) as con:
        con.execute(
            "delete from marts.partner_league where partner_code = "
            "(select min(partner_code) from marts.partner_league)"
        )
    assert publish_alone(settings)
    second = mart_checksums(settings.warehouse)
    assert [t for t in first if first[t] != second[t]] == ["partner_league"]
    assert _lake_marts(settings.lake) == second
    # rollback: the files come back, and the lake gets the first publication's marts from its history
    roll_back_publication(settings)
    assert mart_checksums(settings.warehouse) == first == _lake_marts(settings.lake)
    with connect_lake(settings.lake, read_only=True) as con:
        commits = con.execute(
            f"select commit_message, commit_extra_info from {LAKE}.snapshots() "
            f"where snapshot_id > ? order by snapshot_id",
            [snapshot],
        ).fetchall()
        # the history keeps the publication rolled back from: time travel still reads it
        (rolled_back,) = con.execute(
            f"select count(*) from {LAKE}.marts.partner_league at (version => {snapshot + 1})"
        ).fetchone()
    assert [message for message, _ in commits] == [PUBLICATION, ROLLBACK]
    assert json.loads(commits[1][1]) == json.loads(info)
    assert rolled_back == second["partner_league"][0] == first["partner_league"][0] - 1


def test_a_reader_sees_whole_publications_only(demo_run, postgres, tmp_path):
    demo_settings, _, _ = demo_run
    lake = _lake(postgres, "readers", tmp_path)
    one, other = tmp_path / "one.duckdb", tmp_path / "other.duckdb"
    shutil.copyfile(demo_settings.warehouse, one)
    shutil.copyfile(demo_settings.warehouse, other)
    with duckdb.connect(str(other)) as con:  # every mart differs: a mix of the two would show
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall():
            con.execute(f'delete from marts."{table}" where rowid = (select min(rowid) from marts."{table}")')
    expected = [mart_checksums(one), mart_checksums(other)]
    assert all(expected[0][t] != expected[1][t] for t in expected[0])
    publish_to_lake(one, lake, "run-0")
    spawn = multiprocessing.get_context("spawn")
    stop, found = spawn.Event(), spawn.Queue()
    reader = spawn.Process(target=read_while_publishing, args=(lake, stop, found))
    reader.start()
    seen = []

    def read_until(marts: dict) -> None:
        """Keep what the reader saw until it sees `marts` (the publication just committed)."""
        while (seen and seen[-1]) != marts and seen[-1:] != [DONE]:
            seen.append(found.get(timeout=120))

    try:
        read_until(expected[0])
        publish_to_lake(other, lake, "run-1")  # the reader reads on while each is committed
        read_until(expected[1])
        publish_to_lake(one, lake, "run-2")
        read_until(expected[0])
    finally:
        stop.set()
        while seen[-1:] != [DONE]:  # what it read meanwhile, to its end
            seen.append(found.get(timeout=120))
        reader.join(timeout=60)
    assert [marts for marts in seen[:-1] if marts not in expected] == []  # no error, no mix of two
    assert expected[1] in seen and len(seen) > 3


def test_a_publication_killed_before_its_lake_commit_leaves_the_last_snapshot_and_the_next_completes(
    demo_run,
    postgres,
    tmp_path,
):
    lake, warehouse = _lake(postgres, "killed", tmp_path), demo_run[0].warehouse
    publish_to_lake(warehouse, lake, "run-1")
    published = mart_checksums(warehouse)
    with connect_lake(lake) as con:  # a mart dropped meanwhile: the killed publication would bring it back
        con.execute(f"drop table {LAKE}.marts.partner_league")
        before = con.execute(f"select max(snapshot_id) from {LAKE}.snapshots()").fetchone()[0]
    killed = multiprocessing.get_context("spawn").Process(
        target=publish_killed_at, args=(warehouse, lake, "run-2", "publish:lake-staged")
    )
    killed.start()
    killed.join(timeout=300)
    assert killed.exitcode == -signal.SIGKILL  # every mart copied into the lake, not committed
    with connect_lake(lake, read_only=True) as con:
        assert con.execute(f"select max(snapshot_id) from {LAKE}.snapshots()").fetchone()[0] == before
        assert "partner_league" not in catalog_mart_checksums(con, LAKE)
    publish_to_lake(warehouse, lake, "run-3")  # the next one completes
    with connect_lake(lake, read_only=True) as con:
        commits = con.execute(
            f"select commit_extra_info from {LAKE}.snapshots() where snapshot_id > ?", [before]
        ).fetchall()
        assert [json.loads(info) for (info,) in commits] == [{"run_id": "run-3"}]
        assert catalog_mart_checksums(con, LAKE) == published


def test_joinedup_sql_queries_the_lake_as_it_queries_the_warehouse_and_reads_nothing_else(
    demo_run,
    postgres,
    tmp_path,
    monkeypatch,
):
    warehouse = demo_run[0].warehouse
    lake = replace(_lake(postgres, "analysts", tmp_path), schema="north's")  # a partnership's schema
    first = publish_to_lake(warehouse, lake, "run-1")
    with connect_lake(lake) as con:  # a later publication: one partner fewer
        con.execute(f"""delete from {LAKE}."north's".partner_league where partner_code = 'NOR-ACUTE'""")
    for name, value in {
        "JOINEDUP_LAKE": lake.url,
        "JOINEDUP_LAKE_SCHEMA": lake.schema,
        "JOINEDUP_HOME": str(tmp_path / "no-warehouse-here"),
    }.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    def sql(statement: str) -> list[dict]:
        result = runner.invoke(app, ["sql", statement, "--format", "json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    question = (
        "select service_code, strftime(period, '%Y-%m') as month, quadrant, "
        "round(unit_cost, 6) as unit_cost, round(effectiveness_index, 6) as effectiveness "
        "from marts.scorecard_service_period order by all"
    )
    in_lake = sql(question)
    assert len(in_lake) > 100 and in_lake == json.loads(query(warehouse, question).write_json())
    league = "select count(*) as n from {} where partner_code = 'NOR-ACUTE'"
    assert sql(league.format("marts.partner_league")) == [{"n": 0}]  # the lake's current snapshot
    assert (
        sql(league.format(f"""lake."north's".partner_league at (version => {first})"""))
        == json.loads(query(warehouse, league.format("marts.partner_league")).write_json())
        != [{"n": 0}]
    )
    for refused in (
        "select * from read_csv('/etc/passwd')",
        "create table marts.x as select 1",
        f"""select * from read_parquet('{tmp_path / "one.parquet"}')""",
    ):
        result = runner.invoke(app, ["sql", refused])
        assert result.exit_code == 1 and result.output.startswith("joinedup sql: "), (refused, result.output)


@pytest.mark.parametrize("value", ["/tmp/it's here", "dbname=x host=/tmp/a''b", "plain"])
def test_literal_gives_duckdb_the_value_back(value):
    assert duckdb.execute(f"select {literal(value)}").fetchone()[0] == value


def test_a_rollback_plan_says_the_lake_goes_back_too():
    plan = RollbackPlan(
        previous=Path("publications/000003-20261129T020000Z"),
        current=None,
        previous_run="run-3",
        current_run=None,
        files_again=[],
        lake=True,
    )
    assert (
        "would commit to the lake the marts of 000003-20261129T020000Z again, read by time travel "
        "(the lake keeps every publication's snapshot)" in plan_lines(plan)
    )
    assert not any("lake" in line for line in plan_lines(replace(plan, lake=False)))

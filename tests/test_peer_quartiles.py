"""marts.peer_benchmark gives quartiles only to peer groups of at least min_peers_for_quartile() services."""

from datetime import date

import duckdb
import pytest

from assets.models.build import build_model
from assets.models.project import load_macros, load_models
from assets.project_files import SQL_DIR
from assets.warehouse import ensure_warehouse

MAY = date(2024, 5, 1)


def test_the_minimum_is_stated_once_and_the_docs_say_it():
    (statement,) = [s for name, s in load_macros(SQL_DIR).items() if name == "min_peers_for_quartile"]
    minimum = int(statement.rstrip(";").split(" as ")[-1])
    (model,) = [m for m in load_models(SQL_DIR) if m.table == "marts.peer_benchmark"]
    assert f"fewer than {minimum} services" in model.docs.columns["quartile"]
    assert f"at least {minimum}" in model.docs.description


def _benchmark(tmp_path, figures: dict[str, float]) -> list[tuple]:
    """Build marts.peer_benchmark alone over one kind, measure (higher is better) and month."""
    con = duckdb.connect(str(tmp_path / "peers.duckdb"))
    ensure_warehouse(con)  # the audit tables a build records in
    con.execute("create schema if not exists seeds; create schema if not exists marts")
    con.execute("create table seeds.joint_services (service_code varchar, service_kind varchar)")
    con.execute("create table seeds.measures (measure_code varchar, direction varchar)")
    con.execute("insert into seeds.measures values ('M', 'higher_is_better')")
    con.execute(
        "create table marts.fct_measure_period (service_code varchar, measure_code varchar, "
        "period date, assessed_actual double)"
    )
    for service, figure in figures.items():
        con.execute("insert into seeds.joint_services values (?, 'K')", [service])
        con.execute("insert into marts.fct_measure_period values (?, 'M', ?, ?)", [service, MAY, figure])
    (model,) = [m for m in load_models(SQL_DIR) if m.table == "marts.peer_benchmark"]
    build_model(con, model)
    found = con.execute(
        "select service_code, peer_rank, peers, quartile from marts.peer_benchmark "
        "order by peer_rank, service_code"
    ).fetchall()
    con.close()
    return found


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        # 3 peers (the demo's size): ranks, but no quartile
        ({"A": 90, "B": 80, "C": 70}, [("A", 1, 3, None), ("B", 2, 3, None), ("C", 3, 3, None)]),
        # 4 peers: one per quarter, the ceiling of 4 × rank ÷ 4
        (
            {"A": 90, "B": 80, "C": 70, "D": 60},
            [("A", 1, 4, 1), ("B", 2, 4, 2), ("C", 3, 4, 3), ("D", 4, 4, 4)],
        ),
        # 5 peers with a tie for 2nd:
        # ceil(4 × 1/5) = 1, ceil(4 × 2/5) = 2, ceil(4 × 4/5) = 4, ceil(4 × 5/5) = 4
        (
            {"A": 90, "B": 80, "C": 80, "D": 70, "E": 60},
            [("A", 1, 5, 1), ("B", 2, 5, 2), ("C", 2, 5, 2), ("D", 4, 5, 4), ("E", 5, 5, 4)],
        ),
    ],
)
def test_quartiles_only_with_enough_peers(tmp_path, figures, expected):
    assert _benchmark(tmp_path, figures) == expected

"""The marts' references (relationships tests of their .yml) are checked on each build, and can fail."""

import re

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.project_files import SQL_DIR
from assets.validate.reference_checks import Reference, dangling, mart_references, reference_check
from pipelines.definitions import build_definitions
from tests.conftest import settings_for


def test_every_relationships_test_of_the_marts_yml_is_a_reference_checked():
    # counted from the text of the .yml files, not through the reader under test
    written = {
        path.stem: len(re.findall(r"^\s*- relationships:", path.read_text(), re.M))
        for path in (SQL_DIR / "marts").glob("*.yml")
    }
    read = {mart: len(references) for mart, references in mart_references(SQL_DIR / "marts").items()}
    assert read == {mart: n for mart, n in written.items() if n}
    assert sum(read.values()) == 36


def test_the_nightly_job_checks_each_referring_mart_after_the_marts_it_refers_to(tmp_path):
    job = build_definitions(settings_for(tmp_path)).resolve_job_def("nightly")
    graph = job.asset_layer.asset_graph
    checks = {
        key.asset_key.path[-1]: key for key in graph.asset_check_keys if key.name == "references_resolve"
    }
    assert set(checks) == set(mart_references(SQL_DIR / "marts"))
    assert dg.AssetKey(["marts", "dim_measure"]) in graph.get(checks["fct_measure_period"]).parent_entity_keys


def _marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema marts")
    con.execute("create table marts.dim_partner as select * from (values ('P1'), ('P2')) as v(partner_code)")
    con.execute(
        "create table marts.fct as select * from (values ('P1', 1), ('P9', 2), ('P9', 3), (null, 4), "
        "('P0', 5)) as v(partner_code, n)"
    )


def test_a_dangling_code_is_counted_by_row_and_named():
    reference = Reference("fct", "partner_code", "dim_partner", "partner_code", "error")
    with duckdb.connect() as con:
        _marts(con)
        # by hand: P9 twice and P0 once are not partners; the empty code is not a reference
        assert dangling(con, reference) == (3, ["P0", "P9"])
        con.execute("insert into marts.dim_partner values ('P9'), ('P0')")
        assert dangling(con, reference) == (0, [])


def test_the_check_fails_as_an_error_and_says_which_codes(tmp_path):
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        _marts(con)
    check = reference_check("fct", [Reference("fct", "partner_code", "dim_partner", "partner_code", "error")])
    result = check(duckdb=DuckDBResource(database=str(database)))
    assert isinstance(result, dg.AssetCheckResult)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    dangling_codes = result.metadata["dangling"].value
    assert dangling_codes == {
        "marts.fct.partner_code -> marts.dim_partner.partner_code": {"rows": 3, "codes": ["P0", "P9"]}
    }

"""The marts' references (relationships tests of their .yml) are checked on each build, and can fail."""

import re
import shutil

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets.project_files import SQL_DIR
from assets.validate.reference_checks import Reference, dangling, mart_references, reference_result
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


def test_the_check_fails_as_an_error_and_says_which_codes():
    with duckdb.connect() as con:
        _marts(con)
        result = reference_result(
            con, "fct", [Reference("fct", "partner_code", "dim_partner", "partner_code", "error")]
        )
    assert result.asset_key == dg.AssetKey(["marts", "fct"]) and result.check_name == "references_resolve"
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    dangling_codes = result.metadata["dangling"].value
    assert dangling_codes == {
        "marts.fct.partner_code -> marts.dim_partner.partner_code": {"rows": 3, "codes": ["P0", "P9"]}
    }


def test_the_one_reference_step_checks_only_the_marts_a_run_selected(demo_run, tmp_path):
    settings, _, _ = demo_run
    database = tmp_path / "w.duckdb"
    shutil.copyfile(settings.warehouse, database)
    with duckdb.connect(str(database)) as con:  # a league row for a partner not in the dimension
        con.execute("update marts.partner_league set partner_code = 'NO-SUCH' where rowid = 0")
    job = build_definitions(settings_for(tmp_path)).resolve_job_def("nightly")
    selected = {
        dg.AssetCheckKey(dg.AssetKey(["marts", mart]), "references_resolve")
        for mart in ("partner_league", "fct_measure_period")
    }
    result = job.get_subset(asset_check_selection=selected).execute_in_process(
        resources={"duckdb": DuckDBResource(database=str(database))}, raise_on_error=False
    )
    evaluations = {e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {"partner_league", "fct_measure_period"}
    assert evaluations["fct_measure_period"].passed
    league = evaluations["partner_league"]
    assert not league.passed and league.severity == dg.AssetCheckSeverity.ERROR
    assert league.metadata["dangling"].value == {
        "marts.partner_league.partner_code -> marts.dim_partner.partner_code": {
            "rows": 1,
            "codes": ["NO-SUCH"],
        }
    }
    assert result.success  # a dangling code does not stop the run

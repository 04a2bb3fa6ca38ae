"""SQL model discovery: upstreams come from the SQL, and documentation must match the columns."""

import duckdb
import pytest

from assets.models.build import comment_table
from assets.models.project import (
    Documentation,
    SqlModel,
    build_order,
    load_models,
    upstream_tables,
)
from pipelines.settings import SQL_DIR


def test_upstreams_are_parsed_from_the_sql_and_ctes_are_not_tables():
    sql = """
        with outcomes as (select * from staging.stg_outcomes),
        joined as (select * from outcomes join seeds.measures using (measure_code))
        select * from joined
    """
    assert upstream_tables(sql) == (("seeds", "measures"), ("staging", "stg_outcomes"))


def test_unqualified_tables_are_refused():
    with pytest.raises(ValueError, match="schema-qualified: stg_outcomes"):
        upstream_tables("select * from stg_outcomes")


def test_every_model_has_documentation_and_builds_after_its_upstreams():
    models = load_models(SQL_DIR)
    assert {m.layer for m in models} == {"staging", "intermediate", "marts"}
    order = [m.table for m in build_order(models)]
    for model in models:
        for schema, table in model.upstream:
            if schema in ("staging", "intermediate", "marts"):
                assert order.index(f"{schema}.{table}") < order.index(model.table)
        assert model.docs.description, model.table


def test_documentation_that_does_not_match_the_columns_is_an_error():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t as select 1 as a, 2 as b")
    comment_table(con, "marts", "t", Documentation("A table.", {"a": "first", "b": "second"}))
    with pytest.raises(ValueError, match="undocumented: \\['b'\\], documented but absent: \\['c'\\]"):
        comment_table(con, "marts", "t", Documentation("A table.", {"a": "first", "c": "gone"}))


def test_a_cycle_between_models_is_reported():
    docs = Documentation("d", {})
    a = SqlModel("marts", "a", "", docs, (("marts", "b"),))
    b = SqlModel("marts", "b", "", docs, (("marts", "a"),))
    with pytest.raises(Exception, match="cycle"):
        build_order([a, b])

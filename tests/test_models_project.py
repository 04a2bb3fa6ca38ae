"""SQL model discovery: upstreams come from the SQL, and documentation must match the columns."""

import re

import duckdb
import pytest

from assets.contract import SUBMISSION_TYPES
from assets.models.build import comment_table
from assets.models.contract_sql import MACRO_TABLES
from assets.models.project import (
    COMMENT,
    Documentation,
    SqlModel,
    build_order,
    load_macros,
    load_models,
    macros_called,
    upstream_tables,
)
from assets.models.versions import PYTHON_MODELS, sql_versions
from assets.project_files import SQL_DIR
from assets.query import one_row
from assets.warehouse import PROVENANCE, SCHEMAS


def test_upstreams_are_parsed_from_the_sql_and_ctes_are_not_tables():
    sql = """
        with outcomes as (select * from staging.stg_outcomes),
        joined as (select * from outcomes join seeds.measures using (measure_code))
        select * from joined
    """
    assert upstream_tables(sql) == (("seeds", "measures"), ("staging", "stg_outcomes"))


def test_tables_read_in_subqueries_joins_and_unions_are_upstreams_and_a_broken_select_is_refused():
    sql = """
        select o.* from staging.stg_outcomes o
        left join (select * from seeds.measures where measure_code in (select code from seeds.codes)) m
            using (measure_code)
        where exists (select 1 from marts.fct_measure_period p where p.service_code = o.service_code)
        union all by name
        select * from intermediate.int_targets
    """
    assert upstream_tables(sql) == (
        ("intermediate", "int_targets"),
        ("marts", "fct_measure_period"),
        ("seeds", "codes"),
        ("seeds", "measures"),
        ("staging", "stg_outcomes"),
    )
    with pytest.raises(ValueError, match="cannot be parsed: .*syntax error"):
        upstream_tables("select * from staging.stg_outcomes where")


def test_unqualified_tables_are_refused():
    with pytest.raises(ValueError, match="schema-qualified: stg_outcomes"):
        upstream_tables("select * from stg_outcomes")


def test_every_model_has_documentation_and_builds_after_its_upstreams():
    models = load_models(SQL_DIR)
    assert {m.layer for m in models} == {"staging", "intermediate", "marts"}
    order = [m.table for m in build_order(models)]
    for model in models:
        for schema, table in model.upstream:
            if f"{schema}/{table}" in PYTHON_MODELS:  # built in Python (the SPC marts), by Dagster's order
                continue
            if schema in ("staging", "intermediate", "marts"):
                assert order.index(f"{schema}.{table}") < order.index(model.table)
        assert model.docs.description, model.table


def test_documentation_that_does_not_match_the_columns_is_an_error():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t as select 1 as a, 2 as b")
    comment_table(con, "marts", "t", Documentation("A partner's table.", {"a": "first", "b": "it's second"}))
    assert con.execute("select comment from duckdb_tables() where table_name = 't'").fetchone() == (
        "A partner's table.",
    )
    assert con.execute(
        "select column_name, comment from duckdb_columns() where table_name = 't' order by column_index"
    ).fetchall() == [("a", "first"), ("b", "it's second")]
    with pytest.raises(ValueError, match="undocumented: \\['b'\\], documented but absent: \\['c'\\]"):
        comment_table(con, "marts", "t", Documentation("A table.", {"a": "first", "c": "gone"}))


def test_a_cycle_between_models_is_reported():
    docs = Documentation("d", {})
    a = SqlModel("marts", "a", "", docs, (("marts", "b"),))
    b = SqlModel("marts", "b", "", docs, (("marts", "a"),))
    with pytest.raises(Exception, match="cycle"):
        build_order([a, b])


def test_a_model_calling_a_contract_union_reads_its_tables_and_a_cte_macro_reads_none():
    sql = """
        with submitted as (select * from validated.finance),
        history as (select * from submission_history('submitted', 'finance'))
        select * from received_rows() join history using (file_hash)
    """
    assert upstream_tables(sql) == (
        ("raw", "finance"),
        ("raw", "narratives"),
        ("raw", "outcomes"),
        ("raw", "targets"),
        ("raw", "workforce"),
        ("validated", "finance"),
    )


def test_a_model_creates_the_macros_it_calls_and_those_they_call_only():
    macros = {
        "ratio": "create or replace macro ratio(a, b) as a / nullif(b, 0);",
        "pct": "create or replace macro pct(a, b) as 100 * ratio(a, b);",
        "unused": "create or replace macro unused(a) as a;",
    }
    assert macros_called("select pct(x, y) from t  -- not unused(x)", macros) == (
        macros["ratio"] + "\n\n" + macros["pct"]
    )
    assert macros_called("select x from t", macros) == ""


def test_every_macro_is_documented_and_reads_no_table_unless_the_contract_says_which():
    for name, statement in load_macros(SQL_DIR).items():
        assert statement.startswith("--"), f"{name}: a macro needs a comment saying what it returns"
        body = COMMENT.sub("", statement)
        if name not in MACRO_TABLES:
            assert not re.search(rf"\b({'|'.join(SCHEMAS)})\.\w+", body), name


def test_the_contract_macros_state_the_python_contract():
    con = duckdb.connect()
    for statement in load_macros(SQL_DIR).values():
        if "query_table" not in statement and not any(f"{s}." in statement for s in SCHEMAS):
            con.execute(statement)
    types = [t for (t,) in con.execute("select submission_type from submission_types()").fetchall()]
    assert types == list(SUBMISSION_TYPES)
    for kind in SUBMISSION_TYPES.values():
        key, figures = one_row(
            con.execute("select submission_key(?), submission_figures(?)", [kind.name, kind.name])
        )
        assert (key, figures) == ([*kind.key, "period_grain"], list(kind.figures))


def test_the_provenance_the_histories_keep_is_the_warehouse_s_in_its_order():
    # the histories take it with columns(...): a name validated.<type> lacks would select nothing, silently
    con = duckdb.connect()
    con.execute(load_macros(SQL_DIR)["provenance_columns"])
    (named,) = one_row(con.execute("select provenance_columns()"))
    assert named == [name for name, _ in PROVENANCE if name != "file_partner_code"]


def test_a_model_version_changes_with_the_macros_and_functions_it_calls_only(tmp_path):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "plain.sql").write_text("select 1 as a")
    (tmp_path / "marts" / "summed.sql").write_text("select exact_sum(a) as a from marts.plain")
    (tmp_path / "marts" / "period.sql").write_text("select read_period('2024-03', null) as p")
    macros = (SQL_DIR / "macros.sql").read_text()
    (tmp_path / "macros.sql").write_text(macros)
    before = sql_versions(tmp_path)
    (tmp_path / "macros.sql").write_text(macros.replace("decimal(38, 10)", "decimal(38, 12)"))
    after = sql_versions(tmp_path)
    assert [key for key in before if before[key] != after[key]] == ["marts/summed"]
    parser = tmp_path / "parser.py"
    parser.write_text("# the period parser")
    with_parser = sql_versions(tmp_path, {"read_period": parser})
    parser.write_text("# the period parser, changed")
    changed = sql_versions(tmp_path, {"read_period": parser})
    assert [key for key in with_parser if with_parser[key] != changed[key]] == ["marts/period"]


def test_a_model_version_changes_with_how_it_is_built_by_month_not_with_its_description(tmp_path):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "m.sql").write_text("select period from seeds.calendar")

    def version(description: str, config: str) -> str:
        (tmp_path / "marts" / "m.yml").write_text(
            f"version: 2\nmodels:\n  - name: m\n    description: {description}\n{config}"
            "    columns:\n      - name: period\n        description: p\n        data_type: DATE\n"
        )
        return sql_versions(tmp_path)["marts/m"]

    by_month = "    config:\n      materialized: incremental\n      month_column: period\n"
    whole = version("d", "")
    assert version("another", "") == whole
    assert version("d", by_month) != whole
    assert version("d", by_month + "      lookback_months: 11\n") != version("d", by_month)
    reach = "      upstream_months: {seeds.calendar: '[period]'}\n"
    assert version("d", by_month + reach) != version("d", by_month)

"""One source for each model's contract: its `.yml` (dbt's syntax) generates the published contract and the
marts' grain checks, and what it declares holds on the demo warehouse."""

import json
from pathlib import Path

import duckdb
import pytest

from assets.models.model_yml import (
    KEY_OF_COLUMNS,
    DataTest,
    ModelSpec,
    ModelYmlError,
    read_model_spec,
    read_model_specs,
    read_seed_specs,
)
from assets.models.project import SEEDS_YML
from assets.models.published_contract import contract_text
from assets.project_files import PROJECT_EXPECTATIONS_DIR, PROJECT_ROOT, SQL_DIR
from assets.publish.assets import WAREHOUSE
from assets.query import one_row
from assets.validate.mart_suites import mart_suite_texts
from pipelines.definitions import defs

CONTRACT = PROJECT_ROOT / "docs" / "warehouse-contract.yml"
MARTS = read_model_specs(SQL_DIR / "marts")
# a key column that may be empty, with the reason: an employer pair compares one staff group, a pair of
# professions none
NULLABLE_KEY_COLUMNS = {("pay_parity", "staff_group_code")}


def test_the_published_contract_is_what_the_marts_yml_generate():
    """Fails when a mart's .yml changed without `joinedup contract --write`, or the file was edited."""
    assert CONTRACT.read_text(encoding="utf-8") == contract_text(SQL_DIR)


def test_the_mart_suites_are_what_the_marts_yml_generate():
    generated = mart_suite_texts(SQL_DIR / "marts", PROJECT_EXPECTATIONS_DIR)
    for path, text in generated.items():
        assert path.exists() and path.read_text(encoding="utf-8") == text, f"{path.name}: contract --write"
    suites = set(PROJECT_EXPECTATIONS_DIR.glob("mart_*.json"))
    assert suites == set(generated), "a mart suite without a mart .yml"


def test_every_mart_and_dimension_is_checked_and_published():
    documented = {spec.name for spec in MARTS}
    assert {"dim_joint_service", "dim_measure", "dim_partner"} <= documented
    # in the code location: each documented mart is built by an asset, checked by its suite, and
    # awaited by publication
    graph = defs().resolve_asset_graph()
    built = {key.path[1] for key in graph.materializable_asset_keys if key.path[0] == "marts"}
    assert built == documented
    checked = {k.asset_key.path[1] for k in graph.asset_check_keys if k.name == "mart_passes_suite"}
    assert checked == documented
    awaited = {key.path[1] for key in graph.get(WAREHOUSE).parent_keys if key.path[0] == "marts"}
    assert awaited == documented


@pytest.mark.parametrize("spec", MARTS, ids=lambda spec: spec.name)
def test_every_mart_checks_its_grain_unique_and_filled_in_on_each_run(spec):
    suite = json.loads((PROJECT_EXPECTATIONS_DIR / f"mart_{spec.name}.json").read_text())
    by_type: dict[str, list[dict]] = {}
    for expectation in suite["expectations"]:
        by_type.setdefault(expectation["type"], []).append(expectation)
    assert spec.key, f"{spec.name} declares no grain (a unique test)"
    # Great Expectations takes a key of one column only as expect_column_values_to_be_unique
    unique = [e["kwargs"]["column_list"] for e in by_type.get("expect_compound_columns_to_be_unique", [])]
    unique += [[e["kwargs"]["column"]] for e in by_type.get("expect_column_values_to_be_unique", [])]
    assert unique == [list(spec.key)]
    grain_rules = [e for e in suite["expectations"] if e["meta"]["rule"] == "keys_unique"]
    assert [e["severity"] for e in grain_rules] == ["critical"]
    filled = {
        e["kwargs"]["column"]
        for e in by_type.get("expect_column_values_to_not_be_null", [])
        if "row_condition" not in e["kwargs"]
    }
    assert set(spec.key) - filled == {c for m, c in NULLABLE_KEY_COLUMNS if m == spec.name}


@pytest.mark.parametrize("path", sorted(PROJECT_EXPECTATIONS_DIR.glob("mart_*.json")), ids=lambda p: p.stem)
def test_every_mart_suite_is_one_great_expectations_accepts(path):
    """Data Docs are built by Great Expectations from the suites: it must take each expectation as written."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(**json.loads(path.read_text()))
    assert len(suite.expectations) == len(json.loads(path.read_text())["expectations"])


def write_yml(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yml"
    path.write_text(text)
    return path


GOOD = """
models:
  - name: t
    description: A table.
    data_tests:
      - dbt_utils.unique_combination_of_columns:
          arguments:
            combination_of_columns: [a, b]
    columns:
      - name: a
        description: First.
        data_type: VARCHAR
        data_tests:
          - not_null
          - accepted_values:
              arguments:
                values: [x, y]
              config:
                severity: warn
      - name: b
        description: Second.
        data_type: DATE
        data_tests:
          - relationships:
              arguments:
                to: ref('u')
                field: b
"""


def test_a_model_yml_is_read_as_dbt_writes_it(tmp_path):
    spec = read_model_spec(write_yml(tmp_path, "t", GOOD))
    assert spec.key == ("a", "b")
    assert [(c.name, c.data_type) for c in spec.columns] == [("a", "VARCHAR"), ("b", "DATE")]
    assert [(t.kind, t.columns, t.severity) for t in spec.tests] == [
        ("dbt_utils.unique_combination_of_columns", ("a", "b"), "error"),
        ("not_null", ("a",), "error"),
        ("accepted_values", ("a",), "warn"),
        ("relationships", ("b",), "error"),
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("name: t", "name: other"), "the model is named 'other', the file 't'"),
        (
            ("        data_type: DATE\n", ""),
            "column 'b': every column needs a name, a description and a data_t",
        ),
        (("- not_null", "- not_empty"), "column 'a': unknown data test 'not_empty'"),
        (
            ("combination_of_columns: [a, b]", "combination_of_columns: [a, c]"),
            "data tests read columns the model does not document: \\['c'\\]",
        ),
        (("severity: warn", "severity: fatal"), "column 'a': severity 'fatal' is not one of error, warn"),
        (("field: b", "column: b"), "column 'b': relationships needs arguments.to and arguments.field"),
    ],
)
def test_a_model_yml_the_contract_cannot_read_is_refused_naming_the_file_and_column(tmp_path, edit, message):
    old, new = edit
    path = write_yml(tmp_path, "t", GOOD.replace(old, new, 1))
    with pytest.raises(ModelYmlError, match=message) as raised:
        read_model_spec(path)
    assert str(path) in str(raised.value)


def test_a_model_with_two_grains_has_none(tmp_path):
    spec = read_model_spec(write_yml(tmp_path, "t", GOOD.replace("- not_null", "- unique", 1)))
    with pytest.raises(ModelYmlError, match="more than one uniqueness test"):
        _ = spec.key


def model_specs() -> list[tuple[str, ModelSpec]]:
    return [
        (layer, spec)
        for layer in ("staging", "intermediate", "marts")
        for spec in read_model_specs(SQL_DIR / layer)
    ]


@pytest.mark.parametrize(("layer", "spec"), model_specs(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_every_model_of_every_layer_declares_its_grain(layer, spec):
    """The demo check below tests each declared grain; the marts' suites check theirs on every run."""
    assert spec.key, f"{layer}.{spec.name} declares no grain (a unique test)"


def test_every_model_keeps_its_declared_columns_and_types_in_the_demo_warehouse(demo_run):
    """The staging and intermediate models too: the published contract checks only the marts."""
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        for layer, spec in model_specs():
            built = con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where schema_name = ? and table_name = ? order by column_index",
                [layer, spec.name],
            ).fetchall()
            assert built == [(c.name, c.data_type) for c in spec.columns], f"{layer}.{spec.name}"


def test_no_model_keeps_a_count_as_hugeint():
    """A sum of BIGINTs is a HUGEINT, which DuckDB 1.4 stores bit-packed and reads back about 50x slower
    than a BIGINT (partner_data_quality's two sums cost each read of the mart 0.1 s at national scale);
    the test above holds the built warehouse to these declarations."""
    hugeint = [
        f"{layer}.{spec.name}.{column.name}"
        for layer, spec in model_specs()
        for column in spec.columns
        if column.data_type == "HUGEINT"
    ]
    assert hugeint == []


def test_the_seeds_keep_their_documented_columns_in_the_demo_warehouse(demo_run):
    """The seeds' types are their CSVs': only the columns' names and order are declared."""
    settings, _, _ = demo_run
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        for spec in read_seed_specs(SQL_DIR / "seeds" / SEEDS_YML):
            built = con.execute(
                "select column_name from duckdb_columns() "
                "where schema_name = 'seeds' and table_name = ? order by column_index",
                [spec.name],
            ).fetchall()
            assert [name for (name,) in built] == [c.name for c in spec.columns], f"seeds.{spec.name}"


def test_a_seeds_yml_is_read_as_dbt_writes_it_its_types_left_to_the_csv(tmp_path):
    path = tmp_path / SEEDS_YML
    path.write_text(GOOD.replace("models:", "seeds:").replace("        data_type: DATE\n", ""))
    (spec,) = read_seed_specs(path)
    assert (spec.key, [c.data_type for c in spec.columns]) == (("a", "b"), ["VARCHAR", ""])
    with pytest.raises(ModelYmlError, match="expected `seeds:`"):
        read_seed_specs(write_yml(tmp_path, "t", GOOD))


def failing_rows_sql(layer: str, spec: ModelSpec, test: DataTest) -> tuple[str, list]:
    """Return SQL counting the rows of `<layer>.<model>` that break a data test, as dbt compiles it."""
    table, columns = f'{layer}."{spec.name}"', [f'"{c}"' for c in test.columns]
    column = columns[0]
    if test.kind in ("unique", KEY_OF_COLUMNS):
        key = ", ".join(columns)
        return f"select count(*) from (select {key} from {table} group by all having count(*) > 1)", []
    if test.kind == "not_null":
        return f"select count(*) from {table} where {column} is null", []
    if test.kind == "accepted_values":
        return (
            f"select count(*) from {table} where {column} is not null and {column} not in (select unnest(?))",
            [test.arguments["values"]],
        )
    target = test.arguments["to"].split("'")[1]
    return (
        f"select count(*) from {table} where {column} is not null and {column} not in "
        f'(select "{test.arguments["field"]}" from {layer}."{target}")',
        [],
    )


def test_every_model_keeps_what_its_yml_declares_in_the_demo_warehouse(demo_run):
    """Grains, values and references of every layer and of the seeds; on each run the suites check only
    the marts'."""
    settings, _, _ = demo_run
    kinds = set()
    seeds = [("seeds", spec) for spec in read_seed_specs(SQL_DIR / "seeds" / SEEDS_YML)]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        for layer, spec in model_specs() + seeds:
            for test in spec.tests:
                sql, params = failing_rows_sql(layer, spec, test)
                found = con.execute(sql, params).fetchone()
                assert found == (0,), f"{layer}.{spec.name} {test.kind} on {', '.join(test.columns)}"
                kinds.add(test.kind)
    assert kinds == {"unique", KEY_OF_COLUMNS, "not_null", "accepted_values", "relationships"}


def test_a_broken_declaration_is_found_by_the_demo_check(tmp_path):
    """The check above can fail: a duplicate key, an empty key column, an unknown value, a dangling code."""
    spec = read_model_spec(write_yml(tmp_path, "t", GOOD))
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.u as select date '2024-01-01' as b")
        con.execute(
            "create table marts.t as select * from (values ('x', date '2024-01-01'), "
            "('x', date '2024-01-01'), (null, date '2024-02-01'), ('z', null)) as v(a, b)"
        )
        failing = {
            test.kind: one_row(con.execute(*failing_rows_sql("marts", spec, test)))[0] for test in spec.tests
        }
    assert failing == {KEY_OF_COLUMNS: 1, "not_null": 1, "accepted_values": 1, "relationships": 1}


def test_the_submission_types_partner_data_quality_accepts_are_the_contracts_monthly_types():
    """The mart keeps to monthly returns (from submission_types()); its .yml lists them for analysts."""
    from assets.contract import SUBMISSION_TYPES

    (spec,) = [spec for spec in MARTS if spec.name == "partner_data_quality"]
    (accepted,) = [t for t in spec.column_tests("submission_type") if t.kind == "accepted_values"]
    assert accepted.arguments["values"] == [
        name for name, kind in SUBMISSION_TYPES.items() if "month" in kind.grains
    ]

"""The suites compiled to SQL find what Great Expectations itself finds, row for row and count for count."""

import json
from datetime import date, datetime
from typing import Any

import duckdb
import polars as pl
import pytest

from assets.contract import SUBMISSION_TYPES
from assets.models.shipped import published_marts
from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.validate import suites
from assets.validate.mart_suites import mart_rows, mart_suite_name
from assets.validate.reference import suite_parameters, with_check_columns
from assets.validate.selection import rows_to_validate
from assets.validate.suite_sql import SuiteCompileError
from assets.validate.typing import FINDING_SCHEMA, cast_rows

RESULT_KEYS = (
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "missing_count",
    "partial_unexpected_list",
    "observed_value",
)


def ge_run(frame: pl.DataFrame, spec: dict, parameters: dict) -> tuple[pl.DataFrame, dict]:
    """Validate the whole frame with GE on pandas, as the pipeline did before: its findings and result."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    suite = context.suites.add(gx.ExpectationSuite(**json.loads(json.dumps(spec))))
    batch = (
        context.data_sources.add_pandas("frames")
        .add_dataframe_asset("frame")
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": frame.to_pandas()})
    )
    outcome = batch.validate(
        suite,
        expectation_parameters=parameters,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
    )
    rows = []
    for result in outcome.results:
        if result.success:
            continue
        config = result.expectation_config
        assert config is not None  # GE gives every result its expectation
        kwargs = config.kwargs
        columns = [
            *(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs),
            *kwargs.get("column_list", ()),
        ]
        base = {
            "column_name": config.meta.get("columns", ", ".join(columns)),
            "rule": config.meta["rule"],
            "severity": config.severity.value,
            "meaning": config.meta["meaning"],
        }
        indexed = result.result.get("unexpected_index_list")
        if not indexed:
            rows.append(base | {"row_id": None, "value": str(result.result.get("observed_value"))})
        rows += [
            base
            | {
                "row_id": int(row["row_id"]),
                "value": ", ".join(f"{c}={suites._text(row.get(c))}" for c in columns)
                if len(columns) > 1
                else suites._text(row.get(columns[0])),
            }
            for row in indexed or ()
        ]
    return pl.DataFrame(rows, schema=FINDING_SCHEMA), outcome.to_json_dict()


def _key(result: dict) -> str:
    config = result["expectation_config"]
    named = ("column", "column_A", "column_B", "column_list", "row_condition", "type_list")
    kwargs = {k: v for k, v in config["kwargs"].items() if k in named}
    return json.dumps([config["type"], config["meta"].get("rule"), kwargs], sort_keys=True)


def _plain(value: object) -> object:
    """GE writes a pair of datetimes in a sample as numpy does ('NaT', milliseconds): read them as such."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and value == "NaT":
        return None
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return datetime.fromisoformat(value)
    return value


def assert_same_as_ge(frame: pl.DataFrame, spec: dict, parameters: dict) -> None:
    sql = suites.run_suite(frame, spec, parameters)
    ge_findings, ge_result = ge_run(frame, spec, parameters)
    order = ["rule", "column_name", "row_id", "value"]
    assert sql.findings.sort(order, nulls_last=True).equals(ge_findings.sort(order, nulls_last=True))
    (stored,) = sql.results
    assert stored["statistics"] == ge_result["statistics"]
    ours = {_key(r): r for r in stored["results"]}
    assert len(ours) == len(stored["results"])
    for theirs in ge_result["results"]:
        mine = ours[_key(theirs)]
        assert mine["success"] == theirs["success"], _key(theirs)
        raised = theirs["exception_info"].get("raised_exception", bool(theirs["exception_info"]))
        assert mine["exception_info"]["raised_exception"] == raised, _key(theirs)
        for key in RESULT_KEYS:
            assert _plain(mine["result"].get(key)) == _plain(theirs["result"].get(key)), (_key(theirs), key)
    assert sql.expectations_failed == ge_result["statistics"]["unsuccessful_expectations"]
    assert_same_in_database(frame.sort("row_id"), spec, parameters)


def assert_same_in_database(frame: pl.DataFrame, spec: dict, parameters: dict) -> None:
    """The suite run where the rows are, in a DuckDB table, finds what it finds on the frame."""
    expected = suites.run_suite(frame, spec, parameters)
    with duckdb.connect() as con:
        con.execute("create table held as select * from frame")
        found = suites.run_suite_in_database(con, "held", spec, parameters)
    assert found.findings.equals(expected.findings)
    assert found.results == expected.results
    assert (found.rows_validated, found.expectations_failed) == (
        expected.rows_validated,
        expected.expectations_failed,
    )


def expectation(kind: str, rule: str, severity: str = "critical", **kwargs) -> dict:
    return {
        "type": f"expect_{kind}",
        "kwargs": kwargs,
        "meta": {"rule": rule, "meaning": f"{rule} holds"},
        "severity": severity,
    }


UNIT_PERCENT = {"type": "comparison", "column": {"name": "unit"}, "operator": "==", "parameter": "percent"}
CRAFTED: dict[str, Any] = {
    "name": "crafted",
    "expectations": [
        expectation("column_values_to_not_be_null", "required", column="x"),
        expectation(
            "column_values_to_not_be_null",
            "required_when_rated",
            column="n",
            row_condition={
                "type": "comparison",
                "column": {"name": "kind"},
                "operator": "IN",
                "parameter": ["rate", "both"],
            },
        ),
        expectation(
            "column_values_to_be_null",
            "hidden",
            column="x",
            row_condition={
                "type": "comparison",
                "column": {"name": "hidden"},
                "operator": "==",
                "parameter": True,
            },
        ),
        expectation("column_values_to_be_in_set", "known", column="code", value_set={"$PARAMETER": "codes"}),
        expectation(
            "column_values_to_be_in_set",
            "flag_false",
            column="hidden",
            value_set=[False],
            row_condition={
                "type": "comparison",
                "column": {"name": "kind"},
                "operator": "!=",
                "parameter": "count",
            },
        ),
        expectation("column_values_to_be_in_set", "quartile", column="quartile", value_set=[1, 2, 3, 4]),
        expectation(
            "column_values_to_be_between",
            "percent",
            column="x",
            min_value=0.0,
            max_value=100.0,
            row_condition=UNIT_PERCENT,
        ),
        expectation(
            "column_values_to_be_between", "positive", "warning", column="x", min_value=0.0, strict_min=True
        ),
        expectation("column_values_to_be_between", "below", column="n", max_value=10, strict_max=True),
        expectation("column_values_to_be_between", "rank", column="quartile", min_value=1),
        expectation(
            "column_values_to_be_between",
            "when_x_given",
            column="n",
            min_value=0,
            max_value=10,
            row_condition={"type": "nullity", "column": {"name": "x"}, "is_null": False},
        ),
        expectation("column_values_to_be_in_type_list", "typed_float", column="x", type_list=["float64"]),
        expectation("column_values_to_be_in_type_list", "typed_text", column="code", type_list=["float64"]),
        expectation(
            "column_values_to_be_in_type_list", "typed_int", column="quartile", type_list=["float64"]
        ),
        expectation("column_values_to_be_in_type_list", "typed_count", column="count", type_list=["float64"]),
        expectation(
            "column_values_to_be_in_type_list",
            "typed_date",
            column="period",
            type_list=["datetime64[ms]", "datetime64[us]", "datetime64[ns]"],
        ),
        expectation(
            "column_pair_values_a_to_be_greater_than_b", "ge_both", column_A="d", column_B="n", or_equal=True
        ),
        expectation(
            "column_pair_values_a_to_be_greater_than_b",
            "gt_either",
            column_A="d",
            column_B="n",
            ignore_row_if="either_value_is_missing",
        ),
        expectation(
            "column_pair_values_a_to_be_greater_than_b",
            "ge_neither",
            column_A="d",
            column_B="n",
            or_equal=True,
            ignore_row_if="neither",
        ),
        expectation(
            "column_pair_values_a_to_be_greater_than_b",
            "not_future",
            column_A="submitted",
            column_B="period",
            or_equal=True,
            row_condition=UNIT_PERCENT,
        ),
        expectation("column_pair_values_to_be_equal", "same_code", column_A="code", column_B="file_code"),
        expectation(
            "column_pair_values_to_be_equal",
            "same_code_either",
            column_A="code",
            column_B="file_code",
            ignore_row_if="either_value_is_missing",
        ),
        expectation("column_values_to_be_unique", "code_unique", column="code"),
        expectation("column_values_to_be_unique", "n_unique", column="n"),
        expectation("compound_columns_to_be_unique", "keys_unique", column_list=["code", "period"]),
        expectation(
            "compound_columns_to_be_unique",
            "keys_unique_any",
            column_list=["code", "n"],
            ignore_row_if="any_value_is_missing",
        ),
    ],
}


def crafted_frame() -> pl.DataFrame:
    nan = float("nan")
    return pl.DataFrame(
        {
            "row_id": list(range(12)),
            "x": [0.0, 100.0, 100.5, -0.1, None, 50.0, nan, 1e-05, 1e16, 3.25, 0.0, 7.0],
            "n": [1.0, None, 10.0, 9.999, 2.0, None, 3.0, 4.0, -1.0, None, 5.0, 5.0],
            "d": [1.0, 2.0, None, 9.999, 1.5, None, 3.0, 4.0, -1.0, 8.0, nan, 5.0],
            "kind": [
                "rate",
                "rate",
                "count",
                "both",
                None,
                "rate",
                "count",
                "rate",
                "both",
                "rate",
                "count",
                None,
            ],
            "unit": [
                "percent",
                "count",
                "percent",
                "percent",
                "percent",
                None,
                "percent",
                "count",
                "percent",
                "percent",
                "count",
                "percent",
            ],
            "hidden": [True, False, None, True, False, False, True, None, False, False, True, False],
            "code": ["A", "B", "Z", None, "A", "B", "C", "A", None, "A", "B", "A"],
            "file_code": ["A", "A", "Z", None, None, "B", "C", "A", "X", "A", "B", "A"],
            "quartile": [1, 2, 5, None, 4, 0, 3, 2, 1, 4, 3, 2],
            "count": list(range(12)),
            "period": [date(2024, m, 1) for m in (1, 2, 3, 4, 1, 5, 6, 1, 7, 8, 9, 1)],
            "submitted": [datetime(2024, 3, 1), datetime(2024, 3, 1, 12), None, datetime(2024, 2, 1)] * 3,
        },
        strict=False,
    )


def test_crafted_frame_hits_every_expectation_type_as_ge_does():
    frame = crafted_frame()
    used = {
        e["type"]
        for p in PROJECT_EXPECTATIONS_DIR.glob("*.json")
        for e in json.loads(p.read_text())["expectations"]
    }
    assert {e["type"] for e in CRAFTED["expectations"]} >= used
    assert_same_as_ge(frame, CRAFTED, {"codes": ["A", "B", "C"]})


def test_an_empty_value_set_and_a_text_figure_are_judged_as_ge_judges_them():
    frame = crafted_frame().with_columns(pl.col("x").cast(pl.String))
    assert_same_as_ge(frame, CRAFTED, {"codes": []})


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"type": "expect_column_values_to_match_regex"}, "does not know this expectation type"),
        ({"kwargs": {"column": "x", "parse_strings_as_datetimes": True}}, "parse_strings_as_datetimes"),
        (
            {"kwargs": {"column": "x", "row_condition": "x > 1", "condition_parser": "pandas"}},
            "condition_parser",
        ),
        (
            {"kwargs": {"column": "x", "row_condition": {"type": "like", "column": {"name": "x"}}}},
            "row_condition",
        ),
    ],
)
def test_an_expectation_the_compiler_does_not_know_is_an_error_naming_it(change, problem):
    odd = {**expectation("column_values_to_not_be_null", "odd_rule", column="x"), **change}
    spec = {
        "name": "odd",
        "expectations": [expectation("column_values_to_not_be_null", "required", column="x"), odd],
    }
    with pytest.raises(SuiteCompileError, match=r"suite odd, expectation 2 \(.*odd_rule\).*") as raised:
        suites.run_suite(crafted_frame(), spec, {})
    assert problem in str(raised.value)


def damaged(frame: pl.DataFrame) -> pl.DataFrame:
    """Break rows: a null, a negative figure or a copied row, so that most rules have something to find."""
    numbers = [c for c, t in frame.schema.items() if t.is_numeric() and c != "row_id"]
    broken = frame.with_columns(
        *(
            pl.when(pl.col("row_id") % 7 == i % 7).then(None).otherwise(pl.col(c)).alias(c)
            for i, c in enumerate(frame.columns)
            if c != "row_id"
        )
    ).with_columns(
        *(
            pl.when(pl.col("row_id") % 11 == i % 11).then(-pl.col(c) - 1).otherwise(pl.col(c)).alias(c)
            for i, c in enumerate(numbers)
        )
    )
    copies = broken.filter(pl.col("row_id") % 13 == 0).with_columns(pl.col("row_id") + broken.height)
    return pl.concat([frame, broken.with_columns(pl.col("row_id") + 2 * frame.height), copies])


@pytest.fixture(scope="module")
def demo_frames(demo_run) -> dict[str, tuple[pl.DataFrame, dict]]:
    """Every suite's frame from the demo warehouse (all submission rows, every mart), with parameters."""
    settings, _, _ = demo_run
    frames = {}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        parameters = suite_parameters(con)
        units = con.execute("select measure_code, unit from seeds.measures").pl()
        for kind in SUBMISSION_TYPES.values():
            with rows_to_validate(con, kind, (date(1900, 1, 1), date(2100, 1, 1))) as selection:
                raw = pl.concat(selection.read(part) for part in selection.parts)
            typed, _ = cast_rows(raw.drop("is_new", "month"), kind, units)
            frames[f"submission_{kind.name}"] = (with_check_columns(typed, con, kind), parameters)
        for mart in published_marts():
            frames[mart_suite_name(mart)] = (con.execute(f"select * from ({mart_rows(mart)})").pl(), {})
    return frames


@pytest.mark.parametrize("suite", sorted(p.stem for p in PROJECT_EXPECTATIONS_DIR.glob("*.json")))
def test_every_suite_finds_on_demo_data_what_ge_finds(suite, demo_frames):
    frame, parameters = demo_frames[suite]
    spec = json.loads((PROJECT_EXPECTATIONS_DIR / f"{suite}.json").read_text())
    assert frame.height > 0
    assert_same_as_ge(damaged(frame), spec, parameters)

"""Models built by month: a build replaces only the months whose upstream rows changed, and the table it
leaves is the one a whole build gives."""

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.models.assets import model_asset
from assets.models.build import build_model, changed_months, month_digests, months_reached
from assets.models.model_yml import ModelYmlError, read_model_spec
from assets.models.project import SqlModel, build_order, load_models
from assets.project_files import SQL_DIR
from assets.query import one_row
from tests.conftest import model_resources
from tests.sql_fixtures import FEB, JAN, build_hand_made_warehouse, build_models

MODELS = {m.table: m for m in build_order(load_models(SQL_DIR))}
BY_MONTH = [m for m in MODELS.values() if m.month_column]


def _differing_rows(con: duckdb.DuckDBPyConnection, model: SqlModel) -> int:
    """Rows in the model's table and not in its SQL evaluated whole, and the other way round."""
    con.execute(model.macros)  # in_build_months: every month
    whole = f"select * from ({model.sql})"
    return sum(
        one_row(con.execute(f"select count(*) from ({a} except all {b})"))[0]
        for a, b in ((whole, f"select * from {model.table}"), (f"select * from {model.table}", whole))
    )


def _change_outcomes_of_february_and_workforce_of_january(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("update validated.outcomes set comment = 'restated' where period = ?", [FEB])
    # a later file resubmitting one January figure, and a January staffing row gone (revalidated out)
    con.execute(
        "insert into validated.outcomes select * replace ('g' as file_hash, 'g.csv' as file_name, "
        "submitted_on + 1 as submitted_on, numerator + 2 as numerator) from validated.outcomes "
        "where period = ? order by partner_code, service_code, measure_code limit 1",
        [JAN],
    )
    con.execute("delete from validated.workforce where rowid = (select min(rowid) from validated.workforce)")


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return build_hand_made_warehouse(tmp_path / "w.duckdb")


def test_the_staging_models_and_those_reading_months_alike_are_built_by_month():
    month_local = {
        "intermediate.int_measure_actuals",
        "intermediate.int_service_costs",
        "intermediate.int_service_outputs",
        "intermediate.int_workforce_allocated",
        "marts.pay_parity",
        "marts.peer_benchmark",
    }
    workforce = {f"marts.fct_workforce_{grain}period" for grain in ("", "service_", "partnership_")}
    rolling_12_months = workforce | {"marts.fct_measure_period"}  # year to date, too
    staging = {
        f"staging.stg_{kind}{suffix}"
        for kind in ("outcomes", "workforce", "finance", "targets", "narratives")
        for suffix in ("", "_history")
    }
    assert {m.table for m in BY_MONTH} == staging | month_local | rolling_12_months
    assert all(m.month_column == "period" and "in_build_months(period)" in m.sql for m in BY_MONTH)
    assert {m.table for m in BY_MONTH if m.lookback_months} == rolling_12_months
    assert {m.lookback_months for m in BY_MONTH} == {0, 11}


def test_a_changed_month_reaches_the_months_after_it_that_read_it(warehouse):
    """A change to January's workforce rebuilds January alone where a row reads its own month, and the
    12 months from January where turnover reads the 12 months to a row's own."""
    _change_outcomes_of_february_and_workforce_of_january(warehouse)
    allocated = MODELS["intermediate.int_workforce_allocated"]
    build_model(warehouse, MODELS["staging.stg_workforce_history"])
    build_model(warehouse, MODELS["staging.stg_workforce"])
    assert changed_months(warehouse, allocated, month_digests(warehouse, allocated)) == [JAN]
    build_model(warehouse, allocated)
    year = [date(2024, month, 1) for month in range(1, 13)]
    for table, reached in (("marts.pay_parity", [JAN]), ("marts.fct_workforce_period", year)):
        model = MODELS[table]
        digests = month_digests(warehouse, model)
        changed = changed_months(warehouse, model, digests)
        assert changed == [JAN], table
        assert months_reached(warehouse, model, changed, digests) == reached, table
    # of 24 months held, a change in March 2024 reaches March 2024 to February 2025
    held = {month: "" for month in year + [date(2025, month, 1) for month in range(1, 13)]}
    assert months_reached(warehouse, MODELS["marts.fct_workforce_period"], [date(2024, 3, 1)], held) == (
        year[2:] + [date(2025, 1, 1), date(2025, 2, 1)]
    )


def test_the_materialization_says_which_months_were_rebuilt(warehouse, tmp_path):
    """In Dagster, each model built by month lists the months whose rows its build replaced."""
    _change_outcomes_of_february_and_workforce_of_january(warehouse)
    warehouse.close()
    keys = ["staging/stg_outcomes_history", "staging/stg_outcomes", "staging/stg_finance"]
    result = dg.materialize(
        [model_asset(MODELS[key.replace("/", ".")]) for key in keys],
        resources=model_resources(tmp_path / "w.duckdb"),
    )
    assert result.success
    rebuilt = {
        key: materialization.metadata["months_rebuilt"].value
        for key in keys
        for materialization in result.asset_materializations_for_node(key.replace("/", "__"))
    }
    assert rebuilt == {keys[0]: ["2024-01", "2024-02"], keys[1]: ["2024-01", "2024-02"], keys[2]: []}


def test_a_changed_seed_reaches_every_month(warehouse):
    actuals = MODELS["intermediate.int_measure_actuals"]
    warehouse.execute("update seeds.measures set unit = unit")
    assert changed_months(warehouse, actuals, month_digests(warehouse, actuals)) == []
    warehouse.execute("update seeds.measures set unit = 'per 1,000' where rowid = 0")
    assert changed_months(warehouse, actuals, month_digests(warehouse, actuals)) == [JAN, FEB]
    build_model(warehouse, actuals)
    assert _differing_rows(warehouse, actuals) == 0


def test_only_the_months_whose_upstream_rows_changed_are_due(warehouse):
    history, workforce = MODELS["staging.stg_outcomes_history"], MODELS["staging.stg_workforce_history"]
    assert changed_months(warehouse, history, month_digests(warehouse, history)) == []
    _change_outcomes_of_february_and_workforce_of_january(warehouse)
    assert changed_months(warehouse, history, month_digests(warehouse, history)) == [JAN, FEB]
    assert changed_months(warehouse, workforce, month_digests(warehouse, workforce)) == [JAN]
    # a model built by other code is built whole
    warehouse.execute("update audit.model_months set version = 'older' where model = ?", [history.key])
    assert changed_months(warehouse, history, month_digests(warehouse, history)) is None


def test_a_build_by_month_leaves_what_a_whole_build_gives_and_every_model_after_it_too(warehouse, tmp_path):
    _change_outcomes_of_february_and_workforce_of_january(warehouse)
    (before,) = one_row(warehouse.execute("select max(built_at) from audit.model_months"))
    build_models(warehouse)
    rebuilt = dict(
        warehouse.execute(
            "select model, list(period_month order by period_month) from audit.model_months "
            "where built_at > ? group by model",
            [before],
        ).fetchall()
    )
    # outcomes changed in both months the fixture has; January's one staffing row is gone, so January is
    # replaced by nothing in the workforce models, and the 11 months after it are rebuilt where turnover
    # reads it
    for key in ("staging/stg_outcomes", "intermediate/int_measure_actuals", "marts/fct_measure_period"):
        assert rebuilt[key] == [JAN, FEB], key
    assert rebuilt["marts/fct_workforce_partnership_period"] == [date(2024, m, 1) for m in range(2, 13)]
    assert not rebuilt.keys() & {
        "staging/stg_workforce",
        "marts/pay_parity",
        "staging/stg_finance",
        "intermediate/int_service_costs",
    }
    for model in BY_MONTH:
        assert _differing_rows(warehouse, model) == 0, model.table
    (resubmitted,) = one_row(
        warehouse.execute("select count(*) from staging.stg_outcomes where file_name = 'g.csv'")
    )
    assert resubmitted == 1
    # the same inputs and changes, every model built whole (no month recorded as built)
    whole = build_hand_made_warehouse(tmp_path / "whole.duckdb")
    _change_outcomes_of_february_and_workforce_of_january(whole)
    whole.execute("delete from audit.model_months")
    build_models(whole)
    whole.close()
    warehouse.execute(f"attach '{tmp_path / 'whole.duckdb'}' as whole (read_only)")
    for model in MODELS.values():
        table = f'"{model.layer}"."{model.name}"'
        (differing,) = one_row(
            warehouse.execute(
                f"select count(*) from ((from {table} except all from whole.{table}) "
                f"union all (from whole.{table} except all from {table}))"
            )
        )
        assert differing == 0, model.table


def test_the_build_leaves_in_build_months_reading_every_month(warehouse):
    _change_outcomes_of_february_and_workforce_of_january(warehouse)
    build_model(warehouse, MODELS["staging.stg_outcomes_history"])
    assert one_row(warehouse.execute("select in_build_months(date '1990-01-01')")) == (True,)


def test_a_model_with_no_recorded_months_is_built_whole(warehouse):
    history = MODELS["staging.stg_outcomes_history"]
    warehouse.execute("delete from audit.model_months where model = ?", [history.key])
    assert changed_months(warehouse, history, month_digests(warehouse, history)) is None
    build_model(warehouse, history)
    assert _differing_rows(warehouse, history) == 0
    assert changed_months(warehouse, history, month_digests(warehouse, history)) == []


@pytest.mark.parametrize(
    "config",
    [
        "materialized: incremental",
        "materialized: incremental\n      month_column: no_such_column",
        "materialized: view",
        "month_column: period",
        "lookback_months: 11",
        "materialized: incremental\n      month_column: period\n      lookback_months: -1",
        "materialized: incremental\n      month_column: period\n      lookback_months: twelve",
    ],
)
def test_a_config_not_understood_is_refused(tmp_path, config):
    path = tmp_path / "m.yml"
    path.write_text(
        "version: 2\nmodels:\n  - name: m\n    description: d\n    config:\n      "
        + config
        + "\n    columns:\n      - name: period\n        description: p\n        data_type: DATE\n"
    )
    with pytest.raises(ModelYmlError, match="config takes materialized"):
        read_model_spec(path)

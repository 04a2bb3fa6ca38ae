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
from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate
from tests.sql_fixtures import FEB, JAN, SEEDS, build_hand_made_warehouse, build_models, build_warehouse

MODELS = {m.table: m for m in build_order(load_models(SQL_DIR))}
MAR = date(2024, 3, 1)
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
        "marts.accountability",
    }
    workforce = {f"marts.fct_workforce_{grain}period" for grain in ("", "service_", "partnership_")}
    rolling_12_months = workforce | {"marts.fct_measure_period"}  # year to date, too
    staging = {
        f"staging.stg_{kind}{suffix}"
        for kind in ("outcomes", "workforce", "finance", "targets", "narratives")
        for suffix in ("", "_history")
    }
    # reads each file's verdict in the months the file covers, and a held-back row in held_back_month
    files_by_month = {"marts.partner_data_quality"}
    assert {m.table for m in BY_MONTH} == staging | month_local | rolling_12_months | files_by_month
    # and these read held-back rows with no month in none
    assert {m.table for m in BY_MONTH if m.upstream_months} == files_by_month | {"marts.fct_measure_period"}
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
    for key in (
        "staging/stg_outcomes",
        "intermediate/int_measure_actuals",
        "marts/fct_measure_period",
        "marts/accountability",
    ):
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


def test_the_data_quality_mart_rebuilds_the_months_a_new_file_covers(tmp_path):
    """After the first build (whole), a row held back for a month that cannot be read rebuilds the month
    before its file was sent; a file of two months rebuilds both; a resubmission, its month: each
    leaving what a whole build gives. The measures' mart, which reads no held-back row without a month,
    rebuilds the months the new figures reach."""
    con = build_warehouse(tmp_path / "w.duckdb", SEEDS, {})
    quality, measures = MODELS["marts.partner_data_quality"], MODELS["marts.fct_measure_period"]
    nights = [
        {
            "P1_20240215.csv": "P1,S1,OUT,2024-01,,,100,\n",
            "P1_20240320.csv": "P1,S1,OUT,2024-02,,,110,\n",
            "P1_20240419.csv": "P1,S1,OUT,2024-03,,,120,\n",
            "P2_20240216.csv": "P2,S1,RATE,2024-01,30,40,,\n",
        },
        {
            "P3_20240312.csv": "P3,S2,OUT,sometime,,,5,\n",  # held back: counts against February
            "P2_20240410.csv": "P2,S1,RATE,2024-02,30,40,,\nP2,S1,RATE,2024-03,30,40,,\n",
        },
        {"P1_20240425.csv": "P1,S1,OUT,2024-01,,,101,\n"},  # January restated
    ]
    rebuilt: dict[str, list[list[date]]] = {quality.key: [], measures.key: []}
    for files in nights:
        for name, body in files.items():
            drop(tmp_path / "inbox", "outcomes", name, OUTCOMES_HEADER + body)
        ingest_and_validate(con, tmp_path, "outcomes")
        build_models(con)
        for model in (quality, measures):
            (months,) = one_row(
                con.execute(
                    "select list(period_month order by period_month) from audit.model_months "
                    "where model = $m and built_at = (select max(built_at) from audit.model_months "
                    "where model = $m)",
                    {"m": model.key},
                )
            )
            rebuilt[model.key].append(months)
            assert _differing_rows(con, model) == 0, model.key
    assert rebuilt[quality.key] == [[JAN, FEB, MAR], [FEB, MAR], [JAN]]
    # a restated January reaches the 11 months after it that read it (here February and March)
    assert rebuilt[measures.key] == [[JAN, FEB, MAR], [FEB, MAR], [JAN, FEB, MAR]]
    figures = con.execute(
        "select partner_code, period, rows_received - rows_passed, returns_received, days_after_deadline, "
        "restated_keys from marts.partner_data_quality where submission_type = 'outcomes' and "
        "(partner_code, period) in (('P3', date '2024-02-01'), ('P2', date '2024-02-01'), "
        "('P2', date '2024-03-01'), ('P1', date '2024-01-01')) order by all"
    ).fetchall()
    # P2's file is due by its last month's deadline (19 April): 9 days early for both months; a row whose
    # month cannot be read counts as held back, not as the month's return received
    assert figures == [
        ("P1", JAN, 0, 1, -6, 1),
        ("P2", FEB, 0, 1, -9, 0),
        ("P2", MAR, 0, 1, -9, 0),
        ("P3", FEB, 1, 0, None, 0),
    ]


def test_upstream_months_must_name_a_table_the_model_reads(tmp_path):
    sql_dir = tmp_path / "sql"
    (sql_dir / "marts").mkdir(parents=True)
    (sql_dir / "marts" / "m.sql").write_text("select period from seeds.calendar")
    (sql_dir / "marts" / "m.yml").write_text(
        "version: 2\nmodels:\n  - name: m\n    description: d\n    config:\n"
        "      materialized: incremental\n      month_column: period\n"
        "      upstream_months: {seeds.other: '[period]'}\n"
        "    columns:\n      - name: period\n        description: p\n        data_type: DATE\n"
    )
    with pytest.raises(ValueError, match=r"tables the model does not read: \['seeds.other'\]"):
        load_models(sql_dir)


def test_a_table_config_with_other_dbt_settings_is_built_whole(tmp_path):
    path = tmp_path / "m.yml"
    path.write_text(
        "version: 2\nmodels:\n  - name: m\n    description: d\n    config:\n      materialized: table\n"
        "      tags: [nightly]\n    columns:\n      - name: period\n        description: p\n"
        "        data_type: DATE\n"
    )
    spec = read_model_spec(path)
    assert (spec.month_column, spec.lookback_months, spec.upstream_months) == (None, 0, ())


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
        *(
            "materialized: incremental\n      month_column: period\n      upstream_months: " + reach
            for reach in ("[seeds.calendar]", "{calendar: '[period]'}", "{seeds.calendar: ''}")
        ),
        "materialized: table\n      upstream_months: {seeds.calendar: '[period]'}",
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

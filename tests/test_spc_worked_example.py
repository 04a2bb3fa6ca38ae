"""The worked examples of docs/metrics.md's SPC section, run through the `measure_spc` asset as the nightly
job runs it (from `marts.fct_measure_period` and the seeds to the two marts), every figure worked by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from assets.forecast.mart import SCHEMA as FORECAST_SCHEMA
from assets.models.spc_assets import measure_spc_asset
from assets.project_files import PROJECT_ROOT
from assets.publish.service_charts import limits_note
from assets.publish.spc_series import load_spc_series
from assets.warehouse import ensure_warehouse
from tests.conftest import model_resources

METRICS = (PROJECT_ROOT / "docs" / "metrics.md").read_text("utf-8")
MONTHS = [dt.date(2024, m, 1) for m in range(1, 13)] + [dt.date(2025, m, 1) for m in range(1, 4)]

# the documented example: 12 months of a higher-is-better measure, target 12
EXAMPLE = [10, 12, 10, 12, 20, 5, 6, 7, 8, 9, 10, 11]
# the documented case without limits: 14 equal months and one different
FLAT = [10] * 14 + [12]
SERIES = {  # service -> measure, values, target in every month but the last, target in the last month
    "EX": ("UP", EXAMPLE, 12.0, 12.0),
    "EX-LOW": ("DOWN", EXAMPLE, 12.0, 12.0),
    "EX-NO-TARGET": ("UP", EXAMPLE, 12.0, None),
    "FLAT": ("UP", FLAT, 12.0, 12.0),
}


def _warehouse(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        ensure_warehouse(con)
        con.execute(
            "create table marts.fct_measure_period (service_code varchar, measure_code varchar, "
            "period date, actual double, target double)"
        )
        con.execute("create table seeds.measures (measure_code varchar, direction varchar)")
        con.execute(
            "insert into seeds.measures values ('UP', 'higher_is_better'), ('DOWN', 'lower_is_better')"
        )
        con.execute(
            "create table seeds.spc_rebases (service_code varchar, measure_code varchar, "
            "first_period varchar, reason varchar)"
        )
        # no forecasts: the charts' series read the mart, empty here
        con.register("no_forecasts", pl.DataFrame(schema=FORECAST_SCHEMA).to_arrow())
        con.execute("create table marts.fct_measure_forecast as select * from no_forecasts")
        for service, (measure, values, target, last_target) in SERIES.items():
            con.executemany(
                "insert into marts.fct_measure_period values (?, ?, ?, ?, ?)",
                [
                    (service, measure, MONTHS[i], value, last_target if i == len(values) - 1 else target)
                    for i, value in enumerate(values)
                ],
            )


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    path = tmp_path_factory.mktemp("spc") / "warehouse.duckdb"
    _warehouse(path)
    assert dg.materialize([measure_spc_asset()], resources=model_resources(path)).success
    with duckdb.connect(str(path), read_only=True) as con:
        points = {
            service: con.execute(
                "select * from marts.fct_measure_spc where service_code = ? order by period", [service]
            ).pl()
            for service in SERIES
        }
        status = {
            row[0]: row
            for row in con.execute(
                "select service_code, latest_period, latest_value, variation, latest_target, assurance "
                "from marts.measure_spc_status"
            ).fetchall()
        }
        series = load_spc_series(con)
    return points, status, series


def test_the_documented_values_are_the_ones_tested():
    assert "values 10, 12, 10, 12, 20, 5, 6, 7, 8, 9, 10, 11" in METRICS
    assert "14 months of 10, then 12" in METRICS


def test_limits_of_the_worked_example(marts):
    # moving ranges 2, 2, 2, 8, 15, 1, 1, 1, 1, 1, 1: mean 35 / 11 = 3.18; screen 3.267 x 3.18 = 10.39 leaves
    # out 15; mean moving range (2 + 2 + 2 + 8 + 6 x 1) / 10 = 2; mean 120 / 12 = 10;
    # limits 10 +/- 2.66 x 2 = 15.32 and 4.68; near-limit lines 10 +/- 1.7733 x 2 = 13.5467 and 6.4533
    points = marts[0]["EX"]
    assert points["moving_range"].to_list() == [None, 2, 2, 2, 8, 15, 1, 1, 1, 1, 1, 1]
    assert points["limits_status"].unique().to_list() == ["limits set"]
    row = points.row(0, named=True)
    assert row["mean"] == pytest.approx(10)
    assert (row["upper_limit"], row["lower_limit"]) == (pytest.approx(15.32), pytest.approx(4.68))
    assert (row["upper_near"], row["lower_near"]) == (
        pytest.approx(13.5467, abs=1e-4),
        pytest.approx(6.4533, abs=1e-4),
    )


def test_rules_and_point_types_of_the_worked_example(marts):
    points = marts[0]["EX"]
    # 20 is above 15.32; 5 and 6 are below 6.4533 (7 is not) and with 7 make three below the mean;
    # 5 ... 11 rise seven times running; no seven on one side (the 10s lie on the mean)
    assert points["outside_limits"].to_list() == [False] * 4 + [True] + [False] * 7
    assert points["two_in_three"].to_list() == [False] * 5 + [True, True] + [False] * 5
    assert points["trend"].to_list() == [False] * 5 + [True] * 7
    assert points["shift"].to_list() == [False] * 12
    # the rising trend is improvement all along, below the mean (5 ... 9) and on it (10) too
    assert points["point_type"].to_list() == ["common cause"] * 4 + ["special cause improvement"] * 8
    # lower is better: the spike and the rising trend are both concern
    assert marts[0]["EX-LOW"]["point_type"].to_list() == ["common cause"] * 4 + ["special cause concern"] * 8


def test_status_of_the_worked_example(marts):
    status = marts[1]
    # target 12 lies between the limits 4.68 and 15.32
    assert status["EX"][1:] == (dt.date(2024, 12, 1), 11.0, "special cause improvement", 12.0, "hit and miss")
    # lower is better, same limits: hit and miss too
    assert status["EX-LOW"][3:] == ("special cause concern", 12.0, "hit and miss")
    # no target in the latest month: no assurance, though earlier months had one
    assert status["EX-NO-TARGET"][3:] == ("special cause improvement", None, None)


def test_limits_cannot_be_computed_when_every_moving_range_screens_out(marts):
    # 13 ranges of 0 and one of 2: mean 2 / 14 = 0.143, screen 0.467 leaves out the 2, and the rest are 0
    points = marts[0]["FLAT"]
    assert points["limits_status"].unique().to_list() == ["limits cannot be computed"]
    assert points.select("mean", "upper_limit", "lower_limit").null_count().row(0) == (15, 15, 15)
    assert points["special_cause"].to_list() == [False] * 15
    assert points["point_type"].to_list() == [None] * 15
    assert marts[1]["FLAT"][3:] == (None, 12.0, None)


def test_the_run_lengths_are_the_asset_s_config(tmp_path):
    # with trends of 8 the example's 7 rising months are no trend: 5 and 6 stay special (two in three, below
    # the mean: concern), 7 ... 11 are common cause
    path = tmp_path / "warehouse.duckdb"
    _warehouse(path)
    config = dg.RunConfig({"measure_spc": {"config": {"trend_points": 8}}})
    assert dg.materialize([measure_spc_asset()], run_config=config, resources=model_resources(path)).success
    with duckdb.connect(str(path), read_only=True) as con:
        types = [
            t
            for (t,) in con.execute(
                "select point_type from marts.fct_measure_spc where service_code = 'EX' order by period"
            ).fetchall()
        ]
    assert types == (
        ["common cause"] * 4
        + ["special cause improvement"]
        + ["special cause concern"] * 2
        + ["common cause"] * 5
    )


def test_the_page_says_the_limits_cannot_be_computed(marts):
    series = marts[2]
    flat, example = series[("FLAT", "UP")], series[("EX", "UP")]
    assert flat.not_computed == ["Jan 2024"] and flat.without_limits == []
    assert flat.limits_cannot_be_computed
    assert flat.lines == ("target",)
    assert (limits_note(flat) or "").startswith("The limits cannot be computed for this series: ")
    assert example.not_computed == [] and not example.limits_cannot_be_computed
    assert limits_note(example) is None

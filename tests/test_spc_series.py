"""spc_points and spc_status over many series: segments, rebasing, missing values, point types, status."""

import datetime as dt
from collections.abc import Sequence

import polars as pl
import pytest

from assets.spc.series import POINT_COLUMNS, SpcSettings, spc_points, spc_status
from tests.test_spc_limits import REFERENCE_VALUES

REBASE_SCHEMA = {"service_code": pl.String, "measure_code": pl.String, "period": pl.Date}


def month(index: int) -> dt.date:
    return dt.date(2022 + index // 12, index % 12 + 1, 1)


def series_frame(
    values: Sequence[float | None],
    direction: str | None = "higher_is_better",
    target: float | None = None,
    service: str = "S1",
    measure: str = "M1",
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "service_code": service,
            "measure_code": measure,
            "period": [month(i) for i in range(len(values))],
            "value": values,
            "direction": direction,
            "target": target,
        },
        schema_overrides={"value": pl.Float64, "direction": pl.String, "target": pl.Float64},
    )


def rebase_at(*indexes: int, service: str = "S1", measure: str = "M1") -> pl.DataFrame:
    return pl.DataFrame(
        {"service_code": service, "measure_code": measure, "period": [month(i) for i in indexes]},
        schema=REBASE_SCHEMA,
    )


def test_one_row_per_input_row_with_the_agreed_columns_and_the_input_untouched():
    frame = pl.concat([series_frame([10, 12] * 7, service="S2"), series_frame([5.0] * 3 + [None])])
    before = frame.clone()
    points = spc_points(frame.reverse())
    assert points.columns == POINT_COLUMNS
    assert points.height == frame.height
    assert points.schema["segment"] == pl.Int32
    assert all(
        points.schema[name] == pl.Boolean
        for name in ["outside_limits", "shift", "trend", "two_in_three", "special_cause"]
    )
    keys = ["service_code", "period"]
    assert points.select(keys).rows() == sorted(frame.select(keys).rows())
    assert frame.equals(before)


def test_a_segment_with_fewer_than_12_points_gets_no_limits_and_no_special_causes():
    points = spc_points(series_frame([10.0] * 10 + [50.0]))
    assert points["limits_status"].to_list() == ["too few points for limits"] * 11
    lines = points.select("mean", "upper_limit", "lower_limit", "upper_near", "lower_near")
    assert lines.null_count().row(0) == (11,) * 5
    assert points["special_cause"].to_list() == [False] * 11
    assert points["outside_limits"].to_list() == [False] * 11
    assert points["point_type"].to_list() == [None] * 11
    assert points["moving_range"].to_list() == [None] + [0.0] * 9 + [40.0]


def test_twelve_points_get_limits():
    # ranges 2 (ten times) and 40: mean 60 / 11 = 5.45, screen 17.8 leaves out 40, mean mR 2;
    # mean 170 / 12 = 14.17, upper limit 14.17 + 5.32 = 19.49, so 50 is outside (improvement); the 11 months
    # before lie below the mean, a shift (concern)
    points = spc_points(series_frame([10.0, 12.0] * 5 + [10.0, 50.0]))
    assert points["limits_status"].unique().to_list() == ["limits set"]
    assert points["upper_limit"][0] == pytest.approx(170 / 12 + 5.32)
    assert points["shift"].to_list() == [True] * 11 + [False]
    assert points["point_type"].to_list() == ["special cause concern"] * 11 + ["special cause improvement"]


def test_limits_that_cannot_be_computed_flag_nothing():
    # 10 ranges of 0 and one of 40: mean 40 / 11 = 3.64, screen 11.9 leaves out the 40 and only zeros remain;
    # limits on the mean would put all 12 points outside them
    points = spc_points(series_frame([10.0] * 11 + [50.0]))
    assert points["limits_status"].unique().to_list() == ["limits cannot be computed"]
    assert points.select("mean", "upper_limit", "lower_near").null_count().row(0) == (12, 12, 12)
    assert points["special_cause"].to_list() == [False] * 12
    assert points["point_type"].to_list() == [None] * 12
    assert points["moving_range"].to_list() == [None] + [0.0] * 10 + [40.0]


def test_a_constant_segment_keeps_limits_on_its_mean_and_flags_nothing():
    points = spc_points(series_frame([7.0] * 12))
    assert points["limits_status"].unique().to_list() == ["limits set"]
    assert points["upper_limit"].unique().to_list() == [7.0]
    assert points["point_type"].unique().to_list() == ["common cause"]


def test_rebasing_gives_each_segment_its_own_mean_and_limits():
    # segment 1: 10, 12, ... mean 11, mean mR 2, limits 11 +/- 5.32; segment 2: 20, 22, ... mean 21
    frame = series_frame([10, 12] * 6 + [20, 22] * 6)
    points = spc_points(frame, rebase_at(12))
    assert points["segment"].to_list() == [1] * 12 + [2] * 12
    assert points["mean"].to_list() == [11.0] * 12 + [21.0] * 12
    assert points["upper_limit"][0] == pytest.approx(16.32)
    assert points["lower_limit"][12] == pytest.approx(15.68)
    # no moving range across the rebase, so segment 2's mean mR is 2 as well
    assert points["moving_range"][12] is None
    assert points["special_cause"].to_list() == [False] * 24
    # without the rebase one mean (16) splits the series into two shifts
    assert spc_points(frame)["shift"].to_list() == [True] * 24


def test_runs_do_not_cross_a_rebase():
    # 9, 10, 11, 12 end segment 1 and 13, 14, 15 start segment 2: seven rising points, but not in one segment
    frame = series_frame([10, 12, 10, 12, 10, 12, 10, 12, 9, 10, 11, 12] + [13, 14, 15] + [13, 15] * 4 + [13])
    assert spc_points(frame)["trend"][8:15].to_list() == [True] * 7
    assert spc_points(frame, rebase_at(12))["trend"].to_list() == [False] * 24


def test_rebase_dates_of_other_series_and_before_the_first_period_change_nothing():
    frame = series_frame([10, 12] * 7)
    rebase = pl.concat([rebase_at(5, service="S9"), rebase_at(0), rebase_at(40)])
    assert spc_points(frame, rebase)["segment"].unique().to_list() == [1]


def test_missing_values_are_left_out_and_keep_null_results():
    # 13 rows, one missing: 12 values remain, mean (6 x 10 + 6 x 12) / 12 = 11;
    # the moving range after the gap spans it: |12 - 10| = 2
    values = [10, 12, 10, 12, 10, None, 12, 10, 12, 10, 12, 10, 12]
    points = spc_points(series_frame(values))
    missing = points.row(5, named=True)
    assert missing["value"] is None and missing["segment"] == 1 and missing["mean"] == 11.0
    assert missing["limits_status"] == "limits set"
    assert [
        missing[name]
        for name in [
            "moving_range",
            "outside_limits",
            "shift",
            "trend",
            "two_in_three",
            "special_cause",
            "point_type",
        ]
    ] == [None] * 7
    assert points["moving_range"][6] == 2.0
    assert spc_points(series_frame(values[:12]))["limits_status"][0] == "too few points for limits"


def test_baseline_points_fix_the_limits_on_the_first_points():
    frame = series_frame([10, 12] * 6 + [30, 30, 30])
    points = spc_points(frame, settings=SpcSettings(baseline_points=12))
    assert points["mean"].unique().to_list() == [11.0]
    assert points["outside_limits"].to_list() == [False] * 12 + [True] * 3


def test_a_trend_reads_by_its_direction_on_either_side_of_the_mean():
    # 9, 11, ... 10 then the trend 8.5 ... 11.5; mean (6 x 9 + 6 x 11 + 10 + 70) / 20 = 10 exactly; mean mR
    # 27.5 / 19 = 1.45, limits 6.15 and 13.85, near-limit lines 7.43 and 12.57: only the trend fires
    values = [9, 11] * 6 + [10] + [8.5, 9, 9.5, 10, 10.5, 11, 11.5]
    higher = spc_points(series_frame(values, "higher_is_better"))
    assert higher["mean"][0] == 10.0
    assert higher["trend"].to_list() == [False] * 13 + [True] * 7
    assert higher["special_cause"].to_list() == higher["trend"].to_list()
    # a rising trend is improvement for a higher-is-better measure below the mean (8.5, 9, 9.5), on it (10)
    # and above it (NHSRplotthedots 0.2, after its issue #171); before, the package read the first four as
    # concern
    assert higher["point_type"][13:].to_list() == ["special cause improvement"] * 7
    lower = spc_points(series_frame(values, "lower_is_better"))
    assert lower["point_type"][13:].to_list() == ["special cause concern"] * 7
    neutral = spc_points(series_frame(values, None))
    assert neutral["point_type"][13:].to_list() == ["special cause high"] * 7


def test_a_point_outside_the_limits_reads_by_its_side_even_in_a_trend():
    # 10, 12 (x 6) then 5 ... 11 rising: ranges 2 (x 11), 7, 1 (x 6): mean 35 / 18 = 1.94, screen 6.35 leaves
    # out 7; mean mR 28 / 17 = 1.647; mean (132 + 56) / 19 = 9.895; lower limit 9.895 - 4.381 = 5.514: 5 is
    # below it, so concern although the trend it starts rises; 6 ... 11 read by the trend (improvement)
    values = [10, 12] * 6 + [5, 6, 7, 8, 9, 10, 11]
    points = spc_points(series_frame(values))
    assert points["lower_limit"][0] == pytest.approx(188 / 19 - 2.66 * 28 / 17)
    assert points["outside_limits"][12:].to_list() == [True, False, False, False, False, False, False]
    assert points["trend"][12:].to_list() == [True] * 7
    assert points["point_type"][12:].to_list() == (
        ["special cause concern"] + ["special cause improvement"] * 6
    )


def test_special_causes_of_a_neutral_measure_read_high_and_low():
    points = spc_points(series_frame([10, 11] * 7 + [30, 10, -10], None))
    assert points["point_type"][-3:].to_list() == ["special cause high", "common cause", "special cause low"]


def test_status_reports_the_latest_point_and_assurance_against_the_latest_target():
    frame = pl.concat(
        [
            # common cause around 11 (limits 5.68 to 16.32); targets 12 then 20 (above the upper limit)
            series_frame([10, 12] * 7, target=12.0, service="A").with_columns(
                target=pl.when(pl.col("period") >= month(10)).then(20.0).otherwise(12.0)
            ),
            # the last point is far above: improvement; target within the limits; latest row missing
            series_frame([10, 12] * 7 + [40, None], target=11.0, service="B"),
            # lower is better: the spike is concern; a target of 30 is above the upper limit (18.25)
            series_frame([10, 12] * 7 + [40], "lower_is_better", target=30.0, service="C"),
            series_frame([10, 12] * 7, None, target=11.0, service="D"),
            series_frame([10, 12] * 3, target=11.0, service="E"),
        ]
    )
    points = spc_points(frame)
    status = spc_status(points, frame)
    assert status.columns == [
        "service_code",
        "measure_code",
        "latest_period",
        "latest_value",
        "variation",
        "latest_target",
        "assurance",
    ]
    assert status.select(
        "service_code", "latest_period", "latest_value", "variation", "latest_target", "assurance"
    ).rows() == [
        ("A", month(13), 12.0, "common cause", 20.0, "consistently failing"),
        ("B", month(14), 40.0, "special cause improvement", 11.0, "hit and miss"),
        ("C", month(14), 40.0, "special cause concern", 30.0, "consistently passing"),
        ("D", month(13), 12.0, "common cause", 11.0, None),
        ("E", month(5), 12.0, None, 11.0, None),
    ]


def test_the_reference_example_is_all_common_cause_and_hit_and_miss():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc.md: set.seed(123); rnorm(20), increase, target 0.5:
    # mean 0.142, lpl -3.01, upl 3.29, 20 common cause points, 0 improvement
    frame = series_frame(REFERENCE_VALUES, target=0.5)
    points = spc_points(frame)
    assert points["point_type"].unique().to_list() == ["common cause"]
    status = spc_status(points, frame)
    assert status.select("variation", "assurance").row(0) == ("common cause", "hit and miss")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: pl.concat([f, f.head(1)]), "more than one row"),
        (lambda f: f.with_columns(direction=pl.lit("up")), "unknown directions"),
        (lambda f: f.with_columns(pl.col("period").cast(pl.Datetime)), "period must be a Date"),
        (lambda f: f.drop("target"), "lacks columns"),
    ],
)
def test_bad_input_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        spc_points(change(series_frame([1.0] * 12)))


def test_settings_refuse_a_baseline_shorter_than_the_minimum():
    with pytest.raises(ValueError, match="baseline_points"):
        SpcSettings(baseline_points=6)
    assert SpcSettings(baseline_points=6, minimum_points=6).baseline_points == 6

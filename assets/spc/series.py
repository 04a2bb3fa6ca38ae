"""The entry point: XmR limits, special-cause rules and point types for many series, segment by segment.

Missing values (null or NaN) are left out of the calculation: a segment's limits and rules use the values
present, so a moving range and a run span the gap; the missing point keeps its row, segment and lines, with
a null moving range, rule flags, special cause and point type. A segment with fewer than `minimum_points`
values gets no limits: null lines, rule flags false and a null point type; so does a segment whose limits
cannot be computed (every non-zero moving range screened out: `limits.screened_mean_moving_range`). A special
cause reads by the way its signal points (`classify.signal_sides`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from assets.spc import classify, rules
from assets.spc.limits import moving_ranges, segment_starts, xmr_limits

SERIES_KEYS = ["service_code", "measure_code"]
INPUT_COLUMNS = [*SERIES_KEYS, "period", "value", "direction", "target"]
LINE_COLUMNS = ["mean", "upper_limit", "lower_limit", "upper_near", "lower_near", "moving_range"]
RULE_COLUMNS = ["outside_limits", "shift", "trend", "two_in_three"]
POINT_COLUMNS = [
    *SERIES_KEYS,
    "period",
    "value",
    "segment",
    *LINE_COLUMNS,
    *RULE_COLUMNS,
    "special_cause",
    "point_type",
    "limits_status",
]
STATUS_COLUMNS = [*SERIES_KEYS, "latest_period", "latest_value", "variation", "latest_target", "assurance"]
LIMITS_SET = "limits set"
TOO_FEW_POINTS = "too few points for limits"
CANNOT_COMPUTE = "limits cannot be computed"
HAS_VALUE = pl.col("value").is_not_null() & pl.col("value").is_not_nan()


@dataclass(frozen=True)
class SpcSettings:
    """Run lengths of the shift and trend rules (7 by default, as in Making Data Count), baseline (all
    points) and minimum segment size (12)."""

    shift_points: int = 7
    trend_points: int = 7
    baseline_points: int | None = None
    minimum_points: int = 12

    def __post_init__(self) -> None:
        if self.minimum_points < 2 or self.shift_points < 2 or self.trend_points < 2:
            raise ValueError("minimum_points, shift_points and trend_points must each be 2 or more")
        if self.baseline_points is not None and self.baseline_points < self.minimum_points:
            raise ValueError(f"baseline_points must be at least minimum_points ({self.minimum_points})")


class _PointBuffers:
    """Per-point results for the whole (sorted) frame, filled segment by segment."""

    def __init__(self, size: int) -> None:
        self.segment = np.zeros(size, dtype=np.int32)
        self.lines = {name: np.full(size, np.nan) for name in LINE_COLUMNS}
        self.rules = {name: np.zeros(size, dtype=bool) for name in RULE_COLUMNS}
        self.point_type = np.full(size, None, dtype=object)
        self.limits_status = np.full(size, TOO_FEW_POINTS, dtype=object)

    def fill_segment(
        self, rows: slice, number: int, values: np.ndarray, direction: str | None, settings: SpcSettings
    ) -> None:
        """Assess one segment's points; missing values are left out and keep null results."""
        self.segment[rows] = number
        valued = rows.start + np.flatnonzero(~np.isnan(values))
        present = values[~np.isnan(values)]
        self.lines["moving_range"][valued[1:]] = moving_ranges(present)
        if len(present) < settings.minimum_points:
            return
        limits = xmr_limits(present, settings.baseline_points)
        if limits is None:
            self.limits_status[rows] = CANNOT_COMPUTE
            return
        lines = {
            "mean": limits.mean,
            "upper_limit": limits.upper,
            "lower_limit": limits.lower,
            "upper_near": limits.upper_near,
            "lower_near": limits.lower_near,
        }
        for name, line in lines.items():
            self.lines[name][rows] = line
        trend_directions = rules.trend_direction(present, settings.trend_points)
        flags = {
            "outside_limits": rules.outside_limits(present, limits),
            "shift": rules.shift(present, limits.mean, settings.shift_points),
            "trend": trend_directions != 0,
            "two_in_three": rules.two_in_three(present, limits),
        }
        for name, flagged in flags.items():
            self.rules[name][valued] = flagged
        special_cause = np.logical_or.reduce(list(flags.values()))
        sides = classify.signal_sides(present, limits.mean, flags["outside_limits"], trend_directions)
        self.point_type[valued] = classify.point_types(special_cause, sides, direction)
        self.limits_status[rows] = LIMITS_SET


def _ordered_input(frame: pl.DataFrame) -> pl.DataFrame:
    """Return the input columns sorted by series and period, after checking periods and directions."""
    missing = [name for name in INPUT_COLUMNS if name not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}")
    if frame.schema["period"] != pl.Date:
        raise ValueError(f"period must be a Date, not {frame.schema['period']}")
    ordered = (
        frame.select(INPUT_COLUMNS)
        .with_columns(pl.col("value").cast(pl.Float64))
        .sort([*SERIES_KEYS, "period"])
    )
    if ordered["period"].null_count():
        raise ValueError("frame has rows without a period")
    if ordered.select(pl.struct([*SERIES_KEYS, "period"]).is_duplicated().any()).item():
        raise ValueError("frame has more than one row for a series and period")
    unknown = set(ordered["direction"].unique().to_list()) - classify.DIRECTIONS.keys()
    if unknown:
        raise ValueError(
            f"unknown directions {sorted(unknown)}: expected 'higher_is_better', "
            "'lower_is_better', 'neutral' or null"
        )
    return ordered


def _series_bounds(ordered: pl.DataFrame) -> list[int]:
    """Return the first row of each series in the sorted frame, then the number of rows."""
    keys = pl.struct(SERIES_KEYS)
    first_rows = ordered.select(keys.ne_missing(keys.shift(1)).fill_null(True)).to_series()
    return [*np.flatnonzero(first_rows.to_numpy()).tolist(), ordered.height]


def _change_periods(rebase: pl.DataFrame | None) -> dict[tuple[str, str], np.ndarray]:
    """Return each series' declared change periods, sorted."""
    if rebase is None or rebase.is_empty():
        return {}
    grouped = rebase.group_by(SERIES_KEYS).agg(pl.col("period").cast(pl.Date).drop_nulls().unique().sort())
    return {
        (service, measure): np.array(periods, dtype="datetime64[D]")
        for service, measure, periods in grouped.iter_rows()
    }


def spc_points(
    frame: pl.DataFrame, rebase: pl.DataFrame | None = None, settings: SpcSettings = SpcSettings()
) -> pl.DataFrame:
    """Return one row per input row with its segment, XmR lines, rule flags, point type and limits status."""
    ordered = _ordered_input(frame)
    values = ordered["value"].to_numpy()
    periods = ordered["period"].to_numpy()
    series_bounds = _series_bounds(ordered)
    services, measures = ordered["service_code"].to_list(), ordered["measure_code"].to_list()
    directions = ordered["direction"].to_list()
    changes = _change_periods(rebase)
    no_changes = np.array([], dtype=periods.dtype)
    buffers = _PointBuffers(ordered.height)
    for start, stop in zip(series_bounds[:-1], series_bounds[1:], strict=True):
        direction = directions[stop - 1]
        change = changes.get((services[start], measures[start]), no_changes)
        bounds = (start + segment_starts(periods[start:stop], change)).tolist() + [stop]
        for number, (first, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True), start=1):
            buffers.fill_segment(slice(first, end), number, values[first:end], direction, settings)
    return _points_frame(ordered, buffers)


def _points_frame(ordered: pl.DataFrame, buffers: _PointBuffers) -> pl.DataFrame:
    """Assemble the points table; rule flags and point type are null where the value is missing."""
    columns = [
        pl.Series("segment", buffers.segment),
        *(pl.Series(name, line).fill_nan(None) for name, line in buffers.lines.items()),
        *(pl.Series(name, flags) for name, flags in buffers.rules.items()),
        pl.Series("point_type", buffers.point_type.tolist(), dtype=pl.String),
        pl.Series("limits_status", buffers.limits_status.tolist(), dtype=pl.String),
    ]
    special_cause = pl.any_horizontal(RULE_COLUMNS).alias("special_cause")
    return (
        ordered.with_columns(columns)
        .with_columns(special_cause)
        .with_columns(
            pl.when(HAS_VALUE).then(pl.col(name)).alias(name) for name in [*RULE_COLUMNS, "special_cause"]
        )
        .select(POINT_COLUMNS)
    )


def spc_status(points: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """Return one row per series: its latest point's variation, and its assurance against the target of that
    same month (none when that month has no target)."""
    latest_point = (
        points.filter(HAS_VALUE)
        .sort([*SERIES_KEYS, "period"])
        .group_by(SERIES_KEYS)
        .last()
        .select(
            *SERIES_KEYS,
            pl.col("period").alias("latest_period"),
            pl.col("value").alias("latest_value"),
            pl.col("point_type").alias("variation"),
            "upper_limit",
            "lower_limit",
        )
    )
    targets = frame.select(
        *SERIES_KEYS, pl.col("period").alias("latest_period"), pl.col("target").alias("latest_target")
    )
    directions = frame.sort([*SERIES_KEYS, "period"]).group_by(SERIES_KEYS).agg(pl.col("direction").last())
    status = (
        points.select(SERIES_KEYS)
        .unique()
        .join(latest_point, on=SERIES_KEYS, how="left")
        .join(targets, on=[*SERIES_KEYS, "latest_period"], how="left")
        .join(directions, on=SERIES_KEYS, how="left")
        .sort(SERIES_KEYS)
    )
    assurance = [
        classify.assurance(target, upper, lower, direction)
        for target, upper, lower, direction in status.select(
            "latest_target", "upper_limit", "lower_limit", "direction"
        ).iter_rows()
    ]
    return status.with_columns(pl.Series("assurance", assurance, dtype=pl.String)).select(STATUS_COLUMNS)

"""Turn received text into typed columns, recording each value that cannot be typed and each repair."""

from __future__ import annotations

import polars as pl

from assets.contract import SubmissionType
from assets.validate.days import parse_days
from assets.validate.numbers import has_percent_sign, is_missing, is_suppressed, parse_number
from assets.validate.periods import parse_periods
from assets.validate.text_repair import repair_column
from assets.validate.units import scale_percents

FINDING_SCHEMA = pl.Schema(
    {
        "row_id": pl.Int64,
        "column_name": pl.String,
        "rule": pl.String,
        "severity": pl.String,
        "value": pl.String,
        "meaning": pl.String,
    }
)


def _finding(
    rows: pl.DataFrame,
    column: str,
    rule: str,
    value: pl.Expr,
    meaning: pl.Expr | str,
    severity: str = "critical",
) -> pl.DataFrame:
    return rows.select(
        "row_id",
        pl.lit(column).alias("column_name"),
        pl.lit(rule).alias("rule"),
        pl.lit(severity).alias("severity"),
        value.alias("value"),
        (pl.lit(meaning) if isinstance(meaning, str) else meaning).alias("meaning"),
    )


def _number_findings(raw: pl.DataFrame, typed: pl.DataFrame, kind: SubmissionType) -> list[pl.DataFrame]:
    def unreadable(c: str) -> pl.Expr:
        bad = ~is_missing(c) & typed[c].is_null()
        return bad & ~is_suppressed(c) if c in kind.suppressible else bad

    return [
        _finding(
            raw.filter(unreadable(c)),
            c,
            "not_a_number",
            pl.col(c),
            f"{c} must be a number (or blank, n/a or - for none"
            + (", * when suppressed)" if c in kind.suppressible else ")"),
        )
        for c in kind.numeric
    ]


def _period_findings(raw: pl.DataFrame, typed: pl.DataFrame, kind: SubmissionType) -> list[pl.DataFrame]:
    unreadable = raw.with_columns(typed.select("period_rule", "period_problem")).filter(
        pl.col("period_rule").is_not_null()
    )
    wrong_grain = raw.with_columns(typed.select("period_grain")).filter(
        ~pl.col("period_grain").is_in(kind.grains)
    )
    return [
        unreadable.select(
            "row_id",
            pl.lit("period").alias("column_name"),
            pl.col("period_rule").alias("rule"),
            pl.lit("critical").alias("severity"),
            pl.col("period").alias("value"),
            pl.col("period_problem").alias("meaning"),
        ),
        _finding(
            wrong_grain,
            "period",
            "period_grain",
            pl.col("period"),
            pl.format(
                f"{kind.name} figures are given by {' or '.join(kind.grains)}; this period is a {{}}",
                pl.col("period_grain"),
            ),
        ),
    ]


def _day_findings(typed: pl.DataFrame, kind: SubmissionType) -> list[pl.DataFrame]:
    return [
        typed.filter(pl.col(f"{c}_rule").is_not_null()).select(
            "row_id",
            pl.lit(c).alias("column_name"),
            pl.col(f"{c}_rule").alias("rule"),
            pl.lit("critical").alias("severity"),
            pl.col(f"{c}_as_written").alias("value"),
            pl.col(f"{c}_problem").alias("meaning"),
        )
        for c in kind.dates
    ]


def _duplicate_findings(typed: pl.DataFrame, kind: SubmissionType) -> pl.DataFrame:
    key = [*kind.row_key, "period_grain"]
    duplicates = typed.filter(pl.struct(["file_hash", *key]).is_first_distinct().not_())
    return _finding(
        duplicates,
        ", ".join(kind.row_key),
        "duplicate_key",
        pl.concat_str([pl.col(k).cast(pl.String) for k in kind.row_key], separator=" | ", ignore_nulls=True),
        "the file already has a row with this key; the first one is kept",
    )


def cast_rows(
    raw: pl.DataFrame, kind: SubmissionType, measure_units: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (typed rows, findings) for raw text rows.

    `raw` carries a unique `row_id` and, per row, its file's declared `date_order` and `percent_scale`;
    `measure_units` maps `measure_code` to `unit`.
    """
    typed = parse_periods(raw).with_columns(
        *(parse_number(c) for c in kind.numeric),
        *(has_percent_sign(c).alias(f"{c}_percent_sign") for c in kind.in_measure_unit),
        pl.concat_list(
            [pl.when(is_suppressed(c)).then(pl.lit(c)) for c in kind.suppressible]
            or [pl.lit(None, pl.String)]
        )
        .list.drop_nulls()
        .alias("suppressed_columns"),
        *(pl.Series(c, repair_column(raw, c)) for c in kind.free_text),
        # a label is read ignoring case and spacing: "In-progress" is "in progress"
        *(
            pl.col(c).str.to_lowercase().str.replace_all(r"[\s_\-]+", " ").str.strip_chars()
            for c in kind.labels
        ),
        *(pl.col(c).alias(f"{c}_as_written") for c in kind.dates),
    )
    typed = typed.with_columns(
        pl.when(pl.col(c) != raw[c]).then(raw[c]).alias(f"{c}_as_received") for c in kind.free_text
    )
    for c in kind.dates:
        typed = pl.concat([typed.drop(c), parse_days(raw, c)], how="horizontal")
    typed, unit_findings = scale_percents(typed, kind, measure_units)
    findings = [
        *_number_findings(raw, typed, kind),
        *_period_findings(raw, typed, kind),
        *_day_findings(typed, kind),
        _duplicate_findings(typed, kind),
        unit_findings,
    ]
    typed = typed.drop(
        "period_rule",
        "period_problem",
        *(f"{c}_percent_sign" for c in kind.in_measure_unit),
        *(f"{c}_{part}" for c in kind.dates for part in ("rule", "problem", "as_written")),
    )
    return typed, pl.concat([f.cast(FINDING_SCHEMA) for f in findings])

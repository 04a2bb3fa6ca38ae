"""Turn received text into typed columns, recording each value that cannot be typed."""

from __future__ import annotations

import polars as pl

from assets.contract import SubmissionType

FINDING_SCHEMA = {"row_id": pl.Int64, "column_name": pl.String, "rule": pl.String,
                  "severity": pl.String, "value": pl.String, "meaning": pl.String}

PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


def cast_rows(raw: pl.DataFrame, kind: SubmissionType) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (typed rows, findings) for raw text rows; `raw` must carry a unique `row_id`."""
    numbers = (pl.col(c).str.replace_all(",", "").cast(pl.Float64, strict=False).alias(c)
               for c in kind.numeric)
    period = (pl.when(pl.col("period").str.contains(PERIOD))
              .then((pl.col("period") + "-01").str.to_date("%Y-%m-%d", strict=False))
              .alias("period"))
    typed = raw.with_columns(*numbers, period)
    findings = [
        raw.filter(pl.col(c).is_not_null() & typed[c].is_null()).select(
            "row_id", pl.lit(c).alias("column_name"), pl.lit(rule).alias("rule"),
            pl.lit("critical").alias("severity"), pl.col(c).alias("value"),
            pl.lit(meaning).alias("meaning"))
        for c, rule, meaning in (
            [(c, "not_a_number", f"{c} must be a number") for c in kind.numeric]
            + [("period", "bad_period", "period must be a month written YYYY-MM")])
    ]
    duplicates = typed.filter(pl.struct(["file_hash", *kind.key]).is_first_distinct().not_())
    findings.append(duplicates.select(
        "row_id", pl.lit(", ".join(kind.key)).alias("column_name"),
        pl.lit("duplicate_key").alias("rule"), pl.lit("critical").alias("severity"),
        pl.concat_str([pl.col(k).cast(pl.String) for k in kind.key], separator=" | ",
                      ignore_nulls=True).alias("value"),
        pl.lit("the file already has a row with this key; the first one is kept").alias("meaning")))
    return typed, pl.concat([f.cast(FINDING_SCHEMA) for f in findings])

"""Put figures given in a measure's unit on the contract's scale: percents as 0-100, not 0-1."""

from __future__ import annotations

import polars as pl

from assets.contract import SubmissionType

PERCENT_AS_FRACTION_MEANING = (
    "this file gives percentages as fractions of 1 (0.85 for 85 %), so its percent figures were "
    "multiplied by 100; the partner's mapping file can say so (percent: fraction) to make it explicit"
)


def scale_percents(
    typed: pl.DataFrame, kind: SubmissionType, measure_units: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return rows with percent-unit figures on the 0-100 scale, and a warning per detected rescale.

    A file is read as giving fractions when its partner's mapping says `percent: fraction`, or, when it
    says nothing, when every percent-unit figure of its first unit column is at most 1 and none has a %.
    """
    empty = pl.DataFrame(
        schema={
            "row_id": pl.Int64,
            "column_name": pl.String,
            "rule": pl.String,
            "severity": pl.String,
            "value": pl.String,
            "meaning": pl.String,
        }
    )
    if not kind.in_measure_unit or typed.is_empty():
        return typed, empty
    first = kind.in_measure_unit[0]
    is_percent = (pl.col("_unit") == "percent").fill_null(False)
    detected = (pl.col(first).filter(is_percent).max().over("file_hash") <= 1) & ~pl.col(
        f"{first}_percent_sign"
    ).filter(is_percent).any().over("file_hash")
    declared = pl.col("percent_scale")
    fraction = (
        pl.when(declared.is_not_null()).then(declared == "fraction").otherwise(detected.fill_null(False))
        & is_percent
    )
    marked = typed.join(
        measure_units.select("measure_code", pl.col("unit").alias("_unit")),
        on="measure_code",
        how="left",
        maintain_order="left",
    ).with_columns(_fraction=fraction, _detected=fraction & declared.is_null())
    warnings = marked.filter(pl.col("_detected")).select(
        "row_id",
        pl.lit(first).alias("column_name"),
        pl.lit("percent_as_fraction").alias("rule"),
        pl.lit("warning").alias("severity"),
        pl.col(first).cast(pl.String).alias("value"),
        pl.lit(PERCENT_AS_FRACTION_MEANING).alias("meaning"),
    )
    scaled = marked.with_columns(
        # round away the binary noise of x * 100 (0.85 * 100 = 85.00000000000001)
        pl.when(pl.col("_fraction")).then((pl.col(c) * 100).round(9)).otherwise(pl.col(c)).alias(c)
        for c in kind.in_measure_unit
    ).drop("_unit", "_fraction", "_detected")
    return scaled, warnings

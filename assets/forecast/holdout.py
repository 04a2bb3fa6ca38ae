"""Does the forecast beat the naive one? 12 months held out, on a sample of each measure's series."""

from __future__ import annotations

import hashlib

import polars as pl

HOLDOUT_MONTHS = 12


def _rank(service_code: str, measure_code: str) -> str:
    return hashlib.sha256(f"{service_code}\x1f{measure_code}".encode()).hexdigest()


def holdout_sample(keys: list[tuple[str, str]], size: int) -> set[tuple[str, str]]:
    """Return up to `size` (service, measure) keys per measure: those whose digest of the key is lowest.

    The sample is fixed by the keys alone (not by the data or their order), so a series stays in it
    from one build to the next unless services are added or removed.
    """
    by_measure: dict[str, list[tuple[str, str]]] = {}
    for key in keys:
        by_measure.setdefault(key[1], []).append(key)
    return {key for found in by_measure.values() for key in sorted(found, key=lambda k: _rank(*k))[:size]}


def beats_naive(per_series: pl.DataFrame) -> pl.DataFrame:
    """Return per measure whether the forecast beat the better naive forecast over the held-out months.

    The test is the geometric mean, over the measure's sampled services, of holdout_mae ÷
    holdout_naive_mae (AvgRelMAE, Davydenko and Fildes 2013) being below 1; series where either MAE
    is 0 say nothing of the ratio and are left out. Empty when no series of the measure was held out.
    """
    ratio = pl.col("holdout_mae") / pl.col("holdout_naive_mae")
    usable = (pl.col("holdout_mae") > 0) & (pl.col("holdout_naive_mae") > 0)
    return (
        per_series.filter(usable)
        .group_by("measure_code")
        .agg(beats_naive=ratio.log().mean() < 0)
        .join(per_series.select("measure_code").unique(), on="measure_code", how="right")
        .select("measure_code", "beats_naive")
    )

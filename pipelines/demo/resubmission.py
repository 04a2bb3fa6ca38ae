"""A partner resubmits one month: the demo's way to exercise (and measure) an incremental nightly run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import polars as pl

from assets.contract import SUBMISSION_TYPES
from assets.ingest.files import parse_file_name
from pipelines.demo.submissions import sent_before_now

OUTCOME_COLUMNS = list(SUBMISSION_TYPES["outcomes"].columns)


@dataclass(frozen=True)
class Resubmission:
    """The file written and the one figure it restates."""

    path: Path
    partner_code: str
    month: str
    service_code: str
    measure_code: str
    numerator_before: int
    numerator_after: int


def write_resubmission(inbox: Path, partner_code: str | None = None) -> Resubmission:
    """Write a partner's outcomes for one month again, with one rate's numerator lowered by one.

    The first contract-layout outcomes CSV (of `partner_code`, if given) holding a rate is taken;
    its last month's rows are resent a month after the original, as `<PARTNER>_<date>_resubmission.csv`.
    """
    for path in sorted((inbox / "outcomes").glob("*.csv")):
        partner, sent, _ = parse_file_name(path.name)
        if partner_code not in (None, partner):
            continue
        try:
            rows = pl.read_csv(path, infer_schema=False)
        except pl.exceptions.PolarsError:
            continue
        if rows.columns != OUTCOME_COLUMNS:
            continue
        month = str(rows["period"].max())  # every column was read as text
        resent = rows.filter(pl.col("period") == month).with_row_index("line")
        rates = resent.filter(pl.col("numerator").str.contains(r"^[1-9]\d*$"))
        if rates.is_empty():
            continue
        changed = rates.row(0, named=True)
        before = int(changed["numerator"])
        restated = resent.with_columns(
            pl.when(pl.col("line") == changed["line"])
            .then(pl.lit(str(before - 1)))
            .otherwise(pl.col("numerator"))
            .alias("numerator")
        ).drop("line")
        target = inbox / "outcomes" / f"{partner}_{sent + timedelta(days=31):%Y%m%d}_resubmission.csv"
        restated.write_csv(target)
        sent_before_now([target])
        # contract-layout files give the month as YYYY-MM
        return Resubmission(
            target, partner, month[:7], changed["service_code"], changed["measure_code"], before, before - 1
        )
    raise FileNotFoundError(f"no contract-layout outcomes CSV with a rate in {inbox / 'outcomes'}")

"""A learning trust that also sends quarterly outcome returns, periods written as UK financial quarters."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.demo.truth import SUBMISSION_SCHEMAS

QUARTERLY_PARTNER = "NOR-EDU"
SUBMITTED_DAYS_AFTER_QUARTER = (10, 20)


@dataclass(frozen=True)
class QuarterlyFile:
    path: str
    rows: int
    truth: dict


def financial_quarter(period: str) -> tuple[int, int]:
    """Return (financial year start, quarter 1-4) of a `YYYY-MM` month; Q1 is April to June."""
    year, month = int(period[:4]), int(period[5:7])
    start = year if month >= 4 else year - 1
    return start, (month - 4) % 12 // 3 + 1


def _label(start: int, quarter: int, index: int) -> str:
    """Alternate the two ways partners write quarters: "Q4 2023/24" and "2023-24 Q4"."""
    years = f"{start}/{(start + 1) % 100:02d}" if index % 2 == 0 else f"{start}-{(start + 1) % 100:02d}"
    return f"Q{quarter} {years}" if index % 2 == 0 else f"{years} Q{quarter}"


def quarter_start(start: int, quarter: int) -> date:
    """Return the first day of a financial quarter (quarter 5 is the next year's first)."""
    month = 4 + 3 * (quarter - 1)  # counted from January of the financial year's start
    return date(start + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def write_quarterly_returns(inbox: Path, outcomes: pl.DataFrame, seed: int) -> list[QuarterlyFile]:
    """Write one quarterly outcomes file per quarter: the partner's monthly figures summed."""
    rng = np.random.default_rng(seed + 1)  # its own stream: the monthly files stay as they were
    columns = list(SUBMISSION_SCHEMAS["outcomes"])
    rows = outcomes.filter(pl.col("partner_code") == QUARTERLY_PARTNER)
    quarters = [financial_quarter(p) for p in rows["period"]]
    rows = rows.with_columns(
        pl.Series("year_start", [q[0] for q in quarters]), pl.Series("quarter", [q[1] for q in quarters])
    )
    sums = (
        rows.group_by("partner_code", "service_code", "measure_code", "year_start", "quarter")
        .agg(
            *(
                pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c)
                for c in ("numerator", "denominator", "value")
            ),
            months=pl.len(),
        )
        .filter(pl.col("months") == 3)
        .sort("year_start", "quarter", "service_code", "measure_code")
    )
    written = []
    for index, ((start, quarter), part) in enumerate(
        sums.group_by("year_start", "quarter", maintain_order=True)
    ):
        label = _label(start, quarter, index)
        day = quarter_start(start, quarter + 1) + timedelta(
            days=int(rng.integers(*SUBMITTED_DAYS_AFTER_QUARTER, endpoint=True)) - 1
        )
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(columns)
        for row in part.iter_rows(named=True):
            writer.writerow(
                [label if c == "period" else "" if row.get(c) is None else row[c] for c in columns]
            )
        name = f"{QUARTERLY_PARTNER}_{day:%Y%m%d}_quarterly.csv"
        (inbox / "outcomes" / name).write_text(text.getvalue(), encoding="utf-8")
        written.append(
            QuarterlyFile(
                f"outcomes/{name}",
                part.height,
                {
                    "file": f"outcomes/{name}",
                    "period": label,
                    "rows": part.height,
                    "quarter_start": quarter_start(start, quarter).isoformat(),
                },
            )
        )
    return written

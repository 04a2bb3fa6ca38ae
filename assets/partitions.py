"""Monthly partitions of the period-grained assets: one partition per month the figures are for."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import dagster as dg

# A year before the earliest figures mapped (the official delayed-transfers series starts in April 2011).
FIRST_MONTH = "2010-04"
# Targets are set up to a year ahead, so the months run a year past the current one.
MONTHS_AHEAD = 12
MONTH_FORMAT = "%Y-%m"

MONTHS = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_MONTH, fmt=MONTH_FORMAT, end_offset=MONTHS_AHEAD, timezone="Europe/London"
)

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def month_key(month: date) -> str:
    """Return the partition key (`YYYY-MM`) of the month a date falls in."""
    return month.strftime(MONTH_FORMAT)


def partition_months(months: Iterable[date]) -> list[str]:
    """Return the sorted partition keys of the given months, leaving out months outside the partitions."""
    keys = set(MONTHS.get_partition_keys())
    return sorted({month_key(m) for m in months} & keys)


def range_tags(keys: Iterable[str]) -> dict[str, str]:
    """Return the run tags that select one run over the months from the first to the last key given."""
    ordered = sorted(keys)
    return {RANGE_START_TAG: ordered[0], RANGE_END_TAG: ordered[-1]} if ordered else {}

"""How old the published data is: its latest month against the month whose returns were last due.

The partnership's expected lag is its reference data: outcomes are due a number of working days after
each month ends (seeds.submission_deadlines, bank holidays left out). Data are stale when, on the day of
publication, a later month's outcomes were already due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from assets.publish.display import day, long_month, plural
from assets.validate.overdue import deadline_rules, latest_month_due, return_deadline, working_days_allowed

JUDGED_ON = "outcomes"


@dataclass(frozen=True)
class DataAge:
    """The latest month shown, the publication day, and the latest month whose outcomes were due by then."""

    latest: date
    published_on: date
    expected: date
    expected_deadline: date
    working_days: int

    @property
    def months_old(self) -> int:
        """Whole months from the latest month to the month of publication."""
        return (self.published_on.year - self.latest.year) * 12 + self.published_on.month - self.latest.month

    @property
    def months_missing(self) -> int:
        """Months after the latest one whose outcomes were already due."""
        return max(0, (self.expected.year - self.latest.year) * 12 + self.expected.month - self.latest.month)

    @property
    def stale(self) -> bool:
        """Whether the data are older than the partnership's expected lag."""
        return self.months_missing > 0

    def words(self) -> str:
        """The data's age in a sentence, with the rule it is judged by."""
        text = (
            f"Data to {long_month(self.latest)}, published {day(self.published_on)}: "
            f"{plural(self.months_old, 'month')} later. "
        )
        rule = (
            f"Outcomes are due {self.working_days} working days after each month ends, so "
            f"{long_month(self.expected)} was due by {day(self.expected_deadline)}"
        )
        if self.stale:
            return text + (
                f"{rule}: the data are {plural(self.months_missing, 'month')} older than "
                "the partnership expects."
            )
        return text + f"{rule}: the data are as recent as expected."


def data_age(con: duckdb.DuckDBPyConnection, latest: date | None, published_on: date) -> DataAge | None:
    """The age of data whose latest month is `latest`, published on `published_on` (None without data)."""
    if latest is None:
        return None
    allowed, holidays = deadline_rules(con)
    days = working_days_allowed(allowed, JUDGED_ON)
    expected = latest_month_due(published_on, days, holidays)
    return DataAge(latest, published_on, expected, return_deadline(expected, days, holidays), days)

"""Data-quality flags and panels: the site's data-quality page, a service's panel, a measure's flag."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from assets.contract import SUBMISSION_TYPES
from assets.publish.display import NO_VALUE, day, long_month, months_before, plural, sentence_case
from assets.publish.marts import Marts, Row
from assets.publish.quality import Quality, ServiceQuality
from assets.spreadsheet_csv import spreadsheet_csv
from assets.validate.overdue import COLUMNS as OVERDUE_NAMES

INCOMPLETE = ("data incomplete", "no data")
RECENT_MONTHS = 12  # a flag counts late returns covering the service's latest 12 months
OVERDUE_COLUMNS = dict(
    zip(OVERDUE_NAMES, (pl.String, pl.String, pl.String, pl.Date, pl.Date, pl.Int64, pl.Int64), strict=True)
)
RUNS_SHOWN = 12  # runs of overdue months listed on a line; every month is in the CSV beside the page
OVERDUE_CSV = "data-quality-overdue.csv"
LEAGUE_COMPONENTS = (
    "data_quality_score",
    "timeliness_pct",
    "completeness_pct",
    "fields_filled_pct",
    "validity_pct",
    "unrestated_pct",
)
LATE_RULE = (
    "A return (one file of one kind) is late when it was sent after the deadline of the last month it "
    "covers: the 15th working day (Monday to Friday, England's bank holidays left out) after that month "
    "ends, unless the reference data sets another number of working days for its kind of return "
    "(targets: by the month's last day). A file covering a quarter is so due after the quarter, and a "
    "plan sent ahead of its months is on time. The date it was sent is the date in its file name; "
    "official publications have no deadline to miss."
)
LEAGUE_RULE = (
    "Each partner's score is the mean of five components over the latest 12 months, each 0-100: "
    "returns on time (a return is on time when the file that first brought it was not late), returns "
    "received, figures filled in, rows that passed validation and figures not restated. Partners with "
    "the same score share a position (=) and the next position skips as many places; equal scores are "
    "listed by partner name."
)
TERMS = {
    "received": "Returns received: files from partners with at least one row about the service.",
    "quarantined": "Rows quarantined: rows that broke a validation rule and were kept out of every figure.",
    "restated": "Figures restated: figures sent again for a month already reported; the latest one counts.",
}


def measure_flags(row: Row | None, quality: ServiceQuality, measure_code: str) -> list[str]:
    """What to know about the data behind one measure's latest figure."""
    flags = []
    if row is None or row["rag"] in INCOMPLETE:
        flags.append(sentence_case(row["rag"] if row else "no data"))
    if row is not None and row["is_restated"]:
        flags.append("Restated")
    if quarantined := quality.quarantined_by_measure.get(measure_code, 0):
        flags.append(f"{plural(quarantined, 'row')} quarantined")
    return flags


@dataclass(frozen=True)
class Flag:
    """One thing to know about a service's data, and how many of it there are."""

    count: int
    text: str

    def __str__(self) -> str:
        return self.text


def service_flags(service_code: str, marts: Marts, found: ServiceQuality) -> list[Flag]:
    """What to know about the data behind a service's figures (`found`: its data quality): incomplete
    measures, quarantine, lateness."""
    latest = marts.latest_period(service_code)
    incomplete = sum(
        1
        for r in marts.measure_periods.get(service_code, [])
        if r["period"] == latest and r["rag"] in INCOMPLETE
    )
    flags = []
    if incomplete:
        flags.append(Flag(incomplete, f"{plural(incomplete, 'measure')} incomplete in {long_month(latest)}"))
    if quarantined := sum(found.quarantined.values()):
        flags.append(Flag(quarantined, f"{plural(quarantined, 'row')} quarantined"))
    if late := found.late_since(months_before(latest, RECENT_MONTHS) if latest else date.min):
        flags.append(Flag(late, f"{plural(late, 'late return')} in the last {RECENT_MONTHS} months"))
    return flags


def service_panel(found: ServiceQuality) -> dict[str, Any]:
    """A service's returns received, late, quarantined and restated (`found`), by submission type."""
    rows = [
        {
            "submission_type": sentence_case(kind),
            "received": found.received.get(kind, 0),
            "late": len(found.late.get(kind, ())),
            "quarantined": found.quarantined.get(kind, 0),
            "restated": found.restated.get(kind, 0),
        }
        for kind in SUBMISSION_TYPES
    ]
    late = [
        {
            "file_name": r.file_name,
            "submission_type": r.submission_type,
            "last_month": long_month(r.last_month),
            "deadline": day(r.deadline),
            "submitted_on": day(r.submitted_on),
        }
        for kind in SUBMISSION_TYPES
        for r in found.late.get(kind, [])
    ]
    return {"rows": rows, "late": late, "late_rule": LATE_RULE, "terms": TERMS}


def league_rows(league: list[Row]) -> list[dict[str, Any]]:
    """The partner league as the page shows it: a shared position marked "=", scores to one decimal place."""

    def shown(value: float | None) -> str:
        return NO_VALUE if value is None else f"{value:.1f}"

    return [
        {
            "position": f"={row['league_position']}" if row["is_tied"] else str(row["league_position"]),
            "position_sort": row["league_position"],
            "partner_code": row["partner_code"],
            "partner_name": row["partner_name"] or "Not a known partner",
            **{name: shown(row[name]) for name in LEAGUE_COMPONENTS},
            "months": f"{long_month(row['first_period'])} to {long_month(row['last_period'])}",
        }
        for row in league
    ]


def publication_note(publisher: str | None) -> str:
    """What a publication's files are, beside its name: `publication by NHS England`."""
    return f"publication by {publisher}" if publisher else "publication"


def sent_by(row: Row) -> dict[str, str]:
    """Who a row's files came from, as a name and a note beside it: the publication and its publisher,
    the mapping file of a publication seeds.publications does not name, or the partner and its code."""
    if row["publication_name"]:
        return {"sender": row["publication_name"], "note": publication_note(row["publisher"])}
    if row["mapping"]:
        return {"sender": row["mapping"], "note": "a publication's mapping file"}
    return {
        "sender": row["partner_name"] or "Not a known partner",
        "note": row["partner_code"] or "no partner code",
    }


def month_ranges(months: list[date], shown: int | None = None) -> str:
    """Months as runs of consecutive months: `January 2024 to March 2024, June 2024`; after the first
    `shown` runs, how many months more."""
    runs: list[list[date]] = []
    for month in sorted(set(months)):
        if runs and months_before(month, 1) == runs[-1][-1]:
            runs[-1].append(month)
        else:
            runs.append([month])
    words = [
        long_month(run[0]) if len(run) == 1 else f"{long_month(run[0])} to {long_month(run[-1])}"
        for run in runs[:shown]
    ]
    left = sum(len(run) for run in runs[len(words) :])
    return ", ".join(words) + (f" and {plural(left, 'month')} more" if left else "")


def overdue_csv(overdue: list[Row]) -> str:
    """Every overdue return (partner, type and month), as CSV safe to open in a spreadsheet."""
    frame = pl.DataFrame(overdue, schema=OVERDUE_COLUMNS) if overdue else pl.DataFrame(schema=OVERDUE_COLUMNS)
    return spreadsheet_csv(frame.sort("partner_code", "submission_type", "period"))


def overdue_summary(overdue: list[Row]) -> list[dict[str, Any]]:
    """The overdue returns (one row per partner, type and month) as one row per partner and type: months
    overdue, returns missing, the oldest month (with its deadline and days overdue), the latest month, and
    every month as runs; the longest overdue first."""
    grouped: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in overdue:
        grouped[(row["partner_code"], row["submission_type"])].append(row)
    summary = []
    for (partner_code, kind), rows in grouped.items():
        oldest = min(rows, key=lambda r: r["period"])
        summary.append(
            {
                "partner_code": partner_code,
                "partner_name": oldest["partner_name"] or partner_code,
                "submission_type": kind,
                "months": len(rows),
                "returns_missing": sum(r["returns_missing"] for r in rows),
                "oldest": long_month(oldest["period"]),
                "oldest_deadline": day(oldest["deadline"]),
                "days_overdue": oldest["days_overdue"],
                "latest": long_month(max(r["period"] for r in rows)),
                "month_runs": month_ranges([r["period"] for r in rows], RUNS_SHOWN),
            }
        )
    return sorted(summary, key=lambda r: (-r["days_overdue"], r["partner_code"], r["submission_type"]))


def quality_page(marts: Marts, quality: Quality) -> dict[str, Any]:
    """The data-quality page: each partner's returns, the league, overdue returns, rejected files and
    quarantined rows."""
    partners = [
        row
        | sent_by(row)
        | {"area": marts.partners.get(row["partner_code"] or "", {}).get("partnership_area", NO_VALUE)}
        for row in quality.partners
    ]
    return {
        "partners": partners,
        "league": league_rows(quality.league),
        "league_rule": LEAGUE_RULE,
        "rejected": [row | sent_by(row) for row in quality.rejected],
        "rules": quality.rules,
        "quarantined": quality.quarantined,
        "quarantined_total": quality.quarantined_total,
        "overdue": overdue_summary(quality.overdue),
        "overdue_csv": OVERDUE_CSV,
        "late_rule": LATE_RULE,
        "terms": TERMS,
    }

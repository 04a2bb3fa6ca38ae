"""The blocking rules on validated submissions: what stops the marts when it fails.

Each rule is judged on a working database for one submission type. The nightly job runs every rule
as a blocking Dagster check on `validated/<type>` (assets/validate/assets.py), and an area partition's
run judges the same rules on its area's database before it stages the area's rows
(pipelines/area_run.py). One list for both: a rule added here is run by both, and a test fails when
the nightly job has a blocking check on the validated submissions that is not one of these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from assets.contract import SubmissionType
from assets.partitions import month_key
from assets.validate.accounting import accounting_gaps
from assets.validate.months import rules_fingerprint, stale_months


@dataclass(frozen=True)
class Verdict:
    """A blocking rule's judgement of one type: passed, what to do when not, and what it found."""

    passed: bool
    advice: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class BlockingRule:
    """A rule on a type's validated rows whose failure stops everything built from them."""

    name: str  # the Dagster check's name
    description: str
    judge: Callable[[duckdb.DuckDBPyConnection, SubmissionType, Path], Verdict]


def rows_accounted_for(
    con: duckdb.DuckDBPyConnection, kind: SubmissionType, expectations_dir: Path
) -> Verdict:
    """Return whether every file of the type has rows received = rows loaded + rows quarantined."""
    gaps = accounting_gaps(con, [kind.name])
    advice = None
    if gaps.height:
        first = gaps.row(0, named=True)
        advice = (
            f"{gaps.height} {kind.name} file(s) do not add up, first {first['file_name']}: "
            f"{first['rows_received']} rows received, {first['rows_loaded']} loaded, "
            f"{first['rows_quarantined']} quarantined. Rows are being lost: send the file "
            "names to the data team; its rows as received are in raw." + kind.name
        )
    return Verdict(
        gaps.is_empty(), advice, {"files_out_of_balance": gaps.height, "sample": gaps.head(10).to_dicts()}
    )


def validated_against_current_rules(
    con: duckdb.DuckDBPyConnection, kind: SubmissionType, expectations_dir: Path
) -> Verdict:
    """Return whether every month of the type was last validated against today's suite and reference data."""
    stale = [month_key(m) for m in stale_months(con, kind, rules_fingerprint(con, kind, expectations_dir))]
    advice = (
        f"the suite or reference data changed since {len(stale)} month(s) from {stale[0]} to "
        f"{stale[-1]} were validated; run `joinedup backfill {stale[0]} {stale[-1]}` (or wait "
        "for the nightly run, which validates them again)"
        if stale
        else None
    )
    return Verdict(not stale, advice, {"months_under_older_rules": stale})


BLOCKING_RULES = (
    BlockingRule(
        "rows_accounted_for",
        "For every file: rows received = rows loaded + rows quarantined.",
        rows_accounted_for,
    ),
    BlockingRule(
        "validated_against_current_rules",
        "Every month's rows were last validated against today's suite and "
        "reference data; months validated under older rules stop the marts "
        "until they are validated again.",
        validated_against_current_rules,
    ),
)


def broken_rules(
    con: duckdb.DuckDBPyConnection, kinds: list[SubmissionType], expectations_dir: Path
) -> list[str]:
    """Return `validated/<type> <rule>: <advice>` for each blocking rule that fails on the types given."""
    broken = []
    for kind in kinds:
        for rule in BLOCKING_RULES:
            verdict = rule.judge(con, kind, expectations_dir)
            if not verdict.passed:
                broken.append(f"validated/{kind.name} {rule.name}: {verdict.advice}")
    return broken

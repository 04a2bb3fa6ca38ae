"""What a run has to do: the months that new or resubmitted files touch, and months under older rules.

The inbox's files not yet in the published warehouse are read the way ingestion reads them, into a
database in memory, so the months found are exactly the months those rows will be validated under.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import duckdb

from assets.contract import SUBMISSION_TYPES
from assets.ingest.load import ingest_inbox
from assets.ingest.load import log as ingest_log
from assets.models.seeds import load_seed
from assets.partitions import month_key, partition_months
from assets.validate.months import VALIDATION_SEEDS, row_months, rules_fingerprint, stale_months
from assets.warehouse import ensure_warehouse
from pipelines.settings import Settings

# What the published warehouse says was already received, and under which rules each month stands.
PUBLISHED_AUDIT = ("load_log", "rejected_files", "month_validations")


@dataclass(frozen=True)
class DueWork:
    """The months a run should validate, and why."""

    new_files: list[str]
    touched_months: list[str]
    months_under_older_rules: list[str]
    months_outside_partitions: int

    @property
    def months(self) -> list[str]:
        """Return the partition keys to run: touched and stale months (or this month for stray rows)."""
        keys = sorted(set(self.touched_months) | set(self.months_under_older_rules))
        if not keys and self.months_outside_partitions:
            # New rows with no month (an unreadable period) or a month outside the partitions are
            # validated (and quarantined) by whichever month a run covers.
            keys = [month_key(date.today())]
        return keys


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _copy_published_audit(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    if not settings.warehouse.exists():
        return
    with duckdb.connect(str(settings.warehouse), read_only=True) as published:
        tables = {t: published.execute(f"select * from audit.{t}").fetch_arrow_table()
                  for t in PUBLISHED_AUDIT}
    for table, rows in tables.items():
        con.register("published_rows", rows)
        con.execute(f"insert into audit.{table} by name select * from published_rows")
        con.unregister("published_rows")


def due_work(settings: Settings) -> DueWork:
    """Return the months that files not yet published touch, and months validated under older rules."""
    # Reading ahead is silent: the run that loads the files reports what it rejects.
    with _quiet(ingest_log), duckdb.connect() as con:
        ensure_warehouse(con)
        for name in VALIDATION_SEEDS:
            load_seed(con, settings.reference_dir, name)
        _copy_published_audit(con, settings)
        new_files: list[str] = []
        months: list[date | None] = []
        stale: list[date] = []
        for kind in SUBMISSION_TYPES.values():
            summary = ingest_inbox(con, settings.inbox, kind, settings.partners_dir)
            new_files += summary.files_loaded + summary.files_rejected + summary.files_duplicate
            raw = con.execute(
                f"select r.period, l.date_order from raw.{kind.name} as r join audit.load_log as l "
                "on l.file_hash = r.file_hash and l.submission_type = ?", [kind.name]).pl()
            if raw.height:
                months += row_months(raw).unique().to_list()
            stale += stale_months(con, kind, rules_fingerprint(con, kind))
    touched = partition_months(m for m in months if m is not None)
    unplaced = sum(m is None or month_key(m) not in touched for m in months)
    return DueWork(sorted(set(new_files)), touched, partition_months(stale), unplaced)

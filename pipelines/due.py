"""What a run has to do: the months that new or resubmitted files touch, and months under older rules.

The sensor and the schedule read the inbox's new files the way ingestion reads them, into a database
in memory, so the months found are exactly the months those rows will be validated under; files
examined before and unchanged since are not read (assets.ingest.catalog). `joinedup run` ingests
first and takes the months from the working database instead (`due_after_ingest`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from assets.contract import SUBMISSION_TYPES, SubmissionType
from assets.ingest.load import ingest_inbox
from assets.ingest.load import log as ingest_log
from assets.models.seeds import load_seed, seed_docs, source_stat, table_digest, table_digests
from assets.models.versions import model_versions
from assets.partitions import month_key, partition_months
from assets.validate.months import VALIDATION_SEEDS, row_months, rules_fingerprint, stale_months
from assets.validate.plausibility import PLAUSIBILITY_CHECKED
from assets.warehouse import ensure_warehouse
from pipelines.settings import Settings

# What the published warehouse says was already received, and under which rules each month stands.
PUBLISHED_AUDIT = ("load_log", "rejected_files", "month_validations", "inbox_files")


@dataclass(frozen=True)
class TypeDue:
    """One submission type's new files, and its months due: touched by them, or under older rules."""

    new_files: list[str] = field(default_factory=list)
    touched_months: list[str] = field(default_factory=list)
    months_under_older_rules: list[str] = field(default_factory=list)
    # new rows whose period cannot be read, or falls outside the partitions (counted by distinct month)
    months_outside_partitions: int = 0

    @property
    def months(self) -> list[str]:
        """Return the partition keys to validate (this month's, if only stray rows need validating)."""
        keys = sorted(set(self.touched_months) | set(self.months_under_older_rules))
        if not keys and self.months_outside_partitions:
            # rows with no partition of their own are validated (and quarantined) by any month's run
            keys = [month_key(date.today())]
        return keys


@dataclass(frozen=True)
class DueWork:
    """What changed since the last publication (files, reference tables, model code) and the months due."""

    by_type: dict[str, TypeDue]
    seeds_changed: list[str]
    models_changed: list[str]

    @property
    def new_files(self) -> list[str]:
        """Return the files not yet received, of every type, each as `<type>/<name>`: partners name their
        files of different types alike (`NOR-LA_20260418.csv` in finance/ and in outcomes/)."""
        return sorted(f"{kind}/{name}" for kind, due in self.by_type.items() for name in due.new_files)

    @property
    def types(self) -> list[str]:
        """Return the submission types with months due."""
        return [kind for kind, due in self.by_type.items() if due.months]

    @property
    def months(self) -> list[str]:
        """Return every month due for any type."""
        return sorted({m for due in self.by_type.values() for m in due.months})

    def changed_assets(self) -> list[dg.AssetKey]:
        """Return the assets whose inputs changed: they and everything downstream of them are due."""
        return (
            [dg.AssetKey(["seeds", name]) for name in self.seeds_changed]
            + [dg.AssetKey(model.split("/")) for model in self.models_changed]
            + [dg.AssetKey(["raw", kind]) for kind, due in self.by_type.items() if due.new_files]
            + [dg.AssetKey(["validated", kind]) for kind in self.types]
        )


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _copy_published_audit(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    with duckdb.connect(str(settings.warehouse), read_only=True) as published:
        tables = {
            t: published.execute(f"select * from audit.{t}").fetch_arrow_table() for t in PUBLISHED_AUDIT
        }
    for table, rows in tables.items():
        con.register("published_rows", rows)
        con.execute(f"insert into audit.{table} by name select * from published_rows")
        con.unregister("published_rows")


def _published(settings: Settings) -> bool:
    return settings.warehouse.exists() and settings.build_database.exists()


def seeds_changed(settings: Settings) -> list[str]:
    """Return the reference tables whose data differs from the table last published (all, before that).

    A table whose files are as they were when it was last loaded (names, sizes, modification times)
    is unchanged without reading them; the others are loaded and compared row by row.
    """
    if not _published(settings):
        return list(seed_docs())
    with duckdb.connect(str(settings.warehouse), read_only=True) as published:
        try:
            recorded = dict(published.execute("select seed, source_stat from audit.seed_sources").fetchall())
        except duckdb.CatalogException:  # published by a version that did not record them
            recorded = {}
        touched = [
            name
            for name in seed_docs()
            if recorded.get(name) != source_stat(settings.reference_dir, name, settings.partners_dir)
        ]
        held = table_digests(published, "seeds", touched)
    if not touched:
        return []
    with duckdb.connect() as con:
        ensure_warehouse(con)
        changed = []
        for name in touched:
            load_seed(con, settings.reference_dir, name, settings.partners_dir)
            if table_digest(con, "seeds", name) != held[name]:
                changed.append(name)
    return changed


def _type_due(
    con: duckdb.DuckDBPyConnection, kind: SubmissionType, new_files: list[str], expectations_dir: Path
) -> TypeDue:
    """Return a type's months due: those its rows not yet validated fall in, and those under older rules."""
    raw = con.execute(
        f"select r.period, l.date_order from raw.{kind.name} as r join audit.load_log as l "
        "on l.file_hash = r.file_hash and l.submission_type = ? where l.status = 'received'",
        [kind.name],
    ).pl()
    months: list[date | None] = row_months(raw).unique().to_list() if raw.height else []
    found = [m for m in months if m is not None]
    if kind.name == PLAUSIBILITY_CHECKED:
        # each outcome figure is checked against the partner's month before: a changed month
        # changes the check of the month after it
        found += pl.Series(found, dtype=pl.Date).dt.offset_by("1mo").to_list()
    touched = partition_months(found)
    return TypeDue(
        sorted(new_files),
        touched,
        partition_months(stale_months(con, kind, rules_fingerprint(con, kind, expectations_dir))),
        len({m for m in months if m is None or month_key(m) not in touched}),
    )


def _models_changed(settings: Settings) -> list[str]:
    """Return the models whose code differs from the code their published version was built with."""
    built_with = {}
    if _published(settings):
        with duckdb.connect(str(settings.warehouse), read_only=True) as published:
            built_with = dict(published.execute("select model, version from audit.model_versions").fetchall())
    return sorted(k for k, version in model_versions().items() if built_with.get(k) != version)


def due_work(settings: Settings, arrived: Collection[str] | None = None) -> DueWork:
    """Return what changed since the last publication, and the months due because of it.

    The inbox's new files (those not examined before, or changed since; or only `arrived`, the paths
    the sensor saw arrive) are read ahead into a database in memory beside a copy of the published
    audit trail, so the cost grows with what is new; ingestion's own rules apply (a file still being
    written waits, links and pipes are skipped, to be recorded by the run). With nothing published
    (or the working database gone), every file, reference table and model is new.
    """
    changed_seeds = seeds_changed(settings)
    # Reading ahead is silent: the run that loads the files reports what it rejects.
    with _quiet(ingest_log), duckdb.connect() as con:
        ensure_warehouse(con)
        if _published(settings):
            _copy_published_audit(con, settings)
        for name in VALIDATION_SEEDS:
            load_seed(con, settings.reference_dir, name, settings.partners_dir)
        by_type: dict[str, TypeDue] = {}
        for kind in SUBMISSION_TYPES.values():
            summary = ingest_inbox(con, settings.inbox, kind, settings.partners_dir, only=arrived)
            by_type[kind.name] = _type_due(
                con,
                kind,
                summary.files_loaded
                + summary.files_rejected
                + summary.files_duplicate
                + summary.files_skipped,
                settings.expectations_dir,
            )
        return DueWork(by_type, changed_seeds, _models_changed(settings))


def due_after_ingest(
    con: duckdb.DuckDBPyConnection, settings: Settings, changed_seeds: list[str], ingest_run_id: str
) -> DueWork:
    """Return the work due in a working database whose new files and changed reference tables are loaded.

    `joinedup run` ingests first and works out the months from what it loaded, instead of reading
    the new files twice.
    """
    by_type = {}
    for kind in SUBMISSION_TYPES.values():
        new_files = [
            name
            for (name,) in con.execute(
                "select file_name from audit.load_log where submission_type = ? and run_id = ? "
                "union select file_name from audit.rejected_files where submission_type = ? and run_id = ?",
                [kind.name, ingest_run_id, kind.name, ingest_run_id],
            ).fetchall()
        ]
        by_type[kind.name] = _type_due(con, kind, new_files, settings.expectations_dir)
    return DueWork(by_type, changed_seeds, _models_changed(settings))

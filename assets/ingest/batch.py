"""What one ingest pass read, appended in one go: raw rows, load log, rejections and rows out of scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import polars as pl
from polars.datatypes import DataTypeClass

from assets.arrow_handoff import ArrowStream
from assets.contract import SubmissionType
from assets.ingest.files import RejectedFile, partner_in_name
from assets.ingest.inbox import NOT_A_FILE
from assets.ingest.partners import PartnerProfile
from assets.ingest.reader import Extract
from assets.ingest.sources import SourceMapping
from assets.ingest.spread import Service

LOAD_LOG_SCHEMA: dict[str, pl.DataType | DataTypeClass] = {
    "file_hash": pl.String,
    "submission_type": pl.String,
    "file_name": pl.String,
    "partner_code": pl.String,
    "submitted_on": pl.Date,
    "encoding": pl.String,
    "sheets": pl.String,
    "mapping": pl.String,
    "date_order": pl.String,
    "percent_scale": pl.String,
    "rows_received": pl.Int64,
    "rows_loaded": pl.Int64,
    "rows_quarantined": pl.Int64,
    "text_repairs": pl.Int64,
    "status": pl.String,
    "message": pl.String,
    "ingested_at": pl.Datetime("us"),
    "validated_at": pl.Datetime("us"),
    "run_id": pl.String,
}
REJECTED_SCHEMA: dict[str, pl.DataType | DataTypeClass] = {
    "file_hash": pl.String,
    "submission_type": pl.String,
    "file_name": pl.String,
    "partner_code": pl.String,
    "rule": pl.String,
    "reason": pl.String,
    "same_as_file_name": pl.String,
    "bytes": pl.Int64,
    "run_id": pl.String,
    "rejected_at": pl.Datetime("us"),
    "mapping": pl.String,
}
QUARANTINE_SCHEMA: dict[str, pl.DataType | DataTypeClass] = {
    "file_hash": pl.String,
    "file_name": pl.String,
    "sheet_name": pl.String,
    "submission_type": pl.String,
    "row_number": pl.Int64,
    "column_name": pl.String,
    "rule": pl.String,
    "value": pl.String,
    "meaning": pl.String,
    "run_id": pl.String,
    "quarantined_at": pl.Datetime("us"),
}


@dataclass(frozen=True)
class PassSetup:
    """What every file of a pass is read and checked against: its submission type, the reference data,
    the mappings, the run and the time (ingest's own, not a Dagster context)."""

    kind: SubmissionType
    known_partners: frozenset[str]
    profiles: dict[str, PartnerProfile]
    profile_problems: dict[str, str]
    sources: list[SourceMapping]
    source_problems: dict[str, str]
    run_id: str | None
    now: datetime
    services: tuple[Service, ...] = ()


@dataclass(frozen=True)
class Received:
    """A file about to be added: its name, hash, whose it is (None: each row's own) and when it was sent."""

    name: str
    digest: str
    partner_code: str | None
    submitted_on: date
    fallback_partner: str


@dataclass
class Batch:
    """Everything one pass read, appended to the warehouse in one go at the end."""

    rows: list[tuple] = field(default_factory=list)
    file_indexes: list[int] = field(default_factory=list)
    provenance: list[dict] = field(default_factory=list)
    log_entries: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)
    out_of_scope: list[dict] = field(default_factory=list)

    def log_entry(self, setup: PassSetup, digest: str, name: str) -> dict:
        """Return the load-log fields every file has."""
        return {
            "file_hash": digest,
            "submission_type": setup.kind.name,
            "file_name": name,
            "ingested_at": setup.now,
            "run_id": setup.run_id,
        }

    def reject(
        self,
        setup: PassSetup,
        digest: str,
        name: str,
        size: int,
        partner: str | None,
        rejected: RejectedFile,
        mapping: str | None = None,
    ) -> None:
        """Record a file rejected whole: in the rejections and in the load log, with the publication's
        mapping file when a source mapping named it."""
        self.rejections.append(rejection(setup, digest, name, size, partner, rejected, mapping))
        self.log_entries.append(
            self.log_entry(setup, digest, name)
            | {
                "partner_code": partner,
                "mapping": mapping,
                "status": "rejected",
                "message": str(rejected),
                "rows_received": rejected.rows,
                "rows_loaded": 0,
                "rows_quarantined": rejected.rows,
                "validated_at": setup.now,
            }
        )

    def skip(self, setup: PassSetup, name: str, reason: str, source: SourceMapping | None = None) -> None:
        """Record an inbox entry that is not a file (one a partner sent, or one a publication's `source`
        mapping names): not read, so it has no hash and no load-log row."""
        partner, mapping = sender(name, source)
        self.rejections.append(
            rejection(setup, "", name, None, partner, RejectedFile(NOT_A_FILE, reason), mapping)
        )

    def add_extract(self, setup: PassSetup, file: Received, extract: Extract, entry: dict) -> None:
        """Add a file's rows, the rows its mapping leaves out of scope, and its load-log entry."""
        index = len(self.provenance)
        self.rows += extract.rows
        self.file_indexes += [index] * len(extract.rows)
        self.provenance.append(
            {
                "file_index": index,
                "file_hash": file.digest,
                "file_name": file.name,
                "file_partner_code": file.partner_code,
                "fallback_partner_code": file.fallback_partner,
                "submitted_on": file.submitted_on,
                "loaded_at": setup.now,
            }
        )
        self.out_of_scope += [
            {
                "file_hash": file.digest,
                "file_name": file.name,
                "sheet_name": e.sheet_name,
                "submission_type": setup.kind.name,
                "row_number": e.row_number,
                "column_name": e.column,
                "rule": e.rule,
                "value": e.value,
                "meaning": e.reason,
                "run_id": setup.run_id,
                "quarantined_at": setup.now,
            }
            for e in extract.excluded
        ]
        # rows read wait for validation; a file whose every row is out of scope has nothing to validate
        status = (
            {"status": "received"}
            if extract.rows
            else {
                "status": "validated",
                "rows_loaded": 0,
                "rows_quarantined": len(extract.excluded),
                "validated_at": setup.now,
            }
        )
        self.log_entries.append(
            self.log_entry(setup, file.digest, file.name)
            | entry
            | status
            | {
                "partner_code": file.partner_code,
                "submitted_on": file.submitted_on,
                "rows_received": len(extract.rows) + len(extract.excluded),
                "message": "; ".join(extract.notes) or None,
            }
        )

    def append_to(self, con: duckdb.DuckDBPyConnection, kind: SubmissionType) -> None:
        """Insert everything read into raw.<type> and the audit tables."""
        if self.rows:
            schema = {"sheet_name": pl.String, "row_number": pl.Int64} | dict.fromkeys(
                kind.columns, pl.String
            )
            text = pl.col(kind.columns).str.strip_chars()
            rows = (
                pl.DataFrame(self.rows, schema=schema, orient="row")
                .with_columns(
                    pl.when(text != "").then(text).name.keep(),
                    pl.Series("file_index", self.file_indexes, dtype=pl.Int64),
                )
                .join(pl.DataFrame(self.provenance), on="file_index", maintain_order="left")
                # A publication carrying many partners' figures speaks for each row's own partner.
                .with_columns(
                    pl.coalesce("file_partner_code", "partner_code", "fallback_partner_code").alias(
                        "file_partner_code"
                    )
                )
                .drop("file_index", "fallback_partner_code")
            )
            _insert(con, f"raw.{kind.name}", rows)
        if self.log_entries:
            _insert(con, "audit.load_log", pl.DataFrame(self.log_entries, schema=LOAD_LOG_SCHEMA))
        if self.rejections:
            _insert(con, "audit.rejected_files", pl.DataFrame(self.rejections, schema=REJECTED_SCHEMA))
        if self.out_of_scope:
            _insert(con, "audit.quarantine", pl.DataFrame(self.out_of_scope, schema=QUARANTINE_SCHEMA))


def sender(name: str, source: SourceMapping | None) -> tuple[str | None, str | None]:
    """Return whose a file is before its rows are read, as (partner code, mapping file): the publication's
    when a source mapping names it, else the partner its name starts with."""
    return (source.partner_code, source.mapping_file) if source else (partner_in_name(name), None)


def rejection(
    setup: PassSetup,
    digest: str,
    name: str,
    size: int | None,
    partner: str | None,
    rejected: RejectedFile,
    mapping: str | None = None,
) -> dict:
    """Return the audit.rejected_files row of a file that could not be loaded (or was not read);
    `mapping` is the mapping file of the publication that named it, if one did."""
    return {
        "file_hash": digest,
        "submission_type": setup.kind.name,
        "file_name": name,
        "partner_code": partner,
        "rule": rejected.rule,
        "reason": str(rejected),
        "bytes": size,
        "run_id": setup.run_id,
        "rejected_at": setup.now,
        "mapping": mapping,
    }


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    con.register("incoming_rows", ArrowStream(frame))
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")

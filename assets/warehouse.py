"""The warehouse's fixed tables: raw submissions, validated rows and the audit trail."""

from __future__ import annotations

import logging

import duckdb

from assets.contract import SUBMISSION_TYPES, SubmissionType

log = logging.getLogger(__name__)

SCHEMAS = ("raw", "validated", "audit", "seeds", "staging", "intermediate", "marts")

Columns = tuple[tuple[str, str], ...]

PROVENANCE: Columns = (
    ("file_hash", "varchar not null"),
    ("file_name", "varchar not null"),
    ("sheet_name", "varchar"),
    ("row_number", "bigint not null"),
    ("file_partner_code", "varchar not null"),
    ("submitted_on", "date not null"),
    ("loaded_at", "timestamp not null"),
)


def _findings(at: str) -> Columns:
    """Rows that broke a rule: quarantined (ERROR) or kept with a warning (WARN); same shape for both."""
    return (
        ("file_hash", "varchar not null"),
        ("file_name", "varchar not null"),
        ("sheet_name", "varchar"),
        ("submission_type", "varchar not null"),
        ("row_number", "bigint"),
        ("column_name", "varchar"),
        ("rule", "varchar not null"),
        ("value", "varchar"),
        ("meaning", "varchar not null"),
        ("run_id", "varchar"),
        (at, "timestamp not null"),
    )


AUDIT_TABLES: dict[str, Columns] = {
    "load_log": (
        ("file_hash", "varchar not null"),
        ("submission_type", "varchar not null"),
        ("file_name", "varchar not null"),
        ("partner_code", "varchar"),
        ("submitted_on", "date"),
        ("encoding", "varchar"),
        ("sheets", "varchar"),
        ("mapping", "varchar"),
        ("date_order", "varchar"),
        ("percent_scale", "varchar"),
        ("rows_received", "bigint"),
        ("rows_loaded", "bigint"),
        ("rows_quarantined", "bigint"),
        ("text_repairs", "bigint"),
        ("status", "varchar not null"),
        ("message", "varchar"),
        ("ingested_at", "timestamp not null"),
        ("validated_at", "timestamp"),
        ("run_id", "varchar"),
    ),
    "rejected_files": (
        ("file_hash", "varchar not null"),
        ("submission_type", "varchar not null"),
        ("file_name", "varchar not null"),
        ("partner_code", "varchar"),
        ("rule", "varchar not null"),
        ("reason", "varchar not null"),
        ("same_as_file_name", "varchar"),
        ("bytes", "bigint"),
        ("run_id", "varchar"),
        ("rejected_at", "timestamp not null"),
        # the publication's source mapping that named the file (sources/<name>.yaml, as
        # audit.load_log.mapping); added after the others, so older warehouses gain it in place
        ("mapping", "varchar"),
    ),
    # whose rows were held back: the partner that sent the row (the file's, or the row's own in a
    # publication of many partners) and the service it named, when the reference data knows it
    "quarantine": (*_findings("quarantined_at"), ("partner_code", "varchar"), ("service_code", "varchar")),
    "warnings": _findings("warned_at"),
    "validation_runs": (
        ("run_id", "varchar"),
        ("suite", "varchar not null"),
        ("target_table", "varchar not null"),
        ("rows_validated", "bigint not null"),
        ("expectations_run", "bigint not null"),
        ("expectations_failed", "bigint not null"),
        ("errors", "bigint not null"),
        ("warnings", "bigint not null"),
        ("seconds", "double not null"),
        ("validated_at", "timestamp not null"),
    ),
    # The rules (suite and reference data, as a digest) each month of each type was last validated against.
    "month_validations": (
        ("submission_type", "varchar not null"),
        ("period_month", "date not null"),
        ("fingerprint", "varchar not null"),
        ("run_id", "varchar"),
        ("validated_at", "timestamp not null"),
    ),
    # The version of the code each SQL or Python model was last built with.
    "model_versions": (
        ("model", "varchar not null"),
        ("version", "varchar not null"),
        ("built_at", "timestamp not null"),
    ),
    # What the month-by-month models (`config: month_column` in their `.yml`) were last built from: per
    # model and month of its rows, a digest of the upstream rows of that month, with the model's code
    # version, and when the month's rows were last replaced (empty for months recorded before it was kept).
    "model_months": (
        ("model", "varchar not null"),
        ("version", "varchar not null"),
        ("period_month", "date not null"),
        ("upstream_digest", "varchar not null"),
        ("built_at", "timestamp"),
    ),
    # Every inbox file each type has examined, by name, size and modification time: unchanged files
    # are not read again (assets.ingest.catalog).
    "inbox_files": (
        ("submission_type", "varchar not null"),
        ("file_name", "varchar not null"),
        ("bytes", "bigint not null"),
        ("modified_ns", "bigint not null"),
        ("file_hash", "varchar not null"),
        ("mappings_digest", "varchar not null"),
        ("examined_at", "timestamp not null"),
    ),
    # What each reference table was last loaded from, by the names, sizes and modification times of
    # its files: a table whose files are as recorded is not read again to see if it changed.
    "seed_sources": (
        ("seed", "varchar not null"),
        ("source_stat", "varchar not null"),
        ("loaded_at", "timestamp not null"),
    ),
    # Great Expectations' own latest result of each suite on each table (a row per chunk), for Data Docs.
    "validation_results": (
        ("run_id", "varchar"),
        ("suite", "varchar not null"),
        ("target_table", "varchar not null"),
        ("chunk", "bigint not null"),
        ("result", "json not null"),
        ("validated_at", "timestamp not null"),
        # the partnership area whose rows were validated, when areas are run as partitions (one result
        # per area; pipelines/area_partitions.py); added after the others, so older warehouses gain it
        ("area", "varchar"),
    ),
}
# A file is loaded once per submission type it feeds (a workbook in inbox/returns/ may feed several).
PRIMARY_KEYS = {
    "load_log": ("submission_type", "file_hash"),
    "month_validations": ("submission_type", "period_month"),
    "model_versions": ("model",),
    "model_months": ("model", "period_month"),
    "inbox_files": ("submission_type", "file_name"),
    "seed_sources": ("seed",),
}


def raw_columns(kind: SubmissionType) -> Columns:
    """Return `raw.<type>`'s columns: every contract column as received text, plus provenance."""
    return (*((c, "varchar") for c in kind.columns), *PROVENANCE)


def validated_columns(kind: SubmissionType) -> Columns:
    """Return `validated.<type>`'s columns: typed contract columns, what was repaired, provenance."""

    def column_type(c: str) -> str:
        return "double" if c in kind.numeric else "date" if c == "period" or c in kind.dates else "varchar"

    return (
        *((c, column_type(c)) for c in kind.columns),
        ("period_grain", "varchar"),
        ("suppressed_columns", "varchar[]"),
        *((f"{c}_as_received", "varchar") for c in kind.free_text),
        *PROVENANCE,
    )


def _create(table: str, columns: Columns, key: tuple[str, ...] = ()) -> str:
    body = ",\n".join(f"    {name} {sql_type}" for name, sql_type in columns)
    if key:
        body += f",\n    primary key ({', '.join(key)})"
    return f"create table if not exists {table} (\n{body}\n)"


def fixed_tables() -> dict[str, Columns]:
    """Return every fixed table (`schema.table`) and its columns."""
    tables = {f"audit.{name}": columns for name, columns in AUDIT_TABLES.items()}
    for kind in SUBMISSION_TYPES.values():
        tables[f"raw.{kind.name}"] = raw_columns(kind)
        tables[f"validated.{kind.name}"] = validated_columns(kind)
    return tables


def as_this_version(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Return a subquery of the fixed table `table` (`schema.table`) with this version's columns, those a
    database of an older version lacks left empty: a kept publication is read as it was written."""
    schema, name = table.split(".")
    found = {
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
    columns = ", ".join(
        c if c in found else f"cast(null as {sql_type.split()[0]}) as {c}"
        for c, sql_type in fixed_tables()[table]
    )
    return f"(select {columns} from {table})"


def added_columns(found: list[str], columns: Columns) -> Columns | None:
    """Return the columns a table of `found` columns lacks, when it can gain them in place: they come
    after all it has and may be empty (old rows get none). None when it cannot be brought up to date."""
    names = [c for c, _ in columns]
    missing = columns[len(found) :]
    if names[: len(found)] != found or any("not null" in sql_type for _, sql_type in missing):
        return None
    return missing


def ensure_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and fixed tables if they do not exist, add the columns an older version's
    tables lack when they can be (nullable, at the end); refuse a database of another shape."""
    schemas = {
        name
        for (name,) in con.execute(
            "select schema_name from duckdb_schemas() where database_name = current_database()"
        ).fetchall()
    }
    for schema in SCHEMAS:
        if schema not in schemas:
            con.execute(f"create schema {schema}")
    found: dict[str, list[str]] = {}
    for table, column in con.execute(
        "select schema_name || '.' || table_name, column_name from duckdb_columns() "
        "where database_name = current_database() order by schema_name, table_name, column_index"
    ).fetchall():
        found.setdefault(table, []).append(column)
    for table, columns in fixed_tables().items():
        if table not in found:
            con.execute(
                _create(
                    table,
                    columns,
                    PRIMARY_KEYS.get(table.split(".")[1], ()) if table.startswith("audit.") else (),
                )
            )
        elif (missing := added_columns(found[table], columns)) is None:
            raise RuntimeError(
                f"{table} in this database has an older shape than this version of "
                "joinedup expects; remove the build database (make clean) and run again"
            )
        else:
            for name, sql_type in missing:
                log.info("adding %s.%s (%s), empty in the rows already there", table, name, sql_type)
                con.execute(f"alter table {table} add column {name} {sql_type}")

"""The warehouse's fixed tables: raw submissions, validated rows and the audit trail."""

from __future__ import annotations

import duckdb

from assets.contract import SUBMISSION_TYPES, SubmissionType

SCHEMAS = ("raw", "validated", "audit", "seeds", "staging", "intermediate", "marts")

PROVENANCE_COLUMNS = """
    file_hash varchar not null,
    file_name varchar not null,
    row_number bigint not null,
    file_partner_code varchar not null,
    submitted_on date not null,
    loaded_at timestamp not null"""

# Rows that broke a rule: quarantined (ERROR) or kept with a warning (WARN); same shape for both.
FINDINGS_TABLE = """
    create table if not exists audit.{table} (
        file_hash varchar not null,
        file_name varchar not null,
        submission_type varchar not null,
        row_number bigint,
        column_name varchar,
        rule varchar not null,
        value varchar,
        meaning varchar not null,
        run_id varchar,
        {at} timestamp not null
    )"""

AUDIT_TABLES = {
    "load_log": """
        create table if not exists audit.load_log (
            file_hash varchar primary key,
            submission_type varchar not null,
            file_name varchar not null,
            partner_code varchar,
            submitted_on date,
            encoding varchar,
            rows_received bigint,
            rows_loaded bigint,
            rows_quarantined bigint,
            status varchar not null,
            message varchar,
            ingested_at timestamp not null,
            validated_at timestamp,
            run_id varchar
        )""",
    "quarantine": FINDINGS_TABLE.format(table="quarantine", at="quarantined_at"),
    "warnings": FINDINGS_TABLE.format(table="warnings", at="warned_at"),
    "validation_runs": """
        create table if not exists audit.validation_runs (
            run_id varchar,
            suite varchar not null,
            target_table varchar not null,
            rows_validated bigint not null,
            expectations_run bigint not null,
            expectations_failed bigint not null,
            errors bigint not null,
            warnings bigint not null,
            seconds double not null,
            validated_at timestamp not null
        )""",
}


def raw_table_sql(kind: SubmissionType) -> str:
    """Return DDL for `raw.<type>`: every contract column as received text, plus provenance."""
    columns = ",\n".join(f"    {c} varchar" for c in kind.columns)
    return f"create table if not exists raw.{kind.name} (\n{columns},{PROVENANCE_COLUMNS}\n)"


def validated_table_sql(kind: SubmissionType) -> str:
    """Return DDL for `validated.<type>`: typed contract columns plus provenance."""
    def column_type(c: str) -> str:
        return "double" if c in kind.numeric else "date" if c == "period" else "varchar"

    columns = ",\n".join(f"    {c} {column_type(c)}" for c in kind.columns)
    return f"create table if not exists validated.{kind.name} (\n{columns},{PROVENANCE_COLUMNS}\n)"


def ensure_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and fixed tables if they do not exist yet."""
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    for ddl in AUDIT_TABLES.values():
        con.execute(ddl)
    for kind in SUBMISSION_TYPES.values():
        con.execute(raw_table_sql(kind))
        con.execute(validated_table_sql(kind))

"""Warehouses written by an older version: audit columns added since are added in place (issue 18:
audit.rejected_files.mapping), and a kept publication that never gets them is still read."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from assets.warehouse import added_columns, as_this_version, ensure_warehouse, fixed_tables
from pipelines.inbox_report import UNATTRIBUTED, inbox_report, latest_run

# audit.rejected_files as the version before issue 18's publication column wrote it
OLD_REJECTED_FILES = """
    create table audit.rejected_files (
        file_hash varchar not null, submission_type varchar not null, file_name varchar not null,
        partner_code varchar, rule varchar not null, reason varchar not null, same_as_file_name varchar,
        bytes bigint, run_id varchar, rejected_at timestamp not null
    )"""
AT = datetime(2026, 11, 2, 2, 0)
OLD_ROW = ("abc", "outcomes", "march.pdf", None, "wrong_file_type", "this is a PDF", None, 1234, "run-1", AT)


def _old_warehouse(path) -> None:
    """A warehouse of the version before: this version's fixed tables, but audit.rejected_files without
    mapping and holding one rejection; and the reference tables the inbox report reads."""
    with duckdb.connect(str(path)) as con:
        for schema in ("raw", "validated", "audit", "seeds"):
            con.execute(f"create schema {schema}")
        con.execute(OLD_REJECTED_FILES)
        con.execute("insert into audit.rejected_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", OLD_ROW)
        for table, columns in fixed_tables().items():
            if table != "audit.rejected_files":
                con.execute(
                    f"create table {table} as select "
                    + ", ".join(f"cast(null as {t.split()[0]}) as {c}" for c, t in columns)
                    + " limit 0"
                )
        con.execute("create table seeds.partners (partner_code varchar, partner_name varchar)")
        con.execute(
            "create table seeds.publications (mapping varchar, publication_name varchar, publisher varchar)"
        )


def _columns(con, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".")
    return con.execute(
        "select column_name, data_type from duckdb_columns() where schema_name = ? "
        "and table_name = ? order by column_index",
        [schema, name],
    ).fetchall()


def test_an_older_warehouse_gains_the_publication_column_in_place_keeping_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    _old_warehouse(path)
    with duckdb.connect(str(path)) as con:
        assert "mapping" not in dict(_columns(con, "audit.rejected_files"))
        ensure_warehouse(con)
        assert [c for c, _ in _columns(con, "audit.rejected_files")] == [
            "file_hash",
            "submission_type",
            "file_name",
            "partner_code",
            "rule",
            "reason",
            "same_as_file_name",
            "bytes",
            "run_id",
            "rejected_at",
            "mapping",
        ]
        assert _columns(con, "audit.rejected_files")[-1] == ("mapping", "VARCHAR")
        # the row already there is kept as it was, with no mapping
        assert con.execute("select * from audit.rejected_files").fetchall() == [(*OLD_ROW, None)]
        # a new rejection can name its publication's mapping
        con.execute(
            "insert into audit.rejected_files (file_hash, submission_type, file_name, rule, reason, "
            "rejected_at, mapping) values ('def', 'outcomes', 'ae/june.csv', 'empty_file', 'empty', "
            "?, 'sources/ae.yaml')",
            [AT],
        )
        ensure_warehouse(con)  # once migrated, nothing more to do
        assert con.execute("select file_name, mapping from audit.rejected_files order by 1").fetchall() == [
            ("ae/june.csv", "sources/ae.yaml"),
            ("march.pdf", None),
        ]


def test_a_table_that_cannot_gain_the_missing_columns_in_place_is_refused(tmp_path):
    with duckdb.connect(str(tmp_path / "odd.duckdb")) as con:
        con.execute("create schema audit")
        # `reason` (required) missing in the middle: old rows would have none, so this is no older version
        con.execute(
            "create table audit.rejected_files (file_hash varchar not null, submission_type varchar "
            "not null, file_name varchar not null, partner_code varchar, rule varchar not null)"
        )
        with pytest.raises(RuntimeError, match="audit.rejected_files in this database has an older shape"):
            ensure_warehouse(con)


@pytest.mark.parametrize(
    ("found", "added"),
    [
        (["a", "b", "c"], ()),
        (["a", "b"], (("c", "varchar"),)),
        (["a"], None),  # b is required: rows already there would break it
        (["a", "c"], None),  # not the start of this version's columns
        (["b", "a", "c"], None),
        (["a", "b", "c", "d"], None),
    ],
)
def test_only_empty_columns_after_all_the_table_has_are_added(found, added):
    columns = (("a", "varchar not null"), ("b", "bigint not null"), ("c", "varchar"))
    assert added_columns(found, columns) == added


def test_a_kept_publication_without_the_column_is_read_as_this_versions_shape(tmp_path):
    """A publication kept from before (rolled back to, or read before the next run) is opened read-only,
    never migrated: reports read it with the new column empty."""
    path = tmp_path / "kept.duckdb"
    _old_warehouse(path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute(
            f"select file_name, mapping from {as_this_version(con, 'audit.rejected_files')}"
        ).fetchall() == [("march.pdf", None)]
        assert latest_run(con) == "run-1"
        report = inbox_report(con, "run-1").splitlines()
        assert report[:4] == [
            UNATTRIBUTED,
            "=" * len(UNATTRIBUTED),
            "0 file(s) read: 0 row(s) received, 0 loaded, 0 held back; 1 file(s) not read.",
            "  Files we could not load (please act on these):",
        ]
        assert report[4] == "  outcomes/march.pdf: this is a PDF [wrong_file_type]"

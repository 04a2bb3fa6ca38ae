"""Validating a batch a part (whole files) at a time judges every row as validating it at once does."""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from assets.contract import SUBMISSION_TYPES
from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.validate import selection
from assets.validate.submissions import validate_rows

EVERY_MONTH = (date(1900, 1, 1), date(2100, 1, 1))
# what a validation leaves, less the moment it was done
VERDICTS = {
    "loaded": "select * exclude (loaded_at) from validated.{kind}",
    "quarantined": "select * exclude (quarantined_at) from audit.quarantine where submission_type = $kind",
    "warned": "select * exclude (warned_at) from audit.warnings where submission_type = $kind",
    "files": "select file_hash, status, rows_loaded, rows_quarantined, text_repairs from audit.load_log "
    "where submission_type = $kind",
    "results": "select chunk, result from audit.validation_results where suite = 'submission_' || $kind",
    "months": "select period_month, fingerprint from audit.month_validations where submission_type = $kind",
}
# what makes every file of a type new again: its verdicts forgotten (those of whole files at ingest kept)
AS_NEW = (
    "delete from validated.{kind}",
    "delete from audit.quarantine where submission_type = $kind and file_hash is not null",
    "delete from audit.warnings where submission_type = $kind",
    "delete from audit.month_validations where submission_type = $kind",
    "update audit.load_log set status = 'received' where submission_type = $kind and status = 'validated'",
)


def validated(warehouse: Path, copy: Path, kind: str, as_new: bool) -> dict[str, list]:
    """Validate a type's rows in a copy of the warehouse: every file again as new, or every month again."""
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for sql in AS_NEW if as_new else ():
            con.execute(sql.format(kind=kind), {"kind": kind} if "$kind" in sql else {})
        outcome = validate_rows(
            con,
            SUBMISSION_TYPES[kind],
            "again",
            None if as_new else EVERY_MONTH,
            expectations_dir=PROJECT_EXPECTATIONS_DIR,
        )
        found = {
            name: sorted(
                con.execute(sql.format(kind=kind), {"kind": kind} if "$kind" in sql else {}).fetchall(),
                key=repr,
            )
            for name, sql in VERDICTS.items()
        }
    found["outcome"] = [
        (
            outcome.files,
            outcome.rows_received,
            outcome.rows_loaded,
            outcome.rows_quarantined,
            outcome.new_rows,
        ),
        tuple(outcome.months),
    ]
    found["findings"] = sorted(outcome.findings.rows(), key=repr)
    return found


@pytest.mark.parametrize("as_new", [True, False], ids=["new files", "months again"])
@pytest.mark.parametrize("kind", sorted(SUBMISSION_TYPES))
def test_parts_of_a_few_files_give_the_verdicts_of_one_part(demo_run, tmp_path, monkeypatch, kind, as_new):
    settings, _, _ = demo_run
    whole = validated(settings.warehouse, tmp_path / "whole.duckdb", kind, as_new)
    monkeypatch.setattr(selection, "PART_ROWS", 40)
    in_parts = validated(settings.warehouse, tmp_path / "parts.duckdb", kind, as_new)
    assert whole["outcome"][0][1] > 200  # rows of many files, so many parts
    assert whole["results"]
    assert whole["quarantined"] or kind == "targets"  # the demo plants bad rows in every other type
    for name in whole:
        assert in_parts[name] == whole[name], name

"""The blocking rules on validated rows (assets/validate/blocking.py), as an area partition's run judges
them (the nightly job's checks are made from the same rules): on a database in memory, no run."""

from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from assets.contract import SUBMISSION_TYPES
from assets.project_files import PROJECT_EXPECTATIONS_DIR
from assets.validate.accounting import accounting_gaps
from assets.validate.blocking import broken_rules
from assets.warehouse import ensure_warehouse

OUTCOMES, TARGETS = SUBMISSION_TYPES["outcomes"], SUBMISSION_TYPES["targets"]


@pytest.fixture
def broken() -> duckdb.DuckDBPyConnection:
    """A working database where outcomes break both rules: a file that loses rows, a month validated
    under older rules; targets break none."""
    con = duckdb.connect()
    ensure_warehouse(con)
    con.execute(
        "insert into audit.load_log (file_hash, submission_type, file_name, status, rows_received, "
        "rows_loaded, rows_quarantined, ingested_at) values "
        "('h1', 'outcomes', 'NOR-LA_outcomes_20250210.csv', 'validated', 3, 3, 0, now())"
    )
    con.execute(
        "insert into audit.month_validations values ('outcomes', ?, 'older rules', 'r1', ?)",
        [date(2025, 1, 1), datetime(2025, 2, 11)],
    )
    return con


def test_a_broken_rule_names_its_type_rule_and_advice_and_a_sound_type_breaks_none(broken):
    found = broken_rules(broken, [OUTCOMES, TARGETS], PROJECT_EXPECTATIONS_DIR)
    assert found == [
        "validated/outcomes rows_accounted_for: 1 outcomes file(s) do not add up, first "
        "NOR-LA_outcomes_20250210.csv: 3 rows received, 0 loaded, 0 quarantined. Rows are being lost: "
        "send the file names to the data team; its rows as received are in raw.outcomes",
        "validated/outcomes validated_against_current_rules: the suite or reference data changed since "
        "1 month(s) from 2025-01 to 2025-01 were validated; run `joinedup backfill 2025-01 2025-01` "
        "(or wait for the nightly run, which validates them again)",
    ]
    assert broken_rules(broken, [TARGETS], PROJECT_EXPECTATIONS_DIR) == []


def test_a_types_accounting_reads_that_type_alone_and_agrees_with_every_types(broken):
    broken.execute(
        "insert into audit.load_log (file_hash, submission_type, file_name, status, rows_received, "
        "rows_loaded, rows_quarantined, ingested_at) values "
        "('h2', 'targets', 'NOR-LA_targets_20250210.csv', 'validated', 2, 2, 0, now()), "
        "('h3', 'targets', 'EAS-LA_targets_20250210.csv', 'validated', 0, 0, 0, now())"
    )
    every = accounting_gaps(broken)  # h1 and h2 lost their rows (3 and 2); h3 held none
    assert every.select("submission_type", "file_name").rows() == [
        ("outcomes", "NOR-LA_outcomes_20250210.csv"),
        ("targets", "NOR-LA_targets_20250210.csv"),
    ]
    for name in ("outcomes", "targets"):
        assert accounting_gaps(broken, [name]).equals(every.filter(pl.col("submission_type") == name))
    assert accounting_gaps(broken, ["finance", "workforce"]).is_empty()
    for wrong in ([], ["outcome"]):
        with pytest.raises(ValueError, match="expected some of targets, outcomes"):
            accounting_gaps(broken, wrong)

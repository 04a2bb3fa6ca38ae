"""Validate submission rows (new files, and whole months again): load the good ones, quarantine the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from assets.arrow_handoff import ArrowStream
from assets.contract import SubmissionType
from assets.partitions import MONTH_FORMAT, MONTHS
from assets.validate.months import record_months, rules_fingerprint, suite_name
from assets.validate.plausibility import BATCH_COLUMNS, PLAUSIBILITY_CHECKED
from assets.validate.records import record_run
from assets.validate.reference import suite_parameters, with_check_columns
from assets.validate.selection import rows_to_validate
from assets.validate.suite_sql import suite_columns
from assets.validate.suites import SuiteResult, run_suite, suite_spec
from assets.validate.typing import FINDING_SCHEMA, cast_rows
from assets.warehouse import validated_columns

# what places a raw row: its id in this pass, its file and where in the file it is
ROW_PLACE = ("row_id", "file_hash", "file_name", "sheet_name", "row_number")


@dataclass(frozen=True)
class ValidationOutcome:
    """What validating one submission type's rows did: new files' rows and the months re-validated."""

    submission_type: str
    files: int
    rows_received: int
    rows_loaded: int
    rows_quarantined: int
    suite: SuiteResult
    findings: pl.DataFrame
    new_rows: int
    months: list[date]


def _write_findings(
    con: duckdb.DuckDBPyConnection,
    table: str,
    findings: pl.DataFrame,
    places: pl.DataFrame,
    kind: SubmissionType,
    run_id: str | None,
) -> None:
    """Add findings to `audit.<table>`, each placed by its row (`places`: `ROW_PLACE`)."""
    if findings.is_empty():
        return
    at = "quarantined_at" if table == "quarantine" else "warned_at"
    rows = findings.join(places, on="row_id").select(
        "file_hash",
        "file_name",
        "sheet_name",
        pl.lit(kind.name).alias("submission_type"),
        "row_number",
        "column_name",
        "rule",
        "value",
        "meaning",
        pl.lit(run_id, pl.String).alias("run_id"),
        pl.lit(datetime.now()).alias(at),
    )
    con.register("finding_rows", ArrowStream(rows))
    con.execute(f"insert into audit.{table} by name select * from finding_rows")
    con.unregister("finding_rows")


def _attribute_quarantine(con: duckdb.DuckDBPyConnection, kind: SubmissionType) -> None:
    """Fill in the partner and service of this type's quarantined rows that have none yet.

    The partner is the one that sent the row (raw.<type>.file_partner_code: the file's partner, or
    the row's own in a publication of many partners), else the file's in the load log; the service is
    the one the row named, trimmed and upper-cased, when it is a joint service of the reference data.
    Rows quarantined at ingest (out of scope) have no raw row: they get the file's partner only.
    """
    con.execute(
        f"""
        update audit.quarantine as q set partner_code = a.partner_code, service_code = a.service_code
        from (
            select held.file_hash, held.sheet_name, held.row_number,
                   coalesce(received.file_partner_code, log.partner_code) as partner_code,
                   services.service_code,
            from (select distinct file_hash, sheet_name, row_number from audit.quarantine
                  where submission_type = $kind and partner_code is null) as held
            left join audit.load_log as log
                on log.submission_type = $kind and log.file_hash = held.file_hash
            left join raw.{kind.name} as received
                on received.file_hash = held.file_hash
                and received.sheet_name is not distinct from held.sheet_name
                and received.row_number = held.row_number
            left join seeds.joint_services as services
                on services.service_code = upper(trim(received.service_code))
        ) as a
        where q.submission_type = $kind and q.partner_code is null and q.file_hash = a.file_hash
            and q.sheet_name is not distinct from a.sheet_name
            and q.row_number is not distinct from a.row_number
        """,
        {"kind": kind.name},
    )


def _text_repairs(typed: pl.DataFrame, kind: SubmissionType) -> pl.DataFrame:
    """Return, per file, how many free-text values were repaired."""
    repaired = (
        pl.sum_horizontal([pl.col(f"{c}_as_received").is_not_null() for c in kind.free_text])
        if kind.free_text
        else pl.lit(0)
    )
    return typed.group_by("file_hash").agg(repaired.sum().cast(pl.Int64).alias("repairs"))


def _previous_verdicts_removed(
    con: duckdb.DuckDBPyConnection, kind: SubmissionType, rows: pl.DataFrame
) -> None:
    """Delete what an earlier validation made of these raw rows: loaded rows, quarantine, warnings."""
    if rows.is_empty():
        return
    con.register("revalidated_rows", rows.select("file_hash", "sheet_name", "row_number").to_arrow())
    try:
        same_row = (
            "t.file_hash = r.file_hash and t.sheet_name is not distinct from r.sheet_name "
            "and t.row_number = r.row_number"
        )
        con.execute(f"delete from validated.{kind.name} as t using revalidated_rows as r where {same_row}")
        for table in ("quarantine", "warnings"):
            con.execute(
                f"delete from audit.{table} as t using revalidated_rows as r "
                f"where t.submission_type = ? and {same_row}",
                [kind.name],
            )
    finally:
        con.unregister("revalidated_rows")


def _months_to_record(
    con: duckdb.DuckDBPyConnection,
    kind: SubmissionType,
    months: pl.DataFrame,
    window: tuple[date, date] | None,
) -> list[date]:
    """Return the months whose every row this pass validated: the window's and months new to the warehouse.

    `months`: the months of the rows validated, each with `is_new` (some row of it is in a new file).
    """
    recorded = {
        m
        for (m,) in con.execute(
            "select period_month from audit.month_validations where submission_type = ?", [kind.name]
        ).fetchall()
    }
    # months outside the partitions are validated when their rows are new, never again by month
    months = months.filter(pl.col("month").dt.strftime(MONTH_FORMAT).is_in(MONTHS.get_partition_keys()))
    in_window = (
        months.filter(pl.col("month").is_between(*window, closed="left")) if window else months.clear()
    )
    new = months.filter(pl.col("is_new") & ~pl.col("month").is_in(list(recorded)))
    return sorted(set(in_window["month"]) | set(new["month"]))


def _update_load_log(
    con: duckdb.DuckDBPyConnection, kind: SubmissionType, files: list[str], repairs: pl.DataFrame
) -> None:
    """Set rows loaded and quarantined of every file validated (`files`), and text repairs of the new ones
    (`repairs`: per file)."""
    con.register("repairs", repairs.to_arrow())
    con.register(
        "batch_files", pl.DataFrame({"file_hash": files}, schema={"file_hash": pl.String}).to_arrow()
    )
    try:
        con.execute(
            f"""
            update audit.load_log as l set
                rows_loaded = coalesce(v.loaded, 0),
                rows_quarantined = l.rows_received - coalesce(v.loaded, 0),
                text_repairs = coalesce(v.repairs, l.text_repairs, 0),
                status = 'validated', validated_at = now()
            from (select b.file_hash, count(v2.file_hash) as loaded, any_value(r.repairs) as repairs
                  from batch_files as b
                  left join validated.{kind.name} as v2 on v2.file_hash = b.file_hash
                  left join repairs as r on r.file_hash = b.file_hash
                  group by b.file_hash) as v
            where l.file_hash = v.file_hash and l.submission_type = ?
            """,
            [kind.name],
        )
    finally:
        con.unregister("repairs")
        con.unregister("batch_files")


def _without(rows: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    """`rows` but those with a finding: the frame itself, not a copy, when there is none."""
    if findings.is_empty():
        return rows
    return rows.filter(~pl.col("row_id").is_in(findings["row_id"].implode()))


@dataclass
class _Typed:
    """What typing a batch's parts gave: the typed rows of each part, the typing's findings, the text
    repairs of new files, the months of the rows, and the rows of files already validated."""

    parts: list[pl.DataFrame] = field(default_factory=list)
    findings: list[pl.DataFrame] = field(default_factory=list)
    repairs: list[pl.DataFrame] = field(default_factory=list)
    months: list[pl.DataFrame] = field(default_factory=list)
    again: list[pl.DataFrame] = field(default_factory=list)

    def add(self, raw: pl.DataFrame, kind: SubmissionType, units: pl.DataFrame) -> None:
        """Type a part's raw rows (`RowsToValidate.read`)."""
        typed, findings = cast_rows(raw.drop("is_new", "month"), kind, units)
        new = raw.filter("is_new")["row_id"].implode()
        self.parts.append(typed)
        self.findings.append(findings)
        # A file's text repairs depend only on its text, so they are counted once, when it is new.
        self.repairs.append(_text_repairs(typed.filter(pl.col("row_id").is_in(new)), kind))
        self.months.append(raw.group_by("month").agg(pl.col("is_new").any()))
        self.again.append(raw.filter(~pl.col("is_new")).select("file_hash", "sheet_name", "row_number"))


def _checked(
    con: duckdb.DuckDBPyConnection,
    kind: SubmissionType,
    typed: _Typed,
    findings: pl.DataFrame,
    named: set[str],
) -> pl.DataFrame:
    """Return the rows that could be typed with the columns the suite checks (`named`), derived ones too
    (`with_check_columns`), made a part at a time."""
    batch = None  # a row is compared with its partner's month before, which any part may hold
    if kind.name == PLAUSIBILITY_CHECKED and len(typed.parts) > 1:
        batch = pl.concat([_without(part, findings).select(BATCH_COLUMNS) for part in typed.parts])
    checked = []
    for part in typed.parts:
        rows = with_check_columns(_without(part, findings), con, kind, batch)
        checked.append(rows.select("row_id", *(c for c in rows.columns if c in named and c != "row_id")))
    return pl.concat(checked, rechunk=False)


def _load(con: duckdb.DuckDBPyConnection, kind: SubmissionType, typed: _Typed, errors: pl.DataFrame) -> int:
    """Insert the typed rows that failed no ERROR rule into `validated.<type>`, a part at a time; return
    how many."""
    loaded = 0
    for part in typed.parts:
        rows = _without(part, errors).select(c for c, _ in validated_columns(kind))
        con.register("loaded_rows", ArrowStream(rows))
        try:
            con.execute(f"insert into validated.{kind.name} by name select * from loaded_rows")
        finally:
            con.unregister("loaded_rows")
        loaded += rows.height
    return loaded


def validate_rows(
    con: duckdb.DuckDBPyConnection,
    kind: SubmissionType,
    run_id: str | None = None,
    window: tuple[date, date] | None = None,
    *,
    expectations_dir: Path,
) -> ValidationOutcome:
    """Validate the rows of files not yet validated and re-validate every row for a month in `window`,
    with the type's suite in `expectations_dir`.

    `window` is [first day, day after the last month). Re-validated rows replace their earlier
    verdicts (loaded, quarantined or warned), so a month's rows always stand as today's rules and
    reference data judge them; the months so judged are recorded with the rules' fingerprint.
    The raw text is read and typed a part (whole files) at a time; the suite checks the batch at once.
    """
    fingerprint = rules_fingerprint(con, kind, expectations_dir)
    rules = suite_spec(expectations_dir, suite_name(kind))
    con.begin()
    try:
        units = con.execute("select measure_code, unit from seeds.measures").pl()
        typed = _Typed()
        with rows_to_validate(con, kind, window) as selection:
            for part in selection.parts:
                typed.add(selection.read(part), kind, units)
        _previous_verdicts_removed(con, kind, pl.concat(typed.again))
        type_findings = pl.concat(typed.findings)
        suite = run_suite(
            _checked(con, kind, typed, type_findings, suite_columns(rules)), rules, suite_parameters(con)
        )
        findings = pl.concat([type_findings, suite.findings]).cast(FINDING_SCHEMA)
        errors = findings.filter(pl.col("severity") == "critical")
        warnings = findings.filter(pl.col("severity") != "critical")
        loaded = _load(con, kind, typed, errors)
        places = pl.concat([part.select(ROW_PLACE) for part in typed.parts], rechunk=False)
        _write_findings(con, "quarantine", errors, places, kind, run_id)
        _write_findings(con, "warnings", warnings, places, kind, run_id)
        _attribute_quarantine(con, kind)
        _update_load_log(con, kind, selection.files, pl.concat(typed.repairs))
        months = _months_to_record(con, kind, pl.concat(typed.months), window)
        record_months(con, kind, months, fingerprint, run_id)
        record_run(
            con,
            suite,
            f"raw.{kind.name}",
            run_id,
            rows=selection.rows,
            errors=errors["row_id"].n_unique(),
            warnings=warnings["row_id"].n_unique(),
        )
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return ValidationOutcome(
        kind.name,
        len(selection.files),
        selection.rows,
        loaded,
        selection.rows - loaded,
        suite,
        findings,
        selection.rows - sum(frame.height for frame in typed.again),
        months,
    )

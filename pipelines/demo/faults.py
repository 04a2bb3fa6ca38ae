"""Planted faults and the late resubmission in the demo submissions, marked row by row.

Every planted row carries a mark in the private `_mark` column; the file writer turns marks into
file names and row numbers. Rows of the resubmission file carry `_label = "resub"`.
"""

from __future__ import annotations

import polars as pl

from pipelines.demo.truth import Partnership, partner_suffix

CP1252_MARK = "cp1252"
LATIN1_MARK = "latin1"
SUPPRESSED_MARK = "suppressed"
SUPPRESSED_TEXT = "*"
QUARANTINED_MARKS = ("duplicate_row", "negative_count", "unknown_measure")

# (area index, service kind, measure, period, damaged comment, clean comment)
LIGATURE_COMMENTS = [
    (
        0,
        "EH",
        "EH_ASSESS_15D",
        "2023-08",
        "Triage is more eYcient since the new duty rota.",
        "Triage is more efficient since the new duty rota.",
    ),
    (
        1,
        "CMH",
        "CMH_SEEN_28D",
        "2024-02",
        "Waiting times reXected the winter surge in referrals.",
        "Waiting times reflected the winter surge in referrals.",
    ),
    (
        0,
        "HD",
        "HD_DISCHARGES",
        "2025-06",
        "TheWnal count was checked by the discharge hub.",
        "The final count was checked by the discharge hub.",
    ),
    (
        1,
        "EH",
        "EH_REREFER_12M",
        "2024-05",
        "Re-referrals were counted on a diVerent basis.",
        "Re-referrals were counted on a different basis.",
    ),
]
CP1252_COMMENT = (2, "EH", "EH_NEEDS_MET", "2025-01", "Spend of £1,250 on “family days” – agreed at panel.")
LATIN1_COMMENT = (2, "CMH", "CMH_SEEN_28D", "2024-10", "Drop-in café for carers costs £40 a week.")
MOJIBAKE_COMMENT = (
    1,
    "HD",
    "HD_HOME_91",
    "2024-09",
    "The cafÃ© sessions â€“ well attended.",
    "The café sessions – well attended.",
)
# a small number withheld by the partner: written "*" in the file, loaded as suppressed (not zero)
SUPPRESSED_FIGURE = (2, "CMH", "CMH_CRISIS", "2024-07", "numerator")
DUPLICATE_FINANCE_ROW = (1, "HD", "PRV", "2024-05")
NEGATIVE_LEAVERS = (0, "EH", "VCS", "FAMILY_WORKER", "2024-02", -2)
UNKNOWN_MEASURE = (0, "HD", "HD_SAME_DAY", "2023-06", "HD_UNKNOWN", 7)
RESUBMITTED = (0, "HD", "HD_SAME_DAY", "2024-11")


def plant_negative_count(workforce: pl.DataFrame, partnership: Partnership) -> pl.DataFrame:
    """Give one workforce row negative leavers (to be quarantined) and mark it."""
    area, kind, suffix, group, period, leavers = NEGATIVE_LEAVERS
    service = partnership.service(area, kind)
    partner = next(p for p in service.members if partner_suffix(p) == suffix)
    frame = _with_private_columns(workforce)
    at = _locate(
        frame, partner_code=partner, service_code=service.code, staff_group_code=group, period=period
    )
    return _set(frame, at, leavers=leavers, _mark="negative_count")


def loaded(frame: pl.DataFrame) -> pl.DataFrame:
    """Return the rows of `frame` that the pipeline should load (not planted for quarantine)."""
    return frame.filter(~pl.col("_mark").is_in(QUARANTINED_MARKS).fill_null(False))


def file_encoding(marks: list[str]) -> str:
    """Return the encoding for a CSV file holding rows with these marks."""
    return "cp1252" if CP1252_MARK in marks else "latin-1" if LATIN1_MARK in marks else "utf-8"


def as_written(columns: list[str], values: list, mark: str | None) -> list:
    """Return a row's values as the partner writes them: a suppressed figure becomes "*"."""
    if mark != SUPPRESSED_MARK:
        return values
    return [
        SUPPRESSED_TEXT if c == SUPPRESSED_FIGURE[-1] else v for c, v in zip(columns, values, strict=True)
    ]


def plant_faults(
    tables: dict[str, pl.DataFrame], partnership: Partnership
) -> tuple[dict[str, pl.DataFrame], list[dict], dict]:
    """Plant the remaining faults and the resubmission; return tables, fault records, resub."""
    tables = {kind: _with_private_columns(frame) for kind, frame in tables.items()}
    records = [_record("negative_count", "leavers", "quarantined", "non_negative", NEGATIVE_LEAVERS[-1])]
    outcomes = tables["outcomes"]
    for number, (area, kind, measure, period, damaged, clean) in enumerate(LIGATURE_COMMENTS):
        mark = f"ligature_damage#{number}"
        outcomes = _set(
            outcomes,
            _outcome_row(outcomes, partnership, area, kind, measure, period),
            comment=damaged,
            _mark=mark,
        )
        records.append(
            _record("ligature_damage", "comment", "loaded", None, damaged, mark=mark, loaded_value=clean)
        )
    area, kind, measure, period, text = CP1252_COMMENT
    outcomes = _set(
        outcomes,
        _outcome_row(outcomes, partnership, area, kind, measure, period),
        comment=text,
        _mark=CP1252_MARK,
    )
    records.append(_record(CP1252_MARK, "comment", "loaded", None, text))
    area, kind, measure, period, text = LATIN1_COMMENT
    outcomes = _set(
        outcomes,
        _outcome_row(outcomes, partnership, area, kind, measure, period),
        comment=text,
        _mark=LATIN1_MARK,
    )
    records.append(_record(LATIN1_MARK, "comment", "loaded", None, text))
    area, kind, measure, period, damaged, clean = MOJIBAKE_COMMENT
    outcomes = _set(
        outcomes,
        _outcome_row(outcomes, partnership, area, kind, measure, period),
        comment=damaged,
        _mark="mojibake",
    )
    records.append(_record("mojibake", "comment", "loaded", None, damaged, loaded_value=clean))
    area, kind, measure, period, column = SUPPRESSED_FIGURE
    outcomes = _set(
        outcomes, _outcome_row(outcomes, partnership, area, kind, measure, period), _mark=SUPPRESSED_MARK
    )
    records.append(_record(SUPPRESSED_MARK, column, "loaded", None, SUPPRESSED_TEXT, loaded_value=None))
    outcomes, resubmission = _resubmit(outcomes, partnership)
    tables["outcomes"] = _plant_unknown_measure(outcomes, partnership)
    records.append(
        _record("unknown_measure", "measure_code", "quarantined", "known_measure", UNKNOWN_MEASURE[4])
    )
    tables["finance"] = _plant_duplicate(tables["finance"], partnership)
    records.append(_record("duplicate_row", None, "quarantined", "duplicate_key", None))
    return tables, records, resubmission


def _record(fault, column, expect, rule, value, mark=None, **extra) -> dict:
    return {
        "fault": fault,
        "mark": mark or fault,
        "column": column,
        "expect": expect,
        "rule": rule,
        "value": value,
        **extra,
    }


def _resubmit(outcomes: pl.DataFrame, partnership: Partnership) -> tuple[pl.DataFrame, dict]:
    """Key one denominator with an extra zero and append the partner's corrected month."""
    area, kind, measure, period = RESUBMITTED
    service = partnership.service(area, kind)
    partner = service.accountable[measure]
    at = _outcome_row(outcomes, partnership, area, kind, measure, period)
    numerator, denominator = outcomes.row(at)[4:6]
    corrected = (
        outcomes.with_row_index("_row")
        .filter((pl.col("partner_code") == partner) & (pl.col("period") == period))
        .with_columns(
            _mark=pl.when(pl.col("_row") == at).then(pl.lit("resubmission:corrected")),
            _label=pl.lit("resub"),
        )
        .drop("_row")
    )
    original = _set(outcomes, at, denominator=denominator * 10, _mark="resubmission:original")
    resubmission = {
        "partner_code": partner,
        "service_code": service.code,
        "measure_code": measure,
        "period": period,
        "rows_in_file": corrected.height,
        "original": {"numerator": numerator, "denominator": denominator * 10},
        "corrected": {"numerator": numerator, "denominator": denominator},
    }
    return pl.concat([original, corrected]), resubmission


def _plant_unknown_measure(outcomes: pl.DataFrame, partnership: Partnership) -> pl.DataFrame:
    area, kind, measure, period, unknown, value = UNKNOWN_MEASURE
    at = _outcome_row(outcomes, partnership, area, kind, measure, period)
    extra = outcomes.slice(at, 1).with_columns(
        measure_code=pl.lit(unknown),
        numerator=pl.lit(None, pl.Int64),
        denominator=pl.lit(None, pl.Int64),
        value=pl.lit(value, pl.Int64),
        comment=pl.lit(None, pl.String),
        _mark=pl.lit("unknown_measure"),
    )
    return _insert_after(outcomes, at, extra)


def _plant_duplicate(finance: pl.DataFrame, partnership: Partnership) -> pl.DataFrame:
    area, kind, suffix, period = DUPLICATE_FINANCE_ROW
    service = partnership.service(area, kind)
    partner = next(p for p in service.members if partner_suffix(p) == suffix)
    at = _locate(finance, partner_code=partner, service_code=service.code, period=period)
    copy = finance.slice(at, 1).with_columns(_mark=pl.lit("duplicate_row"))
    return _insert_after(finance, at, copy)


def _outcome_row(outcomes, partnership, area, kind, measure, period) -> int:
    service = partnership.service(area, kind)
    return _locate(
        outcomes,
        partner_code=service.accountable[measure],
        service_code=service.code,
        measure_code=measure,
        period=period,
        _label=None,
    )


def _with_private_columns(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in ("_mark", "_label") if c not in frame.columns]
    return frame.with_columns(pl.lit(None, pl.String).alias(c) for c in missing)


def _locate(frame: pl.DataFrame, **equals) -> int:
    """Return the index of the single row whose columns equal `equals` (None matches null)."""
    matches = frame.with_row_index("_row").filter(
        *[pl.col(c).is_null() if v is None else pl.col(c) == v for c, v in equals.items()]
    )
    if matches.height != 1:
        raise ValueError(f"expected one row matching {equals}, found {matches.height}")
    return int(matches["_row"][0])


def _set(frame: pl.DataFrame, index: int, **values) -> pl.DataFrame:
    at = pl.int_range(pl.len()) == index
    return frame.with_columns(
        pl.when(at).then(pl.lit(v, frame.schema[c])).otherwise(pl.col(c)).alias(c) for c, v in values.items()
    )


def _insert_after(frame: pl.DataFrame, index: int, rows: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([frame.slice(0, index + 1), rows, frame.slice(index + 1)])

"""Demo drop folder: partner submission files, reference seeds and the truth manifest."""

from __future__ import annotations

import calendar
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from assets.ingest.inbox import SETTLE_SECONDS
from pipelines.demo import faults, truth
from pipelines.demo.layouts import XLSX_PARTNER_TYPES, layout_of, partner_mappings, render
from pipelines.demo.narratives import write_narratives
from pipelines.demo.quarterly import write_quarterly_returns
from pipelines.demo.reference import build_reference, write_reference
from pipelines.demo.rejects import write_rejects

SUBMISSION_TYPES = ("targets", "outcomes", "workforce", "finance")
# scale -> (areas, months per file for each submission type)
SCALES = {
    "small": (3, {"targets": 12, "outcomes": 3, "workforce": 3, "finance": 3}),
    "medium": (12, {"targets": 1, "outcomes": 1, "workforce": 1, "finance": 1}),
    "national": (100, {"targets": 1, "outcomes": 1, "workforce": 1, "finance": 1}),
    # a first load from a legacy system: one file per partner and type holding every month
    "backlog": (100, {"targets": 36, "outcomes": 36, "workforce": 36, "finance": 36}),
    "x10": (1000, {"targets": 1, "outcomes": 1, "workforce": 1, "finance": 1}),
}
SUBMITTED_DAYS_AFTER_PERIOD = (10, 20)
RESUBMITTED_DAYS_AFTER_ORIGINAL = (20, 40)


@dataclass(frozen=True)
class WrittenFile:
    path: str  # "<type>/<file name>"
    rows: int
    format: str
    encoding: str | None
    sheets: tuple[str, ...]
    layout: str
    marks: dict[str, tuple[str | None, int]]  # mark -> (sheet, row number in the file or sheet)


def generate_demo(out_dir: Path, scale: str = "small", seed: int = 7) -> dict:
    """Write a demo drop folder of partner submissions into `out_dir`; return its truth manifest."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, got {scale!r}")
    inbox = Path(out_dir) / "inbox"
    if inbox.exists() and any(p.is_file() for p in inbox.rglob("*")):
        raise FileExistsError(f"{inbox} already holds files; give an empty folder")
    areas, months_per_file = SCALES[scale]
    rng = np.random.default_rng(seed)
    reference = build_reference(areas)
    partnership = truth.Partnership.from_reference(reference)
    workforce, pay = truth.simulate_staff(partnership, rng)
    workforce = faults.plant_negative_count(workforce, partnership)
    tables, truths = truth.simulate_services(partnership, faults.loaded(workforce), pay, rng)
    tables, fault_records, resubmission = faults.plant_faults(tables | {"workforce": workforce}, partnership)
    tables["targets"] = without_annual_target_months(tables["targets"], reference["annual_targets"])
    names = dict(reference["partners"].select("partner_code", "partner_name").iter_rows())
    written = [
        f
        for kind in SUBMISSION_TYPES
        for f in write_submissions(
            inbox, kind, tables[kind], months_per_file[kind], partnership.periods, rng, names
        )
    ]
    quarterly = write_quarterly_returns(inbox, faults.loaded(tables["outcomes"]), seed)
    written += [WrittenFile(q.path, q.rows, "csv", "utf-8", (), "quarterly", {}) for q in quarterly]
    narratives = write_narratives(inbox, partnership, names, seed)
    written += [
        WrittenFile(
            path,
            rows,
            extension,
            "utf-8" if extension == "csv" else None,
            ("Report cards",) if extension == "xlsx" else (),
            "report_cards",
            {},
        )
        for path, rows, extension in narratives.paths
    ]
    rejects = write_rejects(inbox, [f.path for f in written])
    sent_before_now(p for p in inbox.rglob("*") if p.is_file())
    write_reference(reference, Path(out_dir) / "reference")
    write_mappings(partner_mappings(sorted(names)), Path(out_dir) / "partners")
    located = {mark: (f.path, *place) for f in written for mark, place in f.marks.items()}
    manifest = {
        "seed": seed,
        "scale": scale,
        "areas": areas,
        "periods": {
            "first": partnership.periods[0],
            "last": partnership.periods[-1],
            "months": len(partnership.periods),
        },
        "months_per_file": months_per_file,
        "xlsx_partner_types": list(XLSX_PARTNER_TYPES),
        "totals": _totals(written),
        "files": {
            f.path: {
                "rows": f.rows,
                "format": f.format,
                "encoding": f.encoding,
                "sheets": list(f.sheets),
                "layout": f.layout,
            }
            for f in written
        },
        "rejects": rejects,
        "truths": truths
        | {
            "resubmission": _locate_resubmission(resubmission, located),
            "quarterly": [q.truth for q in quarterly],
            "narratives": narratives.truth,
        },
        "faults": [_locate_fault(record, located) for record in fault_records],
    }
    (Path(out_dir) / "demo_truth.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def without_annual_target_months(targets: pl.DataFrame, annual: pl.DataFrame) -> pl.DataFrame:
    """Drop the monthly targets of years agreed as a year-end figure only (seeds.annual_targets)."""
    months = pl.col("period").str.to_date("%Y-%m")
    for service, measure, year_start in annual.select(
        "service_code", "measure_code", pl.col("year_start").str.to_date()
    ).iter_rows():
        year_end = year_start.replace(year=year_start.year + 1)
        targets = targets.filter(
            ~(
                (pl.col("service_code") == service)
                & (pl.col("measure_code") == measure)
                & (months >= year_start)
                & (months < year_end)
            )
        )
    return targets


def sent_before_now(paths: Iterable[Path]) -> None:
    """Date files written into the inbox before the settle period: sent, so the next run reads them.

    Ingestion leaves a file modified within the settle period for a later run (it may still be being
    written), so a demo generated and run at once would otherwise load nothing.
    """
    arrived = time.time() - 2 * SETTLE_SECONDS
    for path in paths:
        os.utime(path, (arrived, arrived))


def _totals(written: list[WrittenFile]) -> dict[str, dict[str, int]]:
    by_type = {
        k: [f for f in written if f.path.startswith(f"{k}/")] for k in (*SUBMISSION_TYPES, "narratives")
    }
    return {
        "files": {k: len(files) for k, files in by_type.items()},
        "rows": {k: sum(f.rows for f in files) for k, files in by_type.items()},
    }


def write_mappings(mappings: dict[str, str], folder: Path) -> None:
    """Write each partner mapping file as `<PARTNER_CODE>.yaml` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for partner, text in mappings.items():
        (folder / f"{partner}.yaml").write_text(text, encoding="utf-8")


def write_submissions(
    inbox: Path,
    kind: str,
    frame: pl.DataFrame,
    months_per_file: int,
    periods: tuple[str, ...],
    rng: np.random.Generator,
    names: dict[str, str],
) -> list[WrittenFile]:
    """Write `frame` as one file per partner and run of `months_per_file` months (plus labels)."""
    folder = inbox / kind
    folder.mkdir(parents=True, exist_ok=True)
    columns = list(truth.SUBMISSION_SCHEMAS[kind])
    month_index = {p: i for i, p in enumerate(periods)}
    parts: dict[tuple[str, int, str | None], list[tuple]] = {}
    for *values, mark, label in frame.select(*columns, "_mark", "_label").iter_rows():
        row = dict(zip(columns, values, strict=True))
        group = month_index[row["period"]] // months_per_file
        parts.setdefault((row["partner_code"], group, label), []).append((*values, mark))
    submitted: dict[tuple[str, int], date] = {}
    written = []
    for partner, group, label in sorted(parts, key=lambda k: (k[0], k[1], k[2] or "")):
        if label is None:
            day = _submission_day(kind, periods, group, months_per_file, rng)
            submitted[(partner, group)] = day
        else:
            day = submitted[(partner, group)] + timedelta(
                days=int(rng.integers(*RESUBMITTED_DAYS_AFTER_ORIGINAL, endpoint=True))
            )
        written.append(
            _write_file(
                folder, kind, partner, names[partner], day, label, columns, parts[(partner, group, label)]
            )
        )
    return written


def _write_file(
    folder: Path,
    kind: str,
    partner: str,
    partner_name: str,
    day: date,
    label: str | None,
    columns: list[str],
    marked_rows: list[tuple],
) -> WrittenFile:
    """Write rows (each ending with its mark) in the layout this partner sends them in."""
    marks = [row[-1] for row in marked_rows]
    rows = [faults.as_written(columns, list(row[:-1]), row[-1]) for row in marked_rows]
    rendered = render(
        kind, partner, partner_name, day, columns, rows, marks, faults.file_encoding([m for m in marks if m])
    )
    name = f"{partner}_{day:%Y%m%d}{f'_{label}' if label else ''}.{rendered.extension}"
    (folder / name).write_bytes(rendered.content)
    return WrittenFile(
        path=f"{folder.name}/{name}",
        rows=len(rows),
        format=rendered.extension,
        encoding=rendered.encoding,
        sheets=rendered.sheets,
        layout=layout_of(partner, kind),
        marks=rendered.marks,
    )


def _submission_day(
    kind: str, periods: tuple[str, ...], group: int, months_per_file: int, rng: np.random.Generator
) -> date:
    """Targets are set before the months they cover; returns come after them."""
    offset = timedelta(days=int(rng.integers(*SUBMITTED_DAYS_AFTER_PERIOD, endpoint=True)))
    if kind == "targets":
        first = periods[group * months_per_file]
        return date(int(first[:4]), int(first[5:7]), 1) - offset
    return _month_end(periods[min(len(periods), (group + 1) * months_per_file) - 1]) + offset


def _month_end(period: str) -> date:
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def _locate_fault(record: dict, located: dict[str, tuple[str, str | None, int]]) -> dict:
    path, sheet, row = located[record["mark"]]
    fields = {k: v for k, v in record.items() if k != "mark"}
    return {"fault": fields.pop("fault"), "file": path, "sheet": sheet, "row_number": row} | fields


def _locate_resubmission(resubmission: dict, located: dict[str, tuple[str, str | None, int]]) -> dict:
    file, _, row = located["resubmission:corrected"]
    original_file, _, original_row = located["resubmission:original"]
    return {
        "file": file,
        "row_number": row,
        "original_file": original_file,
        "original_row_number": original_row,
    } | resubmission

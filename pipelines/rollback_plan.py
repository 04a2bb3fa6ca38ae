"""What `joinedup rollback` would do, said before it does it (and all that `--dry-run` does)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.publish.assets import PUBLICATION_FILE
from assets.publish.swap import Publications
from pipelines.settings import Settings

FILES_NAMED = 10


@dataclass(frozen=True)
class RollbackPlan:
    """The publication a rollback would put back, the one it would remove, and the files read again."""

    previous: Path
    current: Path | None
    previous_run: str | None
    current_run: str | None
    files_again: list[str]  # loaded since the previous publication: the next run reads them again
    lake: bool = False  # the lake's marts go back to the previous publication too


def rollback_plan(settings: Settings) -> RollbackPlan:
    """Return what rolling back would change (FileNotFoundError when no earlier publication is kept)."""
    store = Publications(settings.publications, settings.warehouse, settings.site_dir)
    previous, current = store.previous(), store.current()
    files_again = []
    if current is not None:
        earlier = _files_loaded(store.warehouse_in(previous))
        files_again = sorted(
            name for key, name in _files_loaded(store.warehouse_in(current)).items() if key not in earlier
        )
    return RollbackPlan(
        previous,
        current,
        published_run(store.site_in(previous)),
        published_run(store.site_in(current)) if current else None,
        files_again,
        lake=settings.lake is not None,
    )


def plan_lines(plan: RollbackPlan) -> list[str]:
    """Return the plan as a person reads it before saying yes."""
    lines = [
        f"would put back publication {plan.previous.name} (run {plan.previous_run or 'unknown'}): "
        "its warehouse and its scorecards, as they were published"
    ]
    if plan.current is not None:
        lines.append(
            f"would remove publication {plan.current.name} (run {plan.current_run or 'unknown'}),"
            " published since"
        )
    if plan.lake:
        lines.append(
            f"would commit to the lake the marts of {plan.previous.name} again, read by time "
            "travel (the lake keeps every publication's snapshot)"
        )
    lines.append(f"would reset the working database to {plan.previous.name}'s warehouse")
    if plan.files_again:
        shown, left = ", ".join(plan.files_again[:FILES_NAMED]), len(plan.files_again) - FILES_NAMED
        more = f" and {left} more" if left > 0 else ""
        lines.append(
            f"the next run would read again the {len(plan.files_again)} file(s) loaded since: "
            f"{shown}{more} (take a bad file out of the inbox first)"
        )
    else:
        lines.append("no file was loaded since: the next run reads nothing again")
    return lines


def published_run(site: Path) -> str | None:
    """Return the run that published a site, as its publication.json names it."""
    record = site / PUBLICATION_FILE
    return json.loads(record.read_text()).get("run_id") if record.is_file() else None


def _files_loaded(warehouse: Path) -> dict[tuple[str, str], str]:
    """Return {(type, file hash): type/file name} of the files a warehouse has loaded."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select submission_type, file_hash, file_name from audit.load_log where status <> 'rejected'"
        ).fetchall()
    return {(kind, digest): f"{kind}/{name}" for kind, digest, name in rows}

"""The per-partner summary a data officer emails back: what arrived, what loaded, what was held back, why.

An official publication's files (a source mapping giving no partner code: figures of many partners in one
file), read or rejected, are reported under the publication's name and publisher (seeds.publications),
after the partners; those of a mapping file too wrong to name its publication, under the mapping file.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb

from assets.warehouse import as_this_version

ROWS_SHOWN_PER_FILE = 20
UNATTRIBUTED = "files we could not tell the partner of"


def latest_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """Return the id of the last run that received or rejected a file."""
    row = con.execute("""
        select run_id from (
            select run_id, ingested_at as seen_at from audit.load_log
            union all select run_id, rejected_at from audit.rejected_files
        ) where run_id is not null order by seen_at desc limit 1
    """).fetchone()
    return row[0] if row else None


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _where(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return (
        f"($run is null or {prefix}run_id = $run) and ($partner is null or {prefix}partner_code = $partner)"
    )


def _file_line(f: dict) -> str:
    how = ", ".join(
        x
        for x in (
            f["encoding"],
            f["sheets"] and f"sheets {f['sheets']}",
            f["mapping"] and f"mapping {f['mapping']}",
        )
        if x
    )
    line = (
        f"  {f['submission_type']}/{f['file_name']} ({how}): {f['rows_received']} row(s) received, "
        f"{f['rows_loaded']} loaded, {f['rows_quarantined']} held back"
    )
    if f["text_repairs"]:
        line += f"; {f['text_repairs']} damaged text value(s) repaired (originals kept)"
    if f["message"]:
        line += f"; {f['message']}"
    return line


def _finding_line(q: dict) -> str:
    where = f"sheet '{q['sheet_name']}' " if q["sheet_name"] else ""
    value = "" if q["value"] is None else f" = {q['value']!r}"
    return f"      {where}row {q['row_number']}, {q['column_name']}{value}: {q['meaning']} [{q['rule']}]"


def inbox_report(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, partner: str | None = None
) -> str:
    """Return the report, partner by partner, of the files a run (default: all runs) received."""
    params = {"run": run_id, "partner": partner}
    files = _fetch(
        con,
        f"""
        select l.*, p.partner_name, pub.publication_name, pub.publisher from audit.load_log as l
        left join seeds.partners as p using (partner_code)
        left join seeds.publications as pub on l.partner_code is null and pub.mapping = l.mapping
        where l.status <> 'rejected' and {_where("l")}
        order by l.partner_code, l.submission_type, l.file_name
    """,
        params,
    )
    rejected = _fetch(
        con,
        f"""
        select r.*, p.partner_name, pub.publication_name, pub.publisher
        from {as_this_version(con, "audit.rejected_files")} as r
        left join seeds.partners as p using (partner_code)
        left join seeds.publications as pub on r.partner_code is null and pub.mapping = r.mapping
        where {_where("r")} order by r.partner_code nulls last, r.file_name
    """,
        params,
    )
    findings = _fetch(
        con,
        f"""
        select q.* from audit.quarantine as q
        join audit.load_log as l using (submission_type, file_hash)
        where {_where("l")} order by q.file_name, q.sheet_name nulls first, q.row_number, q.rule
    """,
        params,
    )
    warnings = _fetch(
        con,
        f"""
        select w.submission_type, w.file_name, w.rule, any_value(w.meaning) as meaning, count(*) as n
        from audit.warnings as w join audit.load_log as l using (submission_type, file_hash)
        where {_where("l")} group by all order by all
    """,
        params,
    )
    by_file = defaultdict(list)
    for q in findings:
        by_file[(q["submission_type"], q["file_name"])].append(q)
    warned = defaultdict(list)
    for w in warnings:
        warned[(w["submission_type"], w["file_name"])].append(w)
    # sections in order: partners by code, then publications by name, then files of no one we know
    sections: defaultdict[tuple[int, str, str], dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"files": [], "rejected": []}
    )
    for f in files:
        sections[_heading(f)]["files"].append(f)
    for r in rejected:
        sections[_heading(r)]["rejected"].append(r)
    if not sections:
        return "No partner files in the audit trail for this selection."
    lines = []
    for (_, _, title), seen in sorted(sections.items()):
        lines += _section(title, seen, by_file, warned)
    return "\n".join(lines)


def _heading(f: dict) -> tuple[int, str, str]:
    """Where a file is reported: (order, sort key, title) of its partner, its publication (or the mapping
    file of one not in seeds.publications, such as a mapping too wrong to read), or neither."""
    if f["partner_code"] is not None:
        code, name = f["partner_code"], f["partner_name"]
        return 0, code, f"{name} ({code})" if name else code
    if f["publication_name"] is not None:
        by = f" by {f['publisher']}" if f["publisher"] else ""
        return 1, f["publication_name"], f"{f['publication_name']} (publication{by})"
    if f["mapping"] is not None:
        return 1, f["mapping"], f"The publication mapped by {f['mapping']}"
    return 2, "", UNATTRIBUTED


def _section(title: str, seen: dict, by_file: dict, warned: dict) -> list[str]:
    files, rejected = seen["files"], seen["rejected"]
    received = sum(f["rows_received"] or 0 for f in files)
    loaded = sum(f["rows_loaded"] or 0 for f in files)
    lines = [
        title,
        "=" * len(title),
        f"{len(files)} file(s) read: {received} row(s) received, {loaded} loaded, "
        f"{received - loaded} held back; {len(rejected)} file(s) not read.",
    ]
    clean = 0
    for f in files:
        key = (f["submission_type"], f["file_name"])
        held, kept = by_file.get(key, []), warned.get(key, [])
        if not (held or kept or f["text_repairs"] or f["message"] or f["rows_quarantined"]):
            clean += 1
            continue
        lines.append(_file_line(f))
        lines += [_finding_line(q) for q in held[:ROWS_SHOWN_PER_FILE]]
        if len(held) > ROWS_SHOWN_PER_FILE:
            lines.append(f"      ... and {len(held) - ROWS_SHOWN_PER_FILE} more (audit.quarantine)")
        lines += [f"      kept, with a warning ({w['n']} row(s)): {w['meaning']} [{w['rule']}]" for w in kept]
    if clean:
        lines.append(
            f"  {clean} {'other ' if clean < len(files) else ''}file(s) loaded in full, nothing to report."
        )
    if rejected:
        lines.append("  Files we could not load (please act on these):")
        lines += [f"  {r['submission_type']}/{r['file_name']}: {r['reason']} [{r['rule']}]" for r in rejected]
    return [*lines, ""]

"""Files in the demo inbox that must be rejected whole, each for a reason a data officer can act on."""

from __future__ import annotations

from pathlib import Path

OUTCOMES_HEADER = b"partner_code,service_code,measure_code,period,numerator,denominator,value,comment\n"


def write_rejects(inbox: Path, written: list[str]) -> list[dict]:
    """Write the files to be rejected beside `written` (inbox paths); return [{file, rule, same_as}]."""
    first_csv = next(p for p in written if p.endswith(".csv"))
    first_xlsx = next(p for p in written if p.endswith(".xlsx"))
    junk = bytes(range(256)) * 8
    rejects = {
        "outcomes/NOR-GP_20240115.csv": (
            OUTCOMES_HEADER + b"NOR-GP,NOR-HD,HD_DISCHARGES,2023-12,,,12,\n",
            "unknown_partner",
            None,
        ),
        "finance/EAS-VCS_20240220_scan.csv": (junk, "unreadable_file", None),
        "workforce/WES-LA_20240312.pdf": (b"%PDF-1.4\n% scanned return\n", "wrong_file_type", None),
        "targets/EAS-LA_20240301_empty.csv": (b"", "empty_file", None),
        _renamed(first_xlsx, "cut"): ((inbox / first_xlsx).read_bytes()[:1500], "unreadable_file", None),
        _renamed(first_csv, "copy"): ((inbox / first_csv).read_bytes(), "duplicate_file", first_csv),
    }
    for path, (content, _, _) in rejects.items():
        (inbox / path).write_bytes(content)
    return [
        {"file": path, "rule": rule, "same_as": same_as}
        for path, (_, rule, same_as) in sorted(rejects.items())
    ]


def _renamed(path: str, label: str) -> str:
    stem, extension = path.rsplit(".", 1)
    return f"{stem}_{label}.{extension}"

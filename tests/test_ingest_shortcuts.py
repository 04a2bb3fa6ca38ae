"""The ingest stage's shortcuts give what the long way gives: header rows remembered, layouts kept per
mapping, figures not normalised, the cycle collector paused, files read with plain system calls, and
files examined before passed over by their status alone."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from datetime import datetime

import duckdb
import pytest

from assets.contract import SUBMISSION_TYPES
from assets.ingest.catalog import Stamp, changed_files, examined_entry, record_examined
from assets.ingest.collector import collector_paused
from assets.ingest.headers import locate_header
from assets.ingest.inbox import read_unchanged
from assets.ingest.memo import MappingMemo
from assets.ingest.sheets import Sheet
from assets.warehouse import ensure_warehouse


def _sheet(*rows: list[str]) -> Sheet:
    return Sheet("Data", [list(r) for r in rows], list(range(1, len(rows) + 1)))


def test_a_header_of_digits_alone_is_still_found_among_figures():
    # a label without letters (a column headed by a year) must not be skipped as a figure would be
    sheet = _sheet(["12", "7"], ["Code", "2024"], ["A", "5"])
    header = locate_header(sheet, {"code", "2024"})
    assert header is not None and header.row_index == 1 and header.positions == {"code": 0, "2024": 1}


def test_a_header_beyond_ascii_that_lower_cases_to_a_label_is_found():
    # the Kelvin sign lower-cases to an ASCII k: such text is normalised, never skipped as a figure
    sheet = _sheet(["1", "2"], ["\u212a", "x"])
    header = locate_header(sheet, {"k"})
    assert header is not None and header.row_index == 1 and header.positions == {"k": 0}


def test_a_header_row_met_again_gives_the_same_header_under_other_labels():
    rows = (["Who", "Figures"], ["Partner code", "Value"], ["P1", "3"])
    first = locate_header(_sheet(*rows), {"partner code", "value"})
    second = locate_header(_sheet(*rows), {"partner code"})
    assert first is not None and first.positions == {"partner code": 0, "value": 1}
    assert second is not None and second.positions == {"partner code": 0}


def test_rows_with_no_more_cells_than_the_best_header_has_names_are_passed_over_as_they_cannot_beat_it():
    wanted = {"partner code", "service code", "value"}
    rows = (
        ["Partner code", "", ""],  # one name: a header, until a fuller one comes
        ["Partner code", "Value", ""],  # two
        ["P1", "5", ""],  # as many cells as the best has names: cannot beat it
        ["Partner code", "Service code", "Value"],  # three: the header
        ["Partner code", "Service code", "Value"],  # as many as the best: the first is kept
    )
    header = locate_header(_sheet(*rows), wanted)
    assert header is not None and header.row_index == 3
    assert header.positions == {"partner code": 0, "service code": 1, "value": 2}
    # a header naming fewer headers than its row has cells: the rows below are read, and do not beat it
    fewer = (
        ["Title"],
        ["Partner code", "Remarks", "Value"],
        ["Service code", "value", "x"],
        ["P1", "y", "5"],
    )
    header = locate_header(_sheet(*fewer), wanted)
    assert (
        header is not None and header.row_index == 1 and header.positions == {"partner code": 0, "value": 2}
    )


def test_a_memo_keeps_a_value_per_mapping_and_key_and_computes_it_once() -> None:
    memo: MappingMemo[str] = MappingMemo(limit=2)
    one, other = object(), object()
    calls: list[str] = []

    def compute(value: str) -> Callable[[], str]:
        def computed() -> str:
            calls.append(value)
            return value

        return computed

    assert memo.get(one, "k", compute("a")) == "a"
    assert memo.get(one, "k", compute("b")) == "a"  # kept
    assert memo.get(other, "k", compute("c")) == "c"  # another mapping, another value
    assert memo.get(one, "j", compute("d")) == "d"  # full: everything forgotten, then kept
    assert memo.get(other, "k", compute("e")) == "e"
    assert calls == ["a", "c", "d", "e"]


def test_the_collector_is_paused_inside_and_restored_however_the_block_ends():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a file could not be read")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_a_file_is_read_whole_and_not_when_it_grew_after_being_stamped(tmp_path):
    path = tmp_path / "P_20240101.csv"
    path.write_bytes(b"a,b\n1,2\n" * 10_000)
    stamp = Stamp.of(path)
    assert read_unchanged(str(path), stamp) == path.read_bytes()
    with path.open("ab") as grown:
        grown.write(b"3,4\n")
    os.utime(path, ns=(stamp.modified_ns, stamp.modified_ns))  # same time, another size
    assert read_unchanged(str(path), stamp) is None


def test_the_catalogue_names_the_files_new_or_changed_since_examined_and_counts_the_rest(tmp_path):
    con = duckdb.connect()
    ensure_warehouse(con)
    kind, now = SUBMISSION_TYPES["outcomes"], datetime(2024, 3, 10)
    paths = {}
    for name in ("same.csv", "grown.csv", "touched.csv", "other_rules.csv", "new.csv", "gone.csv"):
        paths[name] = tmp_path / name
        paths[name].write_bytes(b"a,b\n1,2\n")
    examined = {name: Stamp.of(path) for name, path in paths.items() if name != "new.csv"}
    record_examined(
        con,
        [
            examined_entry(kind, name, stamp, "hash", "old" if name == "other_rules.csv" else "now", now)
            for name, stamp in examined.items()
        ],
    )
    with paths["grown.csv"].open("ab") as grown:
        grown.write(b"3,4\n")
    os.utime(paths["grown.csv"], ns=(examined["grown.csv"].modified_ns,) * 2)  # same time, another size
    os.utime(paths["touched.csv"], ns=(examined["touched.csv"].modified_ns + 10**9,) * 2)
    paths["gone.csv"].unlink()  # listed, then removed before its status was read

    listed = [(str(path), name) for name, path in paths.items()]
    changed, unchanged = changed_files(con, kind, "now", listed)

    assert changed == {
        1: Stamp(12, examined["grown.csv"].modified_ns),
        2: Stamp(8, examined["touched.csv"].modified_ns + 10**9),
        3: examined["other_rules.csv"],  # examined under other mapping files: looked at again
        4: Stamp.of(paths["new.csv"]),
    }
    assert unchanged == 1  # same.csv; gone.csv is neither
    # another type knows none of them
    assert changed_files(con, SUBMISSION_TYPES["finance"], "now", listed) == (
        {i: Stamp.of(path) for i, (path, _) in enumerate(listed[:5])},
        0,
    )

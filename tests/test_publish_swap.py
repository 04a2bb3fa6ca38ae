"""Publishing swaps finished outputs into place; a reader of the old file keeps reading it."""

import duckdb
import pytest

from assets.publish.swap import publish_file, publish_folder, published_versions, roll_back


def build(path, version):
    with duckdb.connect(str(path)) as con:
        con.execute("create or replace table t as select ? as version", [version])


def version(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select version from t").fetchone()[0]


def test_publish_file_replaces_atomically_while_a_reader_has_the_old_one_open(tmp_path):
    built, target = tmp_path / "build.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    build(built, 1)
    publish_file(built, target)
    reader = duckdb.connect(str(target), read_only=True)
    build(built, 2)
    publish_file(built, target)
    assert reader.execute("select version from t").fetchone() == (1,)
    reader.close()
    assert version(target) == 2
    assert sorted(p.name for p in target.parent.iterdir()) == ["history", "warehouse.duckdb"]


def test_earlier_versions_are_kept_and_one_command_rolls_back(tmp_path):
    built, target = tmp_path / "build.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    for n in range(1, 6):
        build(built, n)
        publish_file(built, target, keep=3)
    assert version(target) == 5
    assert [version(p) for p in published_versions(target)] == [4, 3, 2]   # newest first, 3 kept
    roll_back(target)
    assert version(target) == 4
    assert [version(p) for p in published_versions(target)] == [3, 2]
    roll_back(target)
    roll_back(target)
    with pytest.raises(FileNotFoundError, match="no earlier version"):
        roll_back(target)
    assert version(target) == 2


def test_publish_folder_swaps_the_whole_site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("old")
    built = tmp_path / ".site.building"
    built.mkdir()
    (built / "index.html").write_text("new")
    publish_folder(built, site)
    assert sorted(p.name for p in site.iterdir()) == ["index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]

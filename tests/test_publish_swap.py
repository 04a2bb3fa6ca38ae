"""Publishing swaps finished outputs into place; a reader of the old file keeps reading it."""

import duckdb

from assets.publish.swap import publish_file, publish_folder


def test_publish_file_replaces_atomically_while_a_reader_has_the_old_one_open(tmp_path):
    built, target = tmp_path / "build.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    with duckdb.connect(str(built)) as con:
        con.execute("create table t as select 1 as version")
    publish_file(built, target)
    reader = duckdb.connect(str(target), read_only=True)
    with duckdb.connect(str(built)) as con:
        con.execute("update t set version = 2")
    publish_file(built, target)
    assert reader.execute("select version from t").fetchone() == (1,)
    reader.close()
    with duckdb.connect(str(target), read_only=True) as fresh:
        assert fresh.execute("select version from t").fetchone() == (2,)
    assert sorted(p.name for p in target.parent.iterdir()) == ["warehouse.duckdb"]


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

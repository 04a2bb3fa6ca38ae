"""Publications: a warehouse and its site switched in together; readers of the old one keep reading it."""

import errno
import os
import shutil

import duckdb
import pytest

from assets.faults import DISK_FULL, FAULT, FAULT_AT
from assets.publish.swap import CURRENT, Publications, copy_into_place
from assets.query import one_row


@pytest.fixture
def store(tmp_path):
    return Publications(
        tmp_path / "warehouse" / "publications", tmp_path / "warehouse" / "joinedup.duckdb", tmp_path / "site"
    )


def publish(store, version):
    """Build a publication holding `version` in its warehouse and its site, and switch it in."""
    staged = store.stage()
    with duckdb.connect(str(store.warehouse_in(staged))) as con:
        con.execute("create table t as select ? as version", [version])
    store.site_in(staged).mkdir()
    (store.site_in(staged) / "index.html").write_text(f"version {version}")
    publication = store.complete(staged)
    store.switch(publication)
    return publication


def shown(store):
    """Return the version the warehouse path shows and the version the site path shows."""
    with duckdb.connect(str(store.warehouse), read_only=True) as con:
        (warehouse,) = one_row(con.execute("select version from t"))
    return warehouse, int((store.site / "index.html").read_text().split()[-1])


def test_warehouse_and_site_paths_show_one_publication_and_a_reader_keeps_the_old_one(store, tmp_path):
    first = publish(store, 1)
    assert shown(store) == (1, 1)
    reader = duckdb.connect(str(first / "joinedup.duckdb"), read_only=True)  # as an analyst had it open
    publish(store, 2)
    assert shown(store) == (2, 2)
    assert store.warehouse.is_symlink() and store.site.is_symlink()
    assert os.readlink(store.warehouse) == "publications/current/joinedup.duckdb"  # relative links
    store.clean(keep=0)  # the reader's publication is removed: its file stays readable
    assert not first.exists()
    assert reader.execute("select version from t").fetchone() == (1,)
    reader.close()


def test_earlier_publications_are_kept_up_to_a_bound_and_previous_goes_back_one(store):
    for version in range(1, 6):
        publish(store, version)
        store.clean(keep=3)
    assert [p.name[:6] for p in store.published()] == ["000002", "000003", "000004", "000005"]
    assert store.current() == store.published()[-1]
    previous = store.previous()
    store.switch(previous)
    store.clean(keep=3)  # the publication rolled back from is newer than the current one: removed
    assert shown(store) == (4, 4)
    assert [p.name[:6] for p in store.published()] == ["000002", "000003", "000004"]
    store.switch(store.previous())
    store.switch(store.previous())
    with pytest.raises(FileNotFoundError, match="no earlier publication"):
        store.previous()
    assert publish(store, 6).name.startswith("000005-")  # numbered after every folder there is


def test_leftovers_of_stopped_runs_are_never_publications_and_the_next_clean_removes_them(store):
    publish(store, 1)
    store.stage()  # a run stopped while building
    publish(store, 2)
    store.switch(store.previous())  # stopped before removing the publication it rolled back from
    (store.root / ".current.incoming").symlink_to("nowhere")  # stopped while swapping the pointer
    assert [p.name[:6] for p in store.published()] == ["000001", "000003"]
    assert shown(store) == (1, 1)
    store.clean()
    assert sorted(p.name for p in store.root.iterdir()) == sorted([CURRENT, store.current().name])


def test_a_removal_stopped_half_way_is_a_leftover_not_a_publication(store, monkeypatch):
    publish(store, 1)
    publish(store, 2)
    monkeypatch.setenv(FAULT_AT, "publish:cleanup")
    monkeypatch.setenv(FAULT, DISK_FULL)
    with pytest.raises(OSError) as stopped:
        store.clean(keep=0)
    assert stopped.value.errno == errno.ENOSPC
    assert [p.name[:6] for p in store.published()] == ["000002"]
    assert [p.name[:17] for p in store.root.glob(".*")] == [".removing-000001-"]
    monkeypatch.delenv(FAULT_AT)
    store.clean(keep=0)
    assert sorted(p.name for p in store.root.iterdir()) == sorted([CURRENT, store.current().name])


def test_a_warehouse_and_site_published_before_publications_become_the_first_one(store):
    store.warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(store.warehouse)) as con:
        con.execute("create table t as select 0 as version")
    store.site.mkdir()
    (store.site / "index.html").write_text("version 0")
    store.adopt_earlier_layout()
    assert shown(store) == (0, 0) and store.warehouse.is_symlink()
    publish(store, 1)
    store.switch(store.previous())
    assert shown(store) == (0, 0)


def test_copy_into_place_leaves_nothing_behind_when_the_copy_fails(tmp_path):
    target = tmp_path / "build" / "joinedup.duckdb"
    target.parent.mkdir()
    target.write_text("kept")
    with pytest.raises(FileNotFoundError):
        copy_into_place(tmp_path / "missing.duckdb", target)
    assert [p.name for p in target.parent.iterdir()] == ["joinedup.duckdb"]
    assert target.read_text() == "kept"


def test_an_installation_copied_without_its_links_publishes_again(store, tmp_path):
    publish(store, 1)
    copied = Publications(
        tmp_path / "copy" / "warehouse" / "publications",
        tmp_path / "copy" / "warehouse" / "joinedup.duckdb",
        tmp_path / "copy" / "site",
    )
    shutil.copytree(tmp_path / "warehouse", tmp_path / "copy" / "warehouse")  # links followed: copies
    shutil.copytree(tmp_path / "site", tmp_path / "copy" / "site")
    copied.adopt_earlier_layout()
    publish(copied, 2)
    assert shown(copied) == (2, 2) and copied.site.is_symlink()
    assert sorted(p.name for p in copied.root.iterdir() if p.name != CURRENT) == [
        p.name for p in copied.published()
    ]
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == ["site", "warehouse"]

"""The same inbox publishes the same figures: two clean runs give every mart the same rows, to the bit."""

import shutil

from pipelines.demo.submissions import generate_demo
from pipelines.run import run_nightly
from tests.conftest import settings_for
from tests.mart_checksums import differing_marts, mart_checksums

SETUP = ("inbox", "reference", "partners")


def test_two_clean_runs_of_one_inbox_publish_identical_marts(tmp_path):
    generate_demo(tmp_path / "first", scale="small", seed=7)
    for folder in SETUP:
        shutil.copytree(tmp_path / "first" / folder, tmp_path / "second" / folder)
    checksums = []
    for home in ("first", "second"):
        settings = settings_for(tmp_path / home)
        assert run_nightly(settings).success
        checksums.append(mart_checksums(settings.warehouse))
    assert len(checksums[0]) >= 17
    assert differing_marts(*checksums) == []

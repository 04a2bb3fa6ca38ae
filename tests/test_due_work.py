"""What a run has to do, as the sensor and the schedule count it (pipelines.due.DueWork)."""

from pipelines.due import DueWork, TypeDue


def test_files_of_different_types_named_alike_are_each_new():
    due = DueWork(
        {
            "finance": TypeDue(["NOR-LA_20260418.csv"], ["2026-03"]),
            "outcomes": TypeDue(["NOR-LA_20260418.csv", "NOR-GP_20260416.csv"], ["2026-03"]),
            "workforce": TypeDue(),
        },
        [],
        [],
    )
    assert due.new_files == [
        "finance/NOR-LA_20260418.csv",
        "outcomes/NOR-GP_20260416.csv",
        "outcomes/NOR-LA_20260418.csv",
    ]
    assert due.types == ["finance", "outcomes"] and due.months == ["2026-03"]

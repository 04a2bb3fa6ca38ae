"""Damaged text: mojibake and ligatures lost in PDF extraction are repaired; real words are left alone."""

import pytest

from assets.validate.text_repair import repair_text
from tests.ingest_fixtures import OUTCOMES_HEADER, drop, ingest_and_validate, rows, seeded_warehouse


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("Triage is more eYcient now.", "Triage is more efficient now."),
        ("Waits reXected the surge.", "Waits reflected the surge."),
        ("TheWnal count was checked.", "The final count was checked."),
        ("Counted on a diVerent basis.", "Counted on a different basis."),
        ("Patients were conWned to the ward.", "Patients were confined to the ward."),
        ("The staV rota changed.", "The staff rota changed."),
        ("The cafÃ© sessions â€“ well attended.", "The café sessions – well attended."),
        ("Itâ€™s the ﬁnal oﬃce visit.", "It’s the final office visit."),
    ],
)
def test_damaged_text_is_repaired(damaged, repaired):
    assert repair_text(damaged) == repaired


@pytest.mark.parametrize(
    "clean",
    [
        "OfWat, HealthWatch, MoneyWise and YouGov met DeVito and McVey.",
        "NHS, VCS and the ICB; IVs given on the TV ward. Very well, Yvonne.",
        "Spend of £1,250 on “family days” – agreed at panel.",
        "We visited Wales and Xavier in New York.",
    ],
)
def test_real_words_names_and_typography_are_left_alone(clean):
    assert repair_text(clean) == clean


def test_repairs_keep_the_original_and_are_counted_per_file(tmp_path):
    con = seeded_warehouse(tmp_path / "w.duckdb")
    drop(
        tmp_path / "inbox",
        "outcomes",
        "P1_20240301.csv",
        OUTCOMES_HEADER
        + "P1,S1,OUT,2024-01,,,4,TheWnal count was checked.\n"
        + "P1,S1,OUT,2024-02,,,5,Fine as it is.\n"
        + "P1,S1,NOPE,2023-11,,,6,The cafÃ© sessions\n",
    )  # quarantined, but still repaired and counted
    outcome = ingest_and_validate(con, tmp_path)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (2, 1)
    assert rows(
        con, "select row_number, comment, comment_as_received from validated.outcomes order by 1"
    ) == [(2, "The final count was checked.", "TheWnal count was checked."), (3, "Fine as it is.", None)]
    assert rows(con, "select comment from raw.outcomes where row_number = 2") == [
        ("TheWnal count was checked.",)
    ]  # raw keeps what was received
    assert rows(con, "select text_repairs from audit.load_log") == [(2,)]

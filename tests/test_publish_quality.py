"""When a return is late, and how association findings say when results moved."""

from datetime import date

import pytest

from assets.publish.quality import Return
from assets.publish.workforce_panel import lag_words


def test_a_return_is_late_only_after_its_deadline_and_targets_never_are():
    def sent(on: date, deadline: date | None) -> Return:
        return Return("outcomes", "f.csv", "P1", on, date(2025, 12, 1), deadline)

    due = date(2026, 1, 21)
    assert not sent(due, due).is_late
    assert sent(date(2026, 1, 22), due).is_late
    assert not sent(date(2027, 1, 1), None).is_late


@pytest.mark.parametrize(("lags", "words"), [
    ([0], "in the same month"),
    ([1], "1 month later"),
    ([2], "2 months later"),
    ([0, 1, 2], "in the same month and up to 2 months later"),
    ([0, 2], "in the same month and 2 months later"),
    ([0, 1, 3], "in the same month and 1 and 3 months later"),
    ([1, 2, 3], "1 to 3 months later"),
    ([1, 3], "1 and 3 months later"),
])
def test_lags_in_words(lags, words):
    assert lag_words(lags) == words

"""How association findings say when results moved (lateness is judged in SQL: see test_publish_site)."""

import pytest

from assets.publish.workforce_panel import lag_words


@pytest.mark.parametrize(
    ("lags", "words"),
    [
        ([0], "in the same month"),
        ([1], "1 month later"),
        ([2], "2 months later"),
        ([0, 1, 2], "in the same month and up to 2 months later"),
        ([0, 2], "in the same month and 2 months later"),
        ([0, 1], "in the same month and 1 month later"),
        ([0, 1, 3], "in the same month and 1 and 3 months later"),
        ([1, 2, 3], "1 to 3 months later"),
        ([1, 3], "1 and 3 months later"),
    ],
)
def test_lags_in_words(lags, words):
    assert lag_words(lags) == words

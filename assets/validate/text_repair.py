"""Repair damaged free text: mojibake ("cafÃ©") and ligatures lost in PDF extraction ("eYcient").

Text copied out of PDFs often turns the ligature glyphs ff, fi, fl and ffi into V, W, X and Y
("diVerent", "reXected", "TheWnal"). A word is repaired only when it is not a word as it stands and
the repaired spelling is (checked against an English word list), so names and codes stay as written.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

import ftfy
import polars as pl
from ftfy.fixes import fix_latin_ligatures

LIGATURES = {"V": "ff", "W": "fi", "X": "fl", "Y": "ffi"}
# Zipf frequency 2.5 is about one use in 3 million words: rarer spellings do not count as words.
WORD_FREQUENCY = 2.5
# Restoring a lost space as well ("TheWnal") needs common words on both sides, so that a name
# written in camel case ("OfWat") is not read as two words ("Of fiat").
SPLIT_WORD_FREQUENCY = 4.0
MAX_LIGATURES_PER_WORD = 3
WORD = re.compile(r"[A-Za-z]+")
# Values worth a closer look: non-ASCII (possible mojibake) or a V/W/X/Y against a lower-case letter.
SUSPECT = r"[^\x00-\x7F]|[a-z][VWXY]|[VWXY][a-z]"


@cache
def is_word(text: str, frequency: float = WORD_FREQUENCY) -> bool:
    """Return whether `text` is an English word at least as common as `frequency` (Zipf scale)."""
    from wordfreq import zipf_frequency  # its import takes 0.6 s and few files need a word looked up

    return zipf_frequency(text.lower(), "en") >= frequency


def _damaged_positions(word: str) -> list[int]:
    """Positions of V/W/X/Y that sit where a ligature would: before lower case, or ending a word."""
    return [
        i
        for i, ch in enumerate(word)
        if ch in LIGATURES
        and (
            (i + 1 < len(word) and word[i + 1].islower())
            or (i > 0 and i + 1 == len(word) and word[i - 1].islower())
        )
    ]


def _restore_ligatures(piece: str) -> str:
    """Return the piece with each V/W/X/Y that sits where a ligature would read as that ligature."""
    damaged = _damaged_positions(piece)
    return re.sub("[VWXY]", lambda m: LIGATURES[m[0]] if m.start() in damaged else m[0], piece)


def repair_word(word: str) -> str:
    """Return `word` with its lost ligatures restored when that gives real words, else unchanged."""
    positions = _damaged_positions(word)
    if not positions or len(positions) > MAX_LIGATURES_PER_WORD or is_word(word):
        return word
    # Extraction also drops the space before a ligature ("TheWnal"): try splits, fewest first.
    splits = [p for p in positions if p > 0 and word[p - 1].islower()]
    for count in range(len(splits) + 1):
        for chosen in itertools.combinations(splits, count):
            pieces, start = [], 0
            for p in sorted(chosen):
                pieces.append(word[start:p])
                start = p
            pieces.append(word[start:])
            repaired = [_restore_ligatures(piece) for piece in pieces]
            if all(is_word(piece, SPLIT_WORD_FREQUENCY if count else WORD_FREQUENCY) for piece in repaired):
                return " ".join(repaired)
    return word


@cache
def repair_text(text: str) -> str:
    """Return free text with mojibake and lost ligatures repaired; text that needs nothing is unchanged."""
    fixed = text if text.isascii() else fix_latin_ligatures(ftfy.fix_encoding(text))
    return WORD.sub(lambda m: repair_word(m[0]), fixed)


def repair_column(frame: pl.DataFrame, column: str) -> pl.Series:
    """Return the column repaired; only suspect values are looked at, each distinct one once."""
    values = frame.get_column(column)
    suspects = values.filter(values.str.contains(SUSPECT).fill_null(False)).unique()
    if suspects.is_empty():
        return values
    repairs = {text: repair_text(text) for text in suspects.to_list()}
    return values.replace({k: v for k, v in repairs.items() if k != v})

"""Whether a word looks like a word (a name, or a real word the data lacks) or like
keyboard mash. Pure (no Rasa import); shared by the unclear-message check
(addons/unknown_words.py) and the name capture (actions/name.py), so both read
"asdf qwer" alike."""

from __future__ import annotations

import re

_VOWEL = re.compile(r"[aeiouy]")
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xzñ]{5,}")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjklñ", "zxcvbnm")
MAX_WORD_LETTERS = 20


def _keyboard_runs(length: int = 4) -> frozenset[str]:
    runs = set()
    for row in _KEYBOARD_ROWS:
        for start in range(len(row) - length + 1):
            run = row[start : start + length]
            runs.update((run, run[::-1]))
    return frozenset(runs)


# Four keys in a row of the keyboard, either way ("asdf", "fdsa", "qwer", "lkjh").
KEYBOARD_RUNS = _keyboard_runs()


def looks_like_mash(folded: str) -> bool:
    """True for a folded (lower case, no accents) word of letters that no word has: no
    vowel, five consonants in a row, four keys in a row, or over 20 letters."""
    if len(folded) > MAX_WORD_LETTERS:
        return True
    if not _VOWEL.search(folded) or _CONSONANT_RUN.search(folded):
        return True
    return any(folded[i : i + 4] in KEYBOARD_RUNS for i in range(len(folded) - 3))

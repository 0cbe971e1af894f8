"""Counting words, the one way every stage counts them.

Words are space-separated tokens, except for runs of scripts written without spaces: Han
and kana count one word per 2 characters, Thai/Lao/Khmer one per 4 code points and Burmese
one per 6 code points (their syllables stack several marks). Pure-ASCII and other
space-separated text takes the fast path, `len(text.split())`.
"""

from __future__ import annotations

import re

# Scripts written without spaces between words, and how many characters make a word.
_DENSE_ANY = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uf900-\ufaff\uff66-\uff9f]"
)
_DENSE_RUNS = (
    (re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+"), 2),
    (re.compile(r"[\u0e00-\u0eff\u1780-\u17ff]+"), 4),
    (re.compile(r"[\u1000-\u109f]+"), 6),
)


def count_words(text: str) -> int:
    """Words of `text`; scripts without spaces count by characters (see the module doc)."""
    if text.isascii() or _DENSE_ANY.search(text) is None:
        return len(text.split())
    words = 0
    rest = text
    for pattern, per_word in _DENSE_RUNS:
        for run in pattern.findall(rest):
            words += -(-len(run) // per_word)
        rest = pattern.sub(" ", rest)
    return words + len(rest.split())


def is_dense(text: str) -> bool:
    """Holds characters of a script written without spaces between words."""
    return not text.isascii() and _DENSE_ANY.search(text) is not None

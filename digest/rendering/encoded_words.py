"""RFC 2047 encoded words: UTF-8 text in a header, cut into words of at most 75 characters.

Each word holds whole characters, so every word decodes on its own; readers join the
decoded words of a run and drop the folding whitespace between them (RFC 2047 section 6.2).
"""

from __future__ import annotations

import base64
from string import ascii_letters, digits

MAX_WORD = 75  # RFC 2047 section 2: an encoded word is at most 75 characters
_Q_PREFIX, _B_PREFIX, _SUFFIX = "=?utf-8?q?", "=?utf-8?b?", "?="
_OVERHEAD = len(_Q_PREFIX) + len(_SUFFIX)
_SMALLEST = _OVERHEAD + 12  # room for one 4-byte character, Q-encoded as =XX=XX=XX=XX
# What Q encoding may leave as it is: in a phrase (a display name) only these, by RFC 2047
# section 5(3); in unstructured text (Subject) any printable ASCII but "=", "?" and "_".
_Q_PHRASE = frozenset(ascii_letters + digits + "!*+-/")
_Q_TEXT = frozenset(chr(code) for code in range(33, 127)) - set("=?_")


def _utf8(char: str) -> bytes:
    return char.encode("utf-8", "replace")  # a lone surrogate from a broken file: "?"


def _q(char: str, literal: frozenset[str] = _Q_PHRASE) -> str:
    if char == " ":
        return "_"
    if char in literal:
        return char
    return "".join(f"={byte:02X}" for byte in _utf8(char))


def _b_length(size: int) -> int:
    return -(-size // 3) * 4


def encoded_words(text: str, first: int = MAX_WORD, phrase: bool = True) -> list[str]:
    """`text` as encoded words: the first at most `first` characters long (what is left of
    the header's first line), the others at most 75. Q encoding where it is as short as
    base64 (Latin text), else base64 (Greek, Cyrillic, CJK). `phrase`: the words stand in
    a display name; else in unstructured text, where Q may leave more as it is."""
    if not text:
        return []
    literal = _Q_PHRASE if phrase else _Q_TEXT
    q_size = sum(len(_q(char, literal)) for char in text)
    use_q = q_size <= _b_length(len(text.encode("utf-8", "replace")))
    budget = max(min(first, MAX_WORD), _SMALLEST) - _OVERHEAD
    words: list[str] = []
    chunk: list[str] = []
    size = 0  # Q: encoded characters so far; base64: bytes so far
    for char in text:
        cost = len(_q(char, literal)) if use_q else len(_utf8(char))
        grown = size + cost
        if chunk and (grown if use_q else _b_length(grown)) > budget:
            words.append(_word(chunk, use_q, literal))
            chunk, size, budget = [], 0, MAX_WORD - _OVERHEAD
        chunk.append(char)
        size += cost
    words.append(_word(chunk, use_q, literal))
    return words


def _word(chars: list[str], use_q: bool, literal: frozenset[str]) -> str:
    if use_q:
        return _Q_PREFIX + "".join(_q(char, literal) for char in chars) + _SUFFIX
    data = b"".join(_utf8(char) for char in chars)
    return _B_PREFIX + base64.b64encode(data).decode("ascii") + _SUFFIX

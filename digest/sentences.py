"""Paragraph and sentence splitting for English news text, with precompiled regexes only.

Rules, in order: paragraphs are separated by blank lines; inside a paragraph whitespace is
collapsed; a sentence ends at `.`, `!`, `?` or an ellipsis (plus any closing quotes or
brackets) when the next word starts like a sentence. Abbreviations (Mr., Dr., U.S., Jan.,
e.g.), initials (B.B. King) and decimals (3.5) do not end a sentence. Scraped text often
glues sentences (`word.Word`, `said."Next`), so those joins are split too.
"""

from __future__ import annotations

import re

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")
_SPACES = re.compile(r"\s+")

# A candidate end: terminal punctuation, then closing quotes/brackets, then either space or
# a glued capital/opening quote. The lookbehind-free form keeps it one linear scan.
_CANDIDATE = re.compile(r"(?:\.{3}|…|[.!?])+[\"'”’)\]]*(?=\s|[A-Z\"“‘(]|$)")

# Titles and Latin abbreviations that are never the end of a sentence.
# fmt: off
_NEVER_END = frozenset(
    [
        "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "gov", "sen", "rep", "lt", "col",
        "capt", "sgt", "rev", "hon", "messrs", "mt", "ft", "fig", "no", "nos", "vol", "pp", "e.g",
        "i.e", "eg", "ie", "vs", "cf", "approx", "dept", "est", "ave", "blvd", "rd"
    ]
)
# fmt: on
# Abbreviations that end a sentence only before a typical sentence opener.
# fmt: off
_MAYBE_END = frozenset(
    [
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc",
        "ltd", "co", "corp", "bros", "etc", "a.m", "p.m", "am", "pm", "u.s", "u.k", "u.n", "e.u",
        "d.c", "l.a", "n.y"
    ]
)
# fmt: on
# Words that open sentences but rarely follow "U.S." or "Inc." inside one.
# fmt: off
_OPENERS = frozenset(
    [
        "the", "a", "an", "he", "she", "it", "they", "we", "i", "you", "this", "that", "these",
        "those", "there", "his", "her", "its", "their", "our", "but", "and", "so", "yet", "in",
        "on", "at", "for", "as", "if", "when", "while", "after", "before", "since", "although",
        "though", "however", "meanwhile", "still", "now", "then", "police", "officials", "mr",
        "mrs", "ms", "dr"
    ]
)
# fmt: on
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_WORD_AFTER = re.compile(r"[\"'“‘(]*([A-Za-z]+)")
_INITIAL = re.compile(r"(?:^|[\s(])(?:[A-Z]\.)+$")
_HAS_TEXT = re.compile(r"\w")


def split_paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each with its whitespace collapsed; empties dropped."""
    paragraphs = []
    for block in _BLANK_LINE.split(text.replace("\r\n", "\n")):
        cleaned = _SPACES.sub(" ", block).strip()
        if cleaned:
            paragraphs.append(cleaned)
    return paragraphs


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, paragraph by paragraph (a sentence never spans two paragraphs)."""
    sentences: list[str] = []
    for paragraph in split_paragraphs(text):
        sentences.extend(_split_paragraph(paragraph))
    return sentences


def _split_paragraph(paragraph: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(paragraph):
        end = match.end()
        if end >= len(paragraph):
            break
        cut = _decide_cut(paragraph, start, match)
        if cut is None:
            continue
        piece = paragraph[start:cut].strip()
        if piece:
            sentences.append(piece)
        start = cut
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _decide_cut(paragraph: str, start: int, match: re.Match[str]) -> int | None:
    """Where to cut for this candidate end, or None when it is not a sentence end."""
    mark_start, end = match.start(), match.end()
    glued = not paragraph[end].isspace()
    rest = paragraph[end:].lstrip()
    next_char = rest[0]
    token = match.group()
    if next_char.islower() or not _HAS_TEXT.search(paragraph, start, mark_start):
        # Lower case continues the sentence; a bare `"...` opener is not a sentence.
        return None
    # `said."Next` or `end."And`: the quote closes this sentence when one is open,
    # otherwise it opens the next one.
    if (
        glued
        and token.endswith('"')
        and token.count('"') == 1
        and paragraph.count('"', start, mark_start) % 2 == 0
    ):
        return end - 1
    if token[0] != ".":
        return end
    before = paragraph[max(start, mark_start - 20) : mark_start]
    word_match = _WORD_BEFORE.search(before)
    if word_match is None:
        return end
    word = word_match.group(1).lower()
    if word in _NEVER_END:
        return None
    if _INITIAL.search(before + ".") and len(word.replace(".", "")) <= 3 and word not in _MAYBE_END:
        # Initials such as "B.B." or "J." belong to the following name.
        return None
    if word in _MAYBE_END or "." in word:
        after = _WORD_AFTER.match(rest)
        return end if after is not None and after.group(1).lower() in _OPENERS else None
    return end

"""Paragraph and sentence splitting, with precompiled regexes only.

Rules, in order: paragraphs are separated by blank lines; inside a paragraph whitespace is
collapsed; a sentence ends at `.`, `!`, `?` or an ellipsis (plus any closing quotes or
brackets) when the next word starts like a sentence. Abbreviations (Mr., Dr., U.S., Jan.,
e.g.), initials (B.B. King), decimals (3.5) and a leading dot (.NET) do not end a sentence.
Scraped text often glues sentences (`word.Word`, `said."Next`), so those joins are split too.

Other scripts: a sentence also ends at the full stops and marks of other writing systems
(CJK 。！？, Arabic ؟ and Urdu ۔, Devanagari । ॥, Burmese ။, Ethiopic ። ፧, Armenian ։,
Khmer ។ ៕), which need no space after them. A CJK mark inside 「」『』（）“” brackets does
not end the sentence, nor does `。」と` (Japanese quotes continue with a particle). Thai and
Lao have no sentence stop (a space separates sentences and clauses, and `.` marks
abbreviations such as `อ.`): a paragraph in those scripts is one sentence, unless it is longer
than `STOPLESS_PARAGRAPH_CHARS`, when it is cut at spaces into units of at least
`STOPLESS_UNIT_CHARS` characters (the only boundary the script offers; never inside a word).

List items: a paragraph that opens with a bullet or a list number ("- ", "• ", "3. ",
"2) ") is a list item; `strip_list_marker` removes the marker before any rule reads it.

Words are counted by `digest.words.count_words`, which readers use too.
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
# --- other scripts ---------------------------------------------------------------------
# Full stops and marks of other writing systems; no space is needed after them.
_SCRIPT_STOP_CHARS = "。｡！？‼⁇⁈⁉؟۔।॥။።፧፨։។៕"
_SCRIPT_STOP = re.compile(f"[{_SCRIPT_STOP_CHARS}]")
_CJK_OPEN = "「『（《【〈“"
_CJK_CLOSE = "」』）》】〉”"
# A bracket (depth tracking) or a run of stops with the closers that follow them.
_SCRIPT_TOKEN = re.compile(
    rf"[{_CJK_OPEN}{_CJK_CLOSE}]|[{_SCRIPT_STOP_CHARS}]+[{_CJK_CLOSE}\"'’)\]]*"
)
_HIRAGANA_FIRST, _HIRAGANA_LAST = "\u3041", "\u309f"
# Thai and Lao: no sentence stop at all.
_STOPLESS = re.compile(r"[\u0e00-\u0eff]")
STOPLESS_PARAGRAPH_CHARS = 400  # about the default max of 100 words
STOPLESS_UNIT_CHARS = 200
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_WORD_AFTER = re.compile(r"[\"'“‘(]*([A-Za-z]+)")
_INITIAL = re.compile(r"(?:^|[\s(])(?:[A-Z]\.)+$")
_HAS_TEXT = re.compile(r"\w")
# A bullet or a list number opening a paragraph: "- ", "* ", "• ", "3. ", "12) ".
_LIST_MARKER = re.compile(r"^(?:[-*•·▪◦‣►–]|\d{1,2}[.)])\s+(?=\S)")


def strip_list_marker(paragraph: str) -> tuple[str, bool]:
    """(the paragraph without its bullet or list number, whether it had one)."""
    match = _LIST_MARKER.match(paragraph)
    if match is None:
        return paragraph, False
    return paragraph[match.end() :], True


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
        sentences.extend(split_paragraph(paragraph))
    return sentences


def is_stopless(text: str) -> bool:
    """Written in a script with no sentence stop (Thai, Lao): judged by its last letter."""
    stripped = text.rstrip(" \"'”’)]」』）")
    return bool(stripped) and _STOPLESS.match(stripped[-1]) is not None


def split_paragraph(paragraph: str) -> list[str]:
    """Sentences of one paragraph (whitespace already collapsed)."""
    if paragraph.isascii() or _SCRIPT_STOP.search(paragraph) is None:
        sentences = _split_latin(paragraph)
    else:
        sentences = [
            piece for part in _split_script_stops(paragraph) for piece in _split_latin(part)
        ]
    if sentences and len(sentences[-1]) > STOPLESS_PARAGRAPH_CHARS and is_stopless(sentences[-1]):
        sentences[-1:] = _stopless_units(sentences[-1])
    return sentences


def _split_script_stops(paragraph: str) -> list[str]:
    """Cut after the stops of other scripts, outside CJK brackets and quotes."""
    pieces: list[str] = []
    start = depth = 0
    for match in _SCRIPT_TOKEN.finditer(paragraph):
        token = match.group()
        if len(token) == 1 and token in _CJK_OPEN:
            depth += 1
            continue
        closers = sum(1 for char in token if char in _CJK_CLOSE)
        depth = max(0, depth - closers)
        if token[0] in _CJK_CLOSE or depth:
            continue
        end = match.end()
        following = paragraph[end : end + 1]
        if closers and _HIRAGANA_FIRST <= following <= _HIRAGANA_LAST:
            continue  # 「…。」と述べた: the quotation goes on into the sentence
        pieces.append(paragraph[start:end].strip())
        start = end
    tail = paragraph[start:].strip()
    if tail:
        pieces.append(tail)
    return [piece for piece in pieces if piece]


def _stopless_units(paragraph: str) -> list[str]:
    """A long Thai/Lao paragraph cut at spaces into units of at least STOPLESS_UNIT_CHARS."""
    units: list[str] = []
    current = ""
    for phrase in paragraph.split(" "):
        current = f"{current} {phrase}" if current else phrase
        if len(current) >= STOPLESS_UNIT_CHARS:
            units.append(current)
            current = ""
    if current:
        if units and len(current) < STOPLESS_UNIT_CHARS // 3:
            units[-1] = f"{units[-1]} {current}"
        else:
            units.append(current)
    return units


def _split_latin(paragraph: str) -> list[str]:
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
    if not glued and rest.startswith(("--", "—", "–")):
        return None  # "MONTGOMERY, Ala. -- The ...": the dash of a dateline follows
    before_char = paragraph[mark_start - 1]
    if token[0] == "." and (
        (glued and before_char.isspace()) or "\u0e00" <= before_char <= "\u0eff"
    ):
        # ".NET" is a name, not a stop; in Thai and Lao "." only marks abbreviations.
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

"""Selection: the engine that picks whole sentences from the start of a text, within a budget.

The text is cut into paragraphs (an author heading ends it, hard-wrapped lines are joined,
page headers are removed from the first ones), each sentence is analysed once, lazily, for
the rules it breaks (`digest.editorial.excerpt_rules`), and the excerpt starts at the first sentence
that may open it, then keeps adding the following sentences while the budget allows. Page
furniture is skipped; any other failing sentence ends the excerpt, so no sentence is ever
cut. `digest.editorial.excerpts` runs this on the body, then on the description.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from digest.editorial.excerpt_rules import (
    NOISE_RULES,
    Context,
    content_faults,
    opening_faults,
    strip_dateline,
    strip_header,
)
from digest.settings import ExcerptBudget
from digest.text.sentences import split_paragraph, split_paragraphs
from digest.words import count_words

# The scraped shape ends with an "Author" heading, the name and the bio: never excerpt them.
_AUTHOR_HEADING = re.compile(r"^(?:about )?(?:the )?authors?:?$|^author bio:?$", re.IGNORECASE)
# A first sentence this short is usually a hook ("Guilty across the board.").
_HOOK_WORDS = 10
_QUOTE_MARKS = "\"“‘'"
# A hard-wrapped line: no stop at the end, and the next block goes on in lower case, or this
# one ends on a comma or a word that cannot end a sentence.
_WRAP_TAIL = re.compile(
    r"(?:,|\b(?:the|a|an|of|in|on|at|to|for|with|by|from|and|or|but|as|that|which|who|whose"
    r"|its|his|her|their|our|my|your|is|are|was|were|has|have|had|be|been|will|would|than))$"
)

# CJK sentences follow each other without a space.
_TIGHT_ENDS = frozenset("。！？｡」』）】")
_ENDS_BLOCK = frozenset(".!?:;\"'”’)]」』）。！？…")


@dataclass(frozen=True)
class Sentence:
    text: str
    words: int
    broken: tuple[str, ...]  # content and source rules
    opening_broken: tuple[str, ...]  # opening rules on top of those

    @property
    def is_noise(self) -> bool:
        return all(name in NOISE_RULES or name in SOURCE_RULES for name in self.broken)


SOURCE_RULES = frozenset({"title", "bio", "publication"})


def paragraphs(body: str) -> Iterator[str]:
    """Paragraphs up to an author heading, hard-wrapped lines joined, page headers removed."""
    for index, paragraph in enumerate(_join_wrapped(split_paragraphs(body))):
        if _AUTHOR_HEADING.match(paragraph):
            return
        yield strip_header(paragraph) if index < 3 else paragraph


def _join_wrapped(paragraphs: list[str]) -> list[str]:
    """Join blocks that are one sentence broken over blank lines ("...in new" / "make-up")."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined:
            previous = joined[-1]
            if previous[-1] not in _ENDS_BLOCK and (
                paragraph[0].islower() or _WRAP_TAIL.search(previous)
            ):
                joined[-1] = f"{previous} {paragraph}"
                continue
        joined.append(paragraph)
    return joined


def analyse(body: str, context: Context) -> Iterator[Sentence]:
    """Cleaned sentences of the body, each with the rules it breaks, produced on demand."""
    for paragraph in paragraphs(body):
        open_quote = False
        for raw in split_paragraph(paragraph):
            text = strip_dateline(raw)
            faults = content_faults(text) + context.source_rules(text)
            if open_quote:
                # A sentence in the middle of a quotation reads as someone else's words.
                faults.append("inside_quote")
            open_quote = _quote_left_open(raw, open_quote)
            broken = tuple(faults)
            opening = () if broken else tuple(opening_faults(text))
            yield Sentence(text, count_words(text), broken, opening)


def _quote_left_open(sentence: str, was_open: bool) -> bool:
    """Whether a quotation is still open after `sentence`."""
    straight = sentence.count('"') % 2 == 1
    curly = sentence.count("“") - sentence.count("”")
    if curly:
        return curly > 0
    return was_open != straight


class _LazySentences:
    """Sentences analysed lazily: most excerpts need only the first few."""

    def __init__(self, sentences: Iterator[Sentence]) -> None:
        self._source = sentences
        self._seen: list[Sentence] = []

    def get(self, index: int) -> Sentence | None:
        while len(self._seen) <= index:
            sentence = next(self._source, None)
            if sentence is None:
                return None
            self._seen.append(sentence)
        return self._seen[index]


def _separator(previous: str) -> str:
    """What goes between a sentence and the next: a space, or nothing after a CJK stop."""
    last = previous[-1:]
    if last in _TIGHT_ENDS or (last == "”" and previous[-2:-1] in _TIGHT_ENDS):
        return ""
    return " "


def join(sentences: list[str]) -> str:
    text = ""
    for sentence in sentences:
        text = f"{text}{_separator(text)}{sentence}" if text else sentence
    return text


def fits(words: int, chars: int, budget: ExcerptBudget) -> bool:
    return words <= budget.max_words and chars <= budget.max_chars


def _is_aside(sentence: Sentence) -> bool:
    """A quotation after the lead: it reads poorly out of context and scored no better."""
    return sentence.text[:1] in _QUOTE_MARKS


def _is_opener(sentence: Sentence) -> bool:
    return not sentence.broken and not sentence.opening_broken


def _opening_order(sentences: _LazySentences) -> Iterator[int]:
    """Indexes of sentences that may open the excerpt, best first.

    Position decides, except that a short hook right before a real lead gives way to it.
    """
    index, held = 0, -1
    while (sentence := sentences.get(index)) is not None:
        if _is_opener(sentence):
            if held < 0 and index <= 1 and sentence.words < _HOOK_WORDS:
                held = index  # a hook: offer the next opener first if it comes soon
            else:
                yield index
                if held >= 0:
                    yield held
                    held = -1
        elif held >= 0 and index >= 2:
            yield held
            held = -1
        index += 1
    if held >= 0:
        yield held


def select(analysed: Iterator[Sentence], budget: ExcerptBudget) -> str:
    sentences = _LazySentences(analysed)
    for start in _opening_order(sentences):
        first = sentences.get(start)
        if first is None or not fits(first.words, len(first.text), budget):
            continue
        chosen = [first.text]
        words, chars = first.words, len(first.text)
        index = start + 1
        while words < budget.target_words and (sentence := sentences.get(index)) is not None:
            index += 1
            if sentence.broken:
                if sentence.is_noise:
                    continue
                break
            extra = len(_separator(chosen[-1])) + len(sentence.text)
            if not fits(words + sentence.words, chars + extra, budget):
                break
            if _is_aside(sentence):
                continue
            chosen.append(sentence.text)
            words += sentence.words
            chars += extra
        return join(chosen)
    return ""

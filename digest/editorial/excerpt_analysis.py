"""Analysis: a text cut into paragraphs and sentences, each marked once with what selection needs.

The text is cut into paragraphs (an author heading ends it, hard-wrapped lines are joined,
page headers are removed from the first ones, bullets and list numbers are taken off list
items), then into sentences, each analysed lazily for the rules it breaks
(`digest.editorial.excerpt_rules`) and for its place: the lead of the text, a later sentence
of a list item, the end of its paragraph. A caption glued to a sentence without a stop is cut
off and the sentence kept. `excerpt_selection` picks from these; `excerpt_audit` checks an
excerpt against them.
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
from digest.text.furniture import split_glued_caption
from digest.text.sentences import split_paragraph, split_paragraphs, strip_list_marker
from digest.text.shape import is_short_clause, lacks_stop
from digest.words import count_words

# The scraped shape ends with an "Author" heading, the name and the bio: never excerpt them.
_AUTHOR_HEADING = re.compile(r"^(?:about )?(?:the )?authors?:?$|^author bio:?$", re.IGNORECASE)
# A hard-wrapped line: no stop at the end, and the next block goes on in lower case, or this
# one ends on a comma or a word that cannot end a sentence.
_WRAP_TAIL = re.compile(
    r"(?:,|\b(?:the|a|an|of|in|on|at|to|for|with|by|from|and|or|but|as|that|which|who|whose"
    r"|its|his|her|their|our|my|your|is|are|was|were|has|have|had|be|been|will|would|than))$"
)
_ENDS_BLOCK = frozenset(".!?:;\"'”’)]」』）。！？…")
SOURCE_RULES = frozenset({"title", "bio", "publication"})
# Failures after which a sentence may still follow an opening one (see `Sentence.may_follow`).
_SOFT_RULES = frozenset({"fragment", "question"})


@dataclass(frozen=True)
class Sentence:
    text: str
    words: int
    broken: tuple[str, ...]  # content and source rules
    opening_broken: tuple[str, ...]  # opening rules, when it opens or follows a gap
    lead: bool = False  # the first sentence of the text with content
    list_continuation: bool = False  # a second or later sentence of one list item
    paragraph_start: bool = False  # the first sentence of its paragraph
    paragraph_end: bool = False  # the last sentence of its paragraph
    after_cut: bool = False  # a glued caption was cut off just before it
    short_clause: bool = False  # "It failed.": too short to open, a clause all the same

    @property
    def is_noise(self) -> bool:
        """Page furniture or a source line (title, bio): skipped, never a reason to stop."""
        return bool(self.broken) and all(
            name in NOISE_RULES or name in SOURCE_RULES for name in self.broken
        )

    @property
    def may_follow(self) -> bool:
        """Whether it may follow an opening sentence: clean, a short clause ("It failed."),
        or a rhetorical question that its own paragraph goes on to answer."""
        if not self.broken:
            return True
        if self.broken == ("fragment",):
            return self.short_clause
        # "Who will pay?" is short; the paragraph's next sentence answers it.
        return "question" in self.broken and set(self.broken) <= _SOFT_RULES and (
            not self.paragraph_end and self.words >= 2
        )


def paragraphs(body: str) -> Iterator[str]:
    """Paragraphs up to an author heading, hard-wrapped lines joined, page headers removed."""
    for paragraph, _ in marked_paragraphs(body):
        yield paragraph


def marked_paragraphs(body: str) -> Iterator[tuple[str, bool]]:
    """(paragraph, whether it is a list item): bullets and list numbers removed."""
    for index, paragraph in enumerate(_join_wrapped(split_paragraphs(body))):
        if _AUTHOR_HEADING.match(paragraph):
            return
        text, listed = strip_list_marker(paragraph)
        yield (strip_header(text) if index < 3 else text), listed


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
    before_content = True  # no sentence with content yet: the next one is the lead
    for paragraph, listed in marked_paragraphs(body):
        open_quote = False
        raws = split_paragraph(paragraph)
        for position, raw in enumerate(raws):
            text = strip_dateline(raw)
            lead_part = split_glued_caption(text)
            if lead_part is not None:
                text = lead_part
            faults = content_faults(text) + context.source_rules(text)
            if open_quote:
                # A sentence in the middle of a quotation reads as someone else's words.
                faults.append("inside_quote")
            open_quote = _quote_left_open(raw, open_quote)
            broken = tuple(faults)
            short_clause = broken == ("fragment",) and is_short_clause(text)
            lead = before_content and not broken
            checked = not broken or short_clause or set(broken) <= _SOFT_RULES
            opening = tuple(opening_faults(text, lead=lead)) if checked else ()
            sentence = Sentence(
                text,
                count_words(text),
                broken,
                opening,
                lead=lead,
                list_continuation=listed and position > 0,
                paragraph_start=position == 0,
                paragraph_end=position == len(raws) - 1,
                after_cut=lead_part is not None,
                short_clause=short_clause,
            )
            if before_content and not sentence.is_noise and not lacks_stop(text):
                before_content = False
            yield sentence


def _quote_left_open(sentence: str, was_open: bool) -> bool:
    """Whether a quotation is still open after `sentence`."""
    straight = sentence.count('"') % 2 == 1
    curly = sentence.count("“") - sentence.count("”")
    if curly:
        return curly > 0
    return was_open != straight

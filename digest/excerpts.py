"""Extractive excerpts: whole sentences from the start of an article, checked by rules.

Method (measured in benchmarks/excerpts.py, reported in docs/EXCERPTS.md): news leads are a
strong summary, so the excerpt starts at the first sentence that passes every opening and
content rule (see `digest.excerpt_rules`) and keeps adding the following sentences while the
budget allows. Page furniture (captions, bylines, share lines, the title, the bio) is
skipped; any other failing sentence ends the excerpt, so no sentence is ever cut. Pure
Python, no randomness, no hashing of strings: the same input gives the same output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from digest.excerpt_rules import (
    NOISE_RULES,
    Context,
    broken_rules,
    content_faults,
    has_unbalanced_quotes,
    normalise,
    opening_faults,
    strip_dateline,
    strip_header,
)
from digest.models import Article
from digest.sentences import split_paragraphs, split_sentences

__all__ = ["ExcerptBudget", "audit_excerpt", "make_excerpt"]

_SPACES = re.compile(r"\s+")
# The scraped shape ends with an "Author" heading, the name and the bio: never excerpt them.
_AUTHOR_HEADING = re.compile(r"^(?:about )?(?:the )?authors?:?$|^author bio:?$", re.IGNORECASE)
# A first sentence this short is usually a hook ("Guilty across the board.").
_HOOK_WORDS = 10
_QUOTE_MARKS = "\"“‘'"


@dataclass(frozen=True)
class ExcerptBudget:
    target_words: int = 70
    max_words: int = 100
    max_chars: int = 700


@dataclass(frozen=True)
class _Sentence:
    text: str
    words: int
    broken: tuple[str, ...]  # content and source rules
    opening_broken: tuple[str, ...]  # opening rules on top of those

    @property
    def is_noise(self) -> bool:
        return all(name in NOISE_RULES or name in _SOURCE_RULES for name in self.broken)


_SOURCE_RULES = frozenset({"title", "bio", "publication"})


def make_excerpt(
    body: str,
    *,
    title: str | None = None,
    bio: str | None = None,
    publication: str | None = None,
    description: str | None = None,
    editor_excerpt: str | None = None,
    budget: ExcerptBudget = ExcerptBudget(),
) -> str:
    """The excerpt for one article, or "" when no whole sentence passes the rules."""
    if editor_excerpt and editor_excerpt.strip():
        return _SPACES.sub(" ", editor_excerpt).strip()
    context = Context(title, bio, publication)
    excerpt = _select(_analyse(body, context), budget)
    if not excerpt and description:
        # The source's own summary is a fallback: often a teaser, so the lead comes first.
        excerpt = _select(_analyse(description, context), budget)
    return excerpt


def audit_excerpt(
    excerpt: str,
    *,
    body: str = "",
    title: str | None = None,
    bio: str | None = None,
    publication: str | None = None,
    budget: ExcerptBudget = ExcerptBudget(),
) -> list[str]:
    """Names of the rules the excerpt breaks (empty list: clean). Used by the benchmark and tests.

    Checks the output itself: it is re-split, every sentence is checked against every rule,
    and each must be a whole sentence of `body` (when given).
    """
    text = _SPACES.sub(" ", excerpt).strip()
    if not text:
        return []
    context = Context(title, bio, publication)
    broken: list[str] = []
    sentences = split_sentences(text)
    for index, sentence in enumerate(sentences):
        broken += broken_rules(sentence, opening=index == 0)
        broken += context.source_rules(sentence)
    if has_unbalanced_quotes(text):
        broken.append("unbalanced_quotes")
    if context.title and f" {context.title} " in f" {normalise(text)} ":
        broken.append("title")
    if len(text.split()) > budget.max_words:
        broken.append("over_max_words")
    if len(text) > budget.max_chars:
        broken.append("over_max_chars")
    if body:
        whole = {s.text: s.broken for s in _analyse(body, Context(None, None, None))}
        if any(sentence not in whole for sentence in sentences):
            broken.append("not_whole_body_sentence")
        if any("inside_quote" in whole.get(sentence, ()) for sentence in sentences):
            broken.append("inside_quote")
    return list(dict.fromkeys(broken))


def _analyse(body: str, context: Context) -> Iterator[_Sentence]:
    """Cleaned sentences of the body, each with the rules it breaks, produced on demand."""
    for index, paragraph in enumerate(split_paragraphs(body)):
        if _AUTHOR_HEADING.match(paragraph):
            return
        if index < 3:
            paragraph = strip_header(paragraph)
        open_quote = False
        for raw in split_sentences(paragraph):
            text = strip_dateline(raw)
            faults = content_faults(text) + context.source_rules(text)
            if open_quote:
                # A sentence in the middle of a quotation reads as someone else's words.
                faults.append("inside_quote")
            open_quote = _quote_left_open(raw, open_quote)
            broken = tuple(faults)
            opening = () if broken else tuple(opening_faults(text))
            yield _Sentence(text, len(text.split()), broken, opening)


def _quote_left_open(sentence: str, was_open: bool) -> bool:
    """Whether a quotation is still open after `sentence`."""
    straight = sentence.count('"') % 2 == 1
    curly = sentence.count("“") - sentence.count("”")
    if curly:
        return curly > 0
    return was_open != straight


class _Reader:
    """Sentences analysed lazily: most excerpts need only the first few."""

    def __init__(self, sentences: Iterator[_Sentence]) -> None:
        self._source = sentences
        self._seen: list[_Sentence] = []

    def get(self, index: int) -> _Sentence | None:
        while len(self._seen) <= index:
            sentence = next(self._source, None)
            if sentence is None:
                return None
            self._seen.append(sentence)
        return self._seen[index]


def _fits(words: int, chars: int, budget: ExcerptBudget) -> bool:
    return words <= budget.max_words and chars <= budget.max_chars


def _is_aside(sentence: _Sentence) -> bool:
    """A quotation after the lead: it reads poorly out of context and scored no better."""
    return sentence.text[:1] in _QUOTE_MARKS


def _is_opener(sentence: _Sentence) -> bool:
    return not sentence.broken and not sentence.opening_broken


def _opening_order(reader: _Reader) -> Iterator[int]:
    """Indexes of sentences that may open the excerpt, best first.

    Position decides, except that a short hook right before a real lead gives way to it.
    """
    index, held = 0, -1
    while (sentence := reader.get(index)) is not None:
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


def _select(sentences: Iterator[_Sentence], budget: ExcerptBudget) -> str:
    reader = _Reader(sentences)
    for start in _opening_order(reader):
        first = reader.get(start)
        if first is None or not _fits(first.words, len(first.text), budget):
            continue
        chosen = [first.text]
        words, chars = first.words, len(first.text)
        index = start + 1
        while words < budget.target_words and (sentence := reader.get(index)) is not None:
            index += 1
            if sentence.broken:
                if sentence.is_noise:
                    continue
                break
            if not _fits(words + sentence.words, chars + 1 + len(sentence.text), budget):
                break
            if _is_aside(sentence):
                continue
            chosen.append(sentence.text)
            words += sentence.words
            chars += 1 + len(sentence.text)
        return " ".join(chosen)
    return ""


def excerpt_of(article: Article, budget: ExcerptBudget = ExcerptBudget()) -> str:
    """The excerpt of a read article: its editor's excerpt, else one made from its parts."""
    return make_excerpt(
        article.body,
        title=article.title,
        bio=article.bio,
        publication=article.site_name,
        description=article.description,
        editor_excerpt=article.excerpt,
        budget=budget,
    )

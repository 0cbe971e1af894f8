"""Extractive excerpts: whole sentences from the start of an article, checked by rules.

Method (measured in benchmarks/excerpts.py, reported in docs/EXCERPTS.md): news leads are a
strong summary, so the excerpt starts at the first sentence that passes every opening and
content rule (see `digest.excerpt_rules`) and keeps adding the following sentences while the
budget allows. Page furniture (captions, bylines, share lines, the title, the bio) is
skipped; any other failing sentence ends the excerpt, so no sentence is ever cut. Pure
Python, no randomness, no hashing of strings: the same input gives the same output.

Fallback chain (`explain_excerpt` names the step that produced the text):
1. `editor`: the editor's own excerpt.
2. `body`: the engine on the body (it already scans every paragraph for the first sentence
   that passes the rules and fits, so "whole sentences from any paragraph" is this step).
3. `description`: the engine on the source's description (meta/feed summary).
4. `paragraph`: the first substantial paragraph (at least `PARAGRAPH_MIN_WORDS` words) of
   the body, else of the description, taken whole when it fits and passes every rule; only
   a missing final stop is forgiven, since a paragraph end is a boundary too (scraped leads
   and feed summaries often lose their last full stop). Visibly cut text (`...`, `…`, a
   trailing `:` or `,`) is still refused.
5. `none`: "" - the card shows no excerpt.
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
    is_heading_like,
    lacks_stop,
    normalise,
    opening_faults,
    strip_dateline,
    strip_header,
)
from digest.models import Article
from digest.sentences import count_words, split_paragraph, split_paragraphs, split_sentences

__all__ = ["ExcerptBudget", "audit_excerpt", "excerpt_of", "explain_excerpt", "make_excerpt"]

_SPACES = re.compile(r"\s+")
# The scraped shape ends with an "Author" heading, the name and the bio: never excerpt them.
_AUTHOR_HEADING = re.compile(r"^(?:about )?(?:the )?authors?:?$|^author bio:?$", re.IGNORECASE)
# A first sentence this short is usually a hook ("Guilty across the board.").
_HOOK_WORDS = 10
_QUOTE_MARKS = "\"“‘'"
# A whole-paragraph fallback must be longer than a heading or a kicker.
PARAGRAPH_MIN_WORDS = 10
# Visibly cut text: never a fallback paragraph.
_CUT_ENDINGS = ("...", "…", ":", "：", ",", "，", ";", "-", "–", "—")
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
    return _make(body, title, bio, publication, description, editor_excerpt, budget)[0]


def _make(
    body: str,
    title: str | None,
    bio: str | None,
    publication: str | None,
    description: str | None,
    editor_excerpt: str | None,
    budget: ExcerptBudget,
) -> tuple[str, str]:
    """(excerpt, the fallback step that made it): see the module docstring."""
    if editor_excerpt and editor_excerpt.strip():
        return _SPACES.sub(" ", editor_excerpt).strip(), "editor"
    context = Context(title, bio, publication)
    excerpt = _select(_analyse(body, context), budget)
    if excerpt:
        return excerpt, "body"
    if description:
        # The source's own summary: often a teaser, so the lead comes first.
        excerpt = _select(_analyse(description, context), budget)
        if excerpt:
            return excerpt, "description"
    for text in (body, description or ""):
        excerpt = _whole_paragraph(text, context, budget)
        if excerpt:
            return excerpt, "paragraph"
    return "", "none"


def _paragraphs(body: str) -> Iterator[str]:
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


def _whole_paragraph(text: str, context: Context, budget: ExcerptBudget) -> str:
    """The first substantial paragraph, whole, if it passes the rules with or without a
    final stop (step 4 of the fallback chain); "" otherwise."""
    for paragraph in _paragraphs(text):
        sentences = [strip_dateline(s) for s in split_paragraph(paragraph)]
        candidate = _join(sentences)
        words = count_words(candidate)
        if words < PARAGRAPH_MIN_WORDS or all(_is_furniture(s, context) for s in sentences):
            continue  # a heading, kicker or byline line: look at the next one
        if _paragraph_passes(sentences, context) and _fits(words, len(candidate), budget):
            return candidate
        return ""
    return ""


def _is_furniture(sentence: str, context: Context) -> bool:
    faults = content_faults(sentence) + context.source_rules(sentence)
    return bool(faults) and all(f in NOISE_RULES or f in _SOURCE_RULES for f in faults)


def _paragraph_passes(sentences: list[str], context: Context) -> bool:
    """Every rule on every sentence, except that the last may lack its final stop."""
    text = _join(sentences)
    if text.endswith(_CUT_ENDINGS) or has_unbalanced_quotes(text):
        return False
    for index, sentence in enumerate(sentences):
        faults = content_faults(sentence) + context.source_rules(sentence)
        if index == 0:
            faults += opening_faults(sentence)
        if index == len(sentences) - 1 and faults == ["fragment"]:
            faults = [] if _stopless_end_is_whole(sentence) else faults
        if faults:
            return False
    return True


def _stopless_end_is_whole(sentence: str) -> bool:
    """A paragraph's last sentence without a stop, otherwise whole (not damaged, not a heading)."""
    return (
        lacks_stop(sentence)
        and "\ufffd" not in sentence
        and not sentence.endswith(_CUT_ENDINGS)
        and not is_heading_like(sentence)
    )


def audit_excerpt(
    excerpt: str,
    *,
    body: str = "",
    description: str | None = None,
    title: str | None = None,
    bio: str | None = None,
    publication: str | None = None,
    budget: ExcerptBudget = ExcerptBudget(),
) -> list[str]:
    """Names of the rules the excerpt breaks (empty list: clean). Used by the benchmark and tests.

    Checks the output itself: it is re-split, every sentence is checked against every rule,
    and each must be a whole sentence of `body` or of `description` (when given). The only
    sentence allowed without a final stop is the end of a whole paragraph of the source.
    """
    text = _SPACES.sub(" ", excerpt).strip()
    if not text:
        return []
    context = Context(title, bio, publication)
    broken: list[str] = []
    sentences = split_sentences(text)
    sources = [source for source in (body, description or "") if source]
    paragraphs = {
        _join([strip_dateline(s) for s in split_paragraph(p)])
        for source in sources
        for p in _paragraphs(source)
    }
    for index, sentence in enumerate(sentences):
        faults = broken_rules(sentence, opening=index == 0) + context.source_rules(sentence)
        if (
            index == len(sentences) - 1
            and "fragment" in faults
            and text in paragraphs
            and count_words(text) >= PARAGRAPH_MIN_WORDS
            and _stopless_end_is_whole(sentence)
        ):
            faults.remove("fragment")  # a whole paragraph: its end is a boundary
        broken += faults
    if has_unbalanced_quotes(text):
        broken.append("unbalanced_quotes")
    # A long title repeated inside the excerpt (a short one, "Goals", may be a plain word).
    if len(context.title) > 20 and f" {context.title} " in f" {normalise(text)} ":
        broken.append("title")
    if count_words(text) > budget.max_words:
        broken.append("over_max_words")
    if len(text) > budget.max_chars:
        broken.append("over_max_chars")
    if sources:
        whole: dict[str, tuple[str, ...]] = {}
        for source in sources:
            for item in _analyse(source, Context(None, None, None)):
                whole.setdefault(item.text, item.broken)
        if any(sentence not in whole for sentence in sentences) and text not in paragraphs:
            broken.append("not_whole_body_sentence")
        if any("inside_quote" in whole.get(sentence, ()) for sentence in sentences):
            broken.append("inside_quote")
    return list(dict.fromkeys(broken))


def _analyse(body: str, context: Context) -> Iterator[_Sentence]:
    """Cleaned sentences of the body, each with the rules it breaks, produced on demand."""
    for paragraph in _paragraphs(body):
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
            yield _Sentence(text, count_words(text), broken, opening)


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


def _separator(previous: str) -> str:
    """What goes between a sentence and the next: a space, or nothing after a CJK stop."""
    last = previous[-1:]
    if last in _TIGHT_ENDS or (last == "”" and previous[-2:-1] in _TIGHT_ENDS):
        return ""
    return " "


def _join(sentences: list[str]) -> str:
    text = ""
    for sentence in sentences:
        text = f"{text}{_separator(text)}{sentence}" if text else sentence
    return text


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
            extra = len(_separator(chosen[-1])) + len(sentence.text)
            if not _fits(words + sentence.words, chars + extra, budget):
                break
            if _is_aside(sentence):
                continue
            chosen.append(sentence.text)
            words += sentence.words
            chars += extra
        return _join(chosen)
    return ""


def excerpt_of(article: Article, budget: ExcerptBudget = ExcerptBudget()) -> str:
    """The excerpt of a read article: its editor's excerpt, else one made from its parts."""
    return explain_excerpt(article, budget)[0]


def explain_excerpt(article: Article, budget: ExcerptBudget = ExcerptBudget()) -> tuple[str, str]:
    """(excerpt, step): the step of the fallback chain that made it, "none" when empty."""
    return _make(
        article.body,
        article.title,
        article.bio,
        article.site_name,
        article.description,
        article.excerpt,
        budget,
    )

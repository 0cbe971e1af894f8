"""Extractive excerpts: whole sentences from the start of an article, checked by rules.

Method (measured in benchmarks/excerpts.py, reported in docs/EXCERPTS.md): news leads are a
strong summary, so the excerpt starts at the first sentence that passes every opening and
content rule (see `excerpt_rules`) and keeps adding the following sentences while the
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

Modules in `digest.editorial`: `excerpt_selection` (the engine of steps 2 and 3),
`excerpt_paragraph` (step 4) and `excerpt_rules` (the rules). This module is the public API:
it runs the chain and audits its output.
"""

from __future__ import annotations

import re
from typing import Literal

from digest.editorial.excerpt_paragraph import PARAGRAPH_MIN_WORDS as PARAGRAPH_MIN_WORDS
from digest.editorial.excerpt_paragraph import stopless_end_is_whole, whole_paragraph
from digest.editorial.excerpt_rules import (
    Context,
    broken_rules,
    has_unbalanced_quotes,
    normalise,
    strip_dateline,
)
from digest.editorial.excerpt_selection import analyse, join, paragraphs, select
from digest.models import Article
from digest.settings import ExcerptBudget
from digest.text.sentences import split_paragraph, split_sentences
from digest.words import count_words

__all__ = ["audit_excerpt", "excerpt_of", "explain_excerpt", "make_excerpt"]

DEFAULT_BUDGET = ExcerptBudget()
# The step of the fallback chain that made an excerpt (see the module docstring).
ExcerptStep = Literal["editor", "body", "description", "paragraph", "none"]

_SPACES = re.compile(r"\s+")


def make_excerpt(
    body: str,
    *,
    title: str | None = None,
    bio: str | None = None,
    publication: str | None = None,
    description: str | None = None,
    editor_excerpt: str | None = None,
    budget: ExcerptBudget = DEFAULT_BUDGET,
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
) -> tuple[str, ExcerptStep]:
    """(excerpt, the fallback step that made it): see the module docstring."""
    if editor_excerpt and editor_excerpt.strip():
        return _SPACES.sub(" ", editor_excerpt).strip(), "editor"
    context = Context(title, bio, publication)
    excerpt = select(analyse(body, context), budget)
    if excerpt:
        return excerpt, "body"
    if description:
        # The source's own summary: often a teaser, so the lead comes first.
        excerpt = select(analyse(description, context), budget)
        if excerpt:
            return excerpt, "description"
    for text in (body, description or ""):
        excerpt = whole_paragraph(text, context, budget)
        if excerpt:
            return excerpt, "paragraph"
    return "", "none"


def audit_excerpt(
    excerpt: str,
    *,
    body: str = "",
    description: str | None = None,
    title: str | None = None,
    bio: str | None = None,
    publication: str | None = None,
    budget: ExcerptBudget = DEFAULT_BUDGET,
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
    whole_paragraphs = {
        join([strip_dateline(s) for s in split_paragraph(p)])
        for source in sources
        for p in paragraphs(source)
    }
    for index, sentence in enumerate(sentences):
        faults = broken_rules(sentence, opening=index == 0) + context.source_rules(sentence)
        if (
            index == len(sentences) - 1
            and "fragment" in faults
            and text in whole_paragraphs
            and count_words(text) >= PARAGRAPH_MIN_WORDS
            and stopless_end_is_whole(sentence)
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
            for item in analyse(source, Context(None, None, None)):
                whole.setdefault(item.text, item.broken)
        if any(sentence not in whole for sentence in sentences) and text not in whole_paragraphs:
            broken.append("not_whole_body_sentence")
        if any("inside_quote" in whole.get(sentence, ()) for sentence in sentences):
            broken.append("inside_quote")
    return list(dict.fromkeys(broken))


def excerpt_of(article: Article, budget: ExcerptBudget = DEFAULT_BUDGET) -> str:
    """The excerpt of a read article: its editor's excerpt, else one made from its parts."""
    return explain_excerpt(article, budget)[0]


def explain_excerpt(article: Article, budget: ExcerptBudget = DEFAULT_BUDGET
                    ) -> tuple[str, ExcerptStep]:
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

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
3. `description`: the engine on the source's description (meta/feed summary), when the
   body gave nothing, or under `SHORT_WORDS` words and the description gives more.
4. `paragraph`: the first substantial paragraph (at least `PARAGRAPH_MIN_WORDS` words; list
   items are not paragraphs here) of the body, else of the description, taken whole when it
   fits and passes every rule; only a missing final stop is forgiven, since a paragraph end
   is a boundary too (scraped leads and feed summaries often lose their last full stop).
   Visibly cut text (`...`, `…`, a trailing `:` or `,`) is still refused.
5. `none`: "" - the card shows no excerpt.

Modules in `digest.editorial`: `excerpt_analysis` (sentences and their marks),
`excerpt_selection` (the engine of steps 2 and 3), `excerpt_paragraph` (step 4),
`excerpt_rules` (the rules) and `excerpt_audit` (`audit_excerpt`). This module is the public
API: it runs the chain; `audit_excerpt` is re-exported from here.
"""

from __future__ import annotations

import re
from typing import Literal

from digest.editorial.excerpt_analysis import analyse
from digest.editorial.excerpt_audit import audit_excerpt
from digest.editorial.excerpt_paragraph import PARAGRAPH_MIN_WORDS as PARAGRAPH_MIN_WORDS
from digest.editorial.excerpt_paragraph import whole_paragraph
from digest.editorial.excerpt_rules import Context
from digest.editorial.excerpt_selection import SHORT_WORDS, select
from digest.models import Article
from digest.settings import ExcerptBudget
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
    # An op-ed (its author's bio came with it) opens on purpose: a short hook stays first.
    keep_hook = bool(context.bio)
    excerpt = select(analyse(body, context), budget, keep_hook=keep_hook)
    enough = min(SHORT_WORDS, budget.target_words)
    if excerpt and (not description or count_words(excerpt) >= enough):
        return excerpt, "body"
    if description:
        # The source's own summary: often a teaser, so the lead comes first, unless the
        # body gave too little and the description gives more.
        summary = select(analyse(description, context), budget, keep_hook=keep_hook)
        if summary and count_words(summary) > count_words(excerpt):
            return summary, "description"
        if excerpt:
            return excerpt, "body"
    for text in (body, description or ""):
        excerpt = whole_paragraph(text, context, budget)
        if excerpt:
            return excerpt, "paragraph"
    return "", "none"


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

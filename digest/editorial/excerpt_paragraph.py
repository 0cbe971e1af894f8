"""The whole-paragraph fallback, step 4 of the chain in `digest.editorial.excerpts`.

When no run of whole sentences passes the rules, the first paragraph of at least
`PARAGRAPH_MIN_WORDS` words is taken whole if it fits and passes every rule; only a missing
final stop is forgiven, since a paragraph end is a boundary too (scraped leads and feed
summaries often lose their last full stop). Visibly cut text (`...`, `…`, a trailing `:` or
`,`) is still refused. `audit_excerpt` accepts such a paragraph by the same tests.
"""

from __future__ import annotations

from digest.editorial.excerpt_analysis import SOURCE_RULES, marked_paragraphs
from digest.editorial.excerpt_rules import (
    NOISE_RULES,
    Context,
    content_faults,
    has_unbalanced_quotes,
    is_heading_like,
    lacks_stop,
    opening_faults,
    strip_dateline,
)
from digest.editorial.excerpt_selection import fits, join
from digest.settings import ExcerptBudget
from digest.text.sentences import split_paragraph
from digest.words import count_words

# A whole-paragraph fallback must be longer than a heading or a kicker.
PARAGRAPH_MIN_WORDS = 10
# Visibly cut text: never a fallback paragraph.
_CUT_ENDINGS = ("...", "…", ":", "：", ",", "，", ";", "-", "–", "—")


def whole_paragraph(text: str, context: Context, budget: ExcerptBudget) -> str:
    """The first substantial paragraph (list items are not paragraphs here), whole, if it
    passes the rules with or without a final stop (step 4 of the fallback chain); "" otherwise."""
    for paragraph, listed in marked_paragraphs(text):
        if listed:
            continue  # a list item is no paragraph of prose ("- CPU Usage: u13.47 ...")
        sentences = [strip_dateline(s) for s in split_paragraph(paragraph)]
        candidate = join(sentences)
        words = count_words(candidate)
        if words < PARAGRAPH_MIN_WORDS or all(_is_furniture(s, context) for s in sentences):
            continue  # a heading, kicker or byline line: look at the next one
        if _paragraph_passes(sentences, context) and fits(words, len(candidate), budget):
            return candidate
        return ""
    return ""


def _is_furniture(sentence: str, context: Context) -> bool:
    faults = content_faults(sentence) + context.source_rules(sentence)
    return bool(faults) and all(f in NOISE_RULES or f in SOURCE_RULES for f in faults)


def _paragraph_passes(sentences: list[str], context: Context) -> bool:
    """Every rule on every sentence, except that the last may lack its final stop."""
    text = join(sentences)
    if text.endswith(_CUT_ENDINGS) or has_unbalanced_quotes(text):
        return False
    for index, sentence in enumerate(sentences):
        faults = content_faults(sentence) + context.source_rules(sentence)
        if index == 0:
            faults += opening_faults(sentence)
        if index == len(sentences) - 1 and faults == ["fragment"]:
            faults = [] if stopless_end_is_whole(sentence) else faults
        if faults:
            return False
    return True


def stopless_end_is_whole(sentence: str) -> bool:
    """A paragraph's last sentence without a stop, otherwise whole (not damaged, not a heading)."""
    return (
        lacks_stop(sentence)
        and "\ufffd" not in sentence
        and not sentence.endswith(_CUT_ENDINGS)
        and not is_heading_like(sentence)
    )

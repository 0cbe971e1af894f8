"""The audit: what an editor would reject in an excerpt, checked on the output alone.

The excerpt is re-split, and each sentence checked against every rule (the opening rules on
the first, with the lead's pronoun allowance when it is the lead of the source). Given the
source (body, description), each sentence is also placed in it, which shows what the text
alone cannot: a sentence that is not a whole sentence of the source, one inside a
quotation, an opening on a later sentence of a list item, and a pronoun or connective after
a gap (a sentence left out before it, so "He" has no referent). Besides: the title or a
sentence repeated, unbalanced quotes, the budget, and an excerpt under `SHORT_AUDIT_WORDS`
words when the source had more to give.
"""

from __future__ import annotations

import re

from digest.editorial.excerpt_analysis import Sentence, analyse, paragraphs
from digest.editorial.excerpt_paragraph import PARAGRAPH_MIN_WORDS, stopless_end_is_whole
from digest.editorial.excerpt_rules import (
    Context,
    content_faults,
    has_unbalanced_quotes,
    normalise,
    opening_faults,
    strip_dateline,
)
from digest.editorial.excerpt_selection import join
from digest.settings import ExcerptBudget
from digest.text.sentences import split_paragraph, split_sentences
from digest.text.shape import is_short_clause, lacks_stop
from digest.words import count_words

# Under this many words an excerpt tells a reader too little (unless the source has no more).
SHORT_AUDIT_WORDS = 20
_SPACES = re.compile(r"\s+")
# Where a sentence of the excerpt sits: (which source, index among its analysed sentences).
_Place = tuple[int, int]


def audit_excerpt(
    excerpt: str,
    *,
    body: str = "",
    description: str | None = None,
    title: str | None = None,
    bio: str | None = None,
    publication: str | None = None,
    budget: ExcerptBudget | None = None,
) -> list[str]:
    """Names of the rules the excerpt breaks (empty list: clean). Used by the benchmarks,
    the review script and tests. See the module docstring."""
    budget = budget or ExcerptBudget()
    text = _SPACES.sub(" ", excerpt).strip()
    if not text:
        return []
    context = Context(title, bio, publication)
    sentences = split_sentences(text)
    sources = [source for source in (body, description or "") if source]
    analysed = [list(analyse(source, context)) for source in sources]
    places = _places(sentences, analysed)
    whole_paragraphs = {
        join([strip_dateline(s) for s in split_paragraph(p)])
        for source in sources
        for p in paragraphs(source)
    }
    broken: list[str] = []
    for index, sentence in enumerate(sentences):
        item = _item(analysed, places[index])
        faults = content_faults(sentence) + context.source_rules(sentence)
        if index == 0:
            faults += opening_faults(sentence, lead=item is not None and item.lead)
        else:
            faults = _allowed_after_the_first(sentence, faults, index == len(sentences) - 1)
            cut = item is not None and item.after_cut
            if (cut or _after_gap(places[index - 1], places[index])) and opening_faults(sentence):
                faults.append("dangling_after_gap")
        if (
            index == len(sentences) - 1
            and "fragment" in faults
            and text in whole_paragraphs
            and count_words(text) >= PARAGRAPH_MIN_WORDS
            and stopless_end_is_whole(sentence)
        ):
            faults.remove("fragment")  # a whole paragraph: its end is a boundary
        broken += faults
    first = _item(analysed, places[0])
    if first is not None and first.list_continuation:
        broken.append("list_item_opening")
    keys = [normalise(sentence) for sentence in sentences]
    if len(set(keys)) < len(keys):
        broken.append("repeated_sentence")
    if has_unbalanced_quotes(text):
        broken.append("unbalanced_quotes")
    words = count_words(text)
    if words < min(SHORT_AUDIT_WORDS, budget.target_words) and _source_has_more(words, analysed):
        broken.append("too_short")
    if words > budget.max_words:
        broken.append("over_max_words")
    if len(text) > budget.max_chars:
        broken.append("over_max_chars")
    if sources:
        if any(place is None for place in places) and text not in whole_paragraphs:
            broken.append("not_whole_body_sentence")
        found = [_item(analysed, place) for place in places]
        if any(item is not None and "inside_quote" in item.broken for item in found):
            broken.append("inside_quote")
    return list(dict.fromkeys(broken))


def _allowed_after_the_first(sentence: str, faults: list[str], last: bool) -> list[str]:
    """A short clause ("It failed.") may follow, and so may a question answered after it."""
    if "question" in faults and not last:
        faults = [fault for fault in faults if fault != "question"]
        if "fragment" in faults and not lacks_stop(sentence) and len(sentence.split()) >= 2:
            faults.remove("fragment")  # "Who will pay?": short, and answered next
    if "fragment" in faults and is_short_clause(sentence):
        faults.remove("fragment")
    return faults


def _places(sentences: list[str], analysed: list[list[Sentence]]) -> list[_Place | None]:
    """Where each sentence sits in the sources: after the previous one when it can."""
    places: list[_Place | None] = []
    previous: _Place | None = None
    for sentence in sentences:
        place = None
        for source, items in enumerate(analysed):
            start = previous[1] + 1 if previous is not None and previous[0] == source else 0
            found = _find(items, sentence, start)
            if found is None and start:
                found = _find(items, sentence, 0)
            if found is not None:
                place = (source, found)
                break
        places.append(place)
        previous = place
    return places


def _find(items: list[Sentence], sentence: str, start: int) -> int | None:
    for index in range(start, len(items)):
        if items[index].text == sentence:
            return index
    return None


def _item(analysed: list[list[Sentence]], place: _Place | None) -> Sentence | None:
    return None if place is None else analysed[place[0]][place[1]]


def _after_gap(previous: _Place | None, place: _Place | None) -> bool:
    """Whether a sentence of the source was left out between two excerpt sentences."""
    if previous is None or place is None:
        return False  # not placed: `not_whole_body_sentence` says so
    return previous[0] != place[0] or place[1] != previous[1] + 1


def _source_has_more(words: int, analysed: list[list[Sentence]]) -> bool:
    """Whether some source offers more clean text than the excerpt took (or no source given)."""
    if not analysed:
        return True
    return any(sum(item.words for item in items if not item.broken) > words for items in analysed)

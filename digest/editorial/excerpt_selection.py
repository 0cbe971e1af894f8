"""Selection: the engine that picks whole sentences from the start of a text, within a budget.

The excerpt starts at the first sentence that may open it (`excerpt_analysis` marks each
one), then keeps adding the following sentences while the budget allows. Page furniture, a
sentence already taken and a quotation after the lead are skipped, and after any skip the
opening rules apply again (a "He said..." after a gap has no referent); any other failing
sentence ends the excerpt, so no sentence is ever cut. An excerpt under `SHORT_WORDS` words
makes way for a longer one from the next opening candidates. `digest.editorial.excerpts`
runs this on the body, then on the description.
"""

from __future__ import annotations

from collections.abc import Iterator

from digest.editorial.excerpt_analysis import Sentence
from digest.editorial.excerpt_rules import has_dangling_opening, normalise
from digest.settings import ExcerptBudget
from digest.text.shape import is_question

# A first sentence this short is usually a hook ("Guilty across the board.").
_HOOK_WORDS = 10
# A held hook gives way only to a lead this long; a shorter one answers nothing either.
_LEAD_WORDS = 12
# An excerpt shorter than this tells too little (the audit's `too_short` too): the next
# openings that start a paragraph are tried.
SHORT_WORDS = 20
# How many openings to try for one long enough (position still decides among them).
_OPENINGS_TRIED = 4
_LONGER_BY = 1.5
_QUOTE_MARKS = "\"“‘'"

# CJK sentences follow each other without a space.
_TIGHT_ENDS = frozenset("。！？｡」』）】")


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
    return not sentence.broken and not sentence.opening_broken and not sentence.list_continuation


def _opening_order(sentences: _LazySentences, keep_hook: bool) -> Iterator[int]:
    """Indexes of sentences that may open the excerpt, best first.

    Position decides, except that a short hook among the first two sentences gives way to a
    substantial lead right after it. With `keep_hook` (an op-ed, whose author opens on
    purpose) the hook stays first.
    """
    index, held = 0, -1
    while (sentence := sentences.get(index)) is not None:
        if _is_opener(sentence):
            if held < 0 and not keep_hook and index <= 1 and sentence.words < _HOOK_WORDS:
                held = index  # a hook: offer the next opener first if it is a real lead
            elif held >= 0 and (
                sentence.words < _LEAD_WORDS or has_dangling_opening(sentence.text)
            ):
                yield held  # no real lead after the hook (or one leaning on it): the hook opens
                held = -1
                yield index
            else:
                yield index
                if held >= 0:
                    yield held
                    held = -1
        elif held >= 0 and (index >= 2 or "dangling_opening" in sentence.opening_broken):
            yield held  # no lead soon, or the next sentence leans on the hook: it opens
            held = -1
        index += 1
    if held >= 0:
        yield held


def select(analysed: Iterator[Sentence], budget: ExcerptBudget, *, keep_hook: bool = False
           ) -> str:
    """The excerpt: the first opening whose run reaches `SHORT_WORDS` (or the target, if
    smaller); else, among the first few openings tried (after the first, only those starting
    a paragraph), the earliest run unless a later one is half as long again."""
    sentences = _LazySentences(analysed)
    enough = min(SHORT_WORDS, budget.target_words)
    best: list[str] = []
    best_words = tried = 0
    for start in _opening_order(sentences, keep_hook):
        first = sentences.get(start)
        if first is None or not fits(first.words, len(first.text), budget):
            continue
        if best and not first.paragraph_start:
            continue  # a later try must start a new thought, not pick up the middle of one
        chosen, words = _run(sentences, start, budget)
        if words >= enough:
            return join(chosen)
        if words > best_words * _LONGER_BY:
            best, best_words = chosen, words  # later, so only a clearly longer one wins
        tried += 1
        if tried >= _OPENINGS_TRIED:
            break
    return join(best)


def _run(sentences: _LazySentences, start: int, budget: ExcerptBudget) -> tuple[list[str], int]:
    """Sentences from `start` on while the budget allows, and their word count."""
    first = sentences.get(start)
    assert first is not None
    chosen, counts = [first.text], [first.words]
    taken = {normalise(first.text)}
    words, chars = first.words, len(first.text)
    index, gap = start + 1, False
    while words < budget.target_words and (sentence := sentences.get(index)) is not None:
        index += 1
        if sentence.is_noise:
            gap = True
            continue
        if not sentence.may_follow:
            break
        if normalise(sentence.text) in taken or _is_aside(sentence):
            gap = True
            continue
        if (gap or sentence.after_cut) and sentence.opening_broken:
            break  # "He said..." needs the sentence the gap left out
        extra = len(_separator(chosen[-1])) + len(sentence.text)
        if not fits(words + sentence.words, chars + extra, budget):
            break
        chosen.append(sentence.text)
        counts.append(sentence.words)
        taken.add(normalise(sentence.text))
        words, chars, gap = words + sentence.words, chars + extra, False
    while len(chosen) > 1 and is_question(chosen[-1]):
        chosen.pop()  # a question is kept only with the answer after it
        words -= counts.pop()
    return chosen, words

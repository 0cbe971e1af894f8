"""Content rules on a sentence's shape: whole, with a final stop, not a heading, not a
teaser question, quotes balanced.

Each predicate returns True when the sentence BREAKS the rule (see `digest.editorial.excerpt_rules`
for the rule names). `lacks_stop` and `is_heading_like` are also used on their own, by the
whole-paragraph fallback and by the timestamp rule.
"""

from __future__ import annotations

import re

from digest.text.sentences import is_stopless
from digest.words import count_words, is_dense

# --- content rules -------------------------------------------------------------------------
# Each rule first looks for a cheap literal clue (`in` runs in C) before any regex: the
# engine has to do hundreds of articles a second on one core.

_CLOSERS = "\"'”’)]」』）》】〉"
_STOPS = frozenset(".!?。｡！？‼⁇⁈⁉؟۔।॥။።፧፨։។៕")
# A Thai or Lao sentence has no stop: only a long enough one is taken for a sentence.
STOPLESS_MIN_WORDS = 10


def is_fragment(sentence: str) -> bool:
    """Not a whole sentence: no final stop, too short, no ordinary lower-case words, or
    damaged text (U+FFFD where the page's encoding broke)."""
    if "\ufffd" in sentence:
        return True
    if lacks_stop(sentence):
        return not is_stopless(sentence) or count_words(sentence) < STOPLESS_MIN_WORDS
    return is_heading_like(sentence)


def lacks_stop(sentence: str) -> bool:
    """No sentence stop at the end (an ellipsis is a cut, not a stop)."""
    return sentence.rstrip(_CLOSERS)[-1:] not in _STOPS or sentence.endswith("...")


def is_heading_like(sentence: str) -> bool:
    """Under 4 words, or fewer than two ordinary lower-case words: a heading, not a sentence."""
    words = sentence.split()
    if len(words) >= 4 and sum(1 for word in words if word[:1].islower()) >= 2:
        return False
    if sentence.isascii():
        return True
    if is_dense(sentence):
        return count_words(sentence) < 4
    # Scripts without case (Arabic, Hebrew, Devanagari...): caseless words count as lower.
    caseless = sum(1 for word in words if word[:1].isalpha() and not word[:1].isupper())
    return len(words) < 4 or caseless < 2


# Words that make a short line a clause: common verbs and auxiliaries ("It failed.", "Nobody
# came.", "She won."), besides any lower-case word ending in -ed.
_SHORT_VERBS = frozenset(
    [
        "is", "are", "was", "were", "be", "been", "am", "has", "have", "had", "do", "does", "did",
        "can", "could", "will", "would", "shall", "should", "may", "might", "must", "won", "lost",
        "came", "went", "left", "fell", "rose", "ran", "said", "says", "told", "knew", "saw", "got",
        "made", "took", "gave", "held", "kept", "stood", "sat", "broke", "began", "grew", "paid",
        "sold", "spoke", "stayed", "works", "worked", "failed", "happens", "happened", "matters",
        "helps", "hurts", "counts"
    ]
)  # fmt: skip
_HEADING_WORDS = frozenset(["why", "what", "how", "where", "when", "who", "which"])


# "All of them.", "Back to school, again.": a writer's short beat, not a heading.
_BEAT_WORDS = frozenset(
    [
        "of", "to", "the", "a", "an", "not", "all", "no", "none", "never", "again", "yet",
        "anymore", "more", "ever", "at", "in", "on", "for"
    ]
)  # fmt: skip


def is_short_clause(sentence: str) -> bool:
    """A short sentence that is still a clause ("It failed.", "Nobody came.") or a beat of
    the writer's rhythm ("All of them."): it may follow an opening sentence even though, on
    its own, it is too short to open an excerpt."""
    words = sentence.split()
    if not 2 <= len(words) <= 5 or lacks_stop(sentence) or not sentence[:1].isupper():
        return False
    rest = [word.strip(".!,;:\"'”’").lower() for word in words[1:]]
    # "Why it matters." and "How it works." are subheadings, not clauses.
    return words[0].lower() not in _HEADING_WORDS and any(
        word in _SHORT_VERBS or word in _BEAT_WORDS or (len(word) > 3 and word.endswith("ed"))
        for word in rest
    )


_QUESTION_MARKS = ("?", "？", "؟", "፧", "⁇", "⁈")


def is_question(sentence: str) -> bool:
    """A teaser question ("What happened next?") promises instead of telling."""
    return sentence.rstrip(_CLOSERS).endswith(_QUESTION_MARKS)


_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[—–-]))[‘'](?=\w)")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?])[’'](?=[\s.,;:!?)\]—–-]|$)")


def has_unbalanced_quotes(text: str) -> bool:
    """Odd straight double quotes, unpaired curly ones, or more single quotes opened than shut."""
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        return True
    if not text.isascii() and (
        text.count("「") != text.count("」") or text.count("『") != text.count("』")
    ):
        return True
    if "'" not in text and "‘" not in text:
        return False
    # Apostrophes look like closing quotes, so only an excess of openers is a sure sign.
    return len(_SINGLE_OPEN.findall(text)) > len(_SINGLE_CLOSE.findall(text))

"""Author blurbs: one or two whole sentences of the bio, third person preferred, no contacts.

Extractive like the excerpts: the blurb is made of the bio's own sentences in their own
order (never invented text). Sentences with handles, e-mail addresses or URLs, and "Follow
her on Twitter" style lines, are dropped. First-person sentences are used only when the bio
has no third-person sentence that fits.
"""

from __future__ import annotations

import re

from digest.editorial.excerpt_rules import has_contact, is_boilerplate
from digest.text.sentences import split_sentences

__all__ = ["make_blurb"]

_SPACES = re.compile(r"\s+")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|[Mm]e|[Mm]y|[Mm]ine|[Mm]yself)\b")
_FOLLOW = re.compile(
    r"^(?:You can )?(?:follow|find|reach|contact|connect with|email|tweet)\b", re.IGNORECASE
)


def make_blurb(
    bio: str, *, name: str | None = None, max_chars: int = 280, max_sentences: int = 2
) -> str:
    """One or two bio sentences, at most `max_chars` characters; "" when none qualifies."""
    sentences = [sentence for sentence in split_sentences(bio) if not _is_contact_line(sentence)]
    third = [s for s in sentences if not _FIRST_PERSON.search(s)]
    for pool in (third, sentences):
        blurb = _fill(_order(pool, name), max_chars, max_sentences)
        if blurb:
            return blurb
    return ""


def _is_contact_line(sentence: str) -> bool:
    return has_contact(sentence) or is_boilerplate(sentence) or bool(_FOLLOW.match(sentence))


def _order(sentences: list[str], name: str | None) -> list[str]:
    """Bio order, but a sentence naming the author goes first: it introduces them."""
    if not name:
        return sentences
    surname = name.split()[-1]
    for index, sentence in enumerate(sentences):
        if name in sentence or surname in sentence:
            return [sentence, *sentences[:index], *sentences[index + 1 :]]
    return sentences


def _fill(sentences: list[str], max_chars: int, max_sentences: int) -> str:
    """The first sentence that fits, then following ones while they still fit."""
    chosen: list[str] = []
    length = 0
    for sentence in sentences:
        text = _SPACES.sub(" ", sentence).strip()
        extra = len(text) + (1 if chosen else 0)
        if length + extra > max_chars:
            if chosen:
                break
            continue
        chosen.append(text)
        length += extra
        if len(chosen) >= max_sentences:
            break
    return " ".join(chosen)

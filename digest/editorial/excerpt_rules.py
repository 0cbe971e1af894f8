"""One predicate per excerpt rule, shared by selection (`make_excerpt`) and `audit_excerpt`.

Each predicate returns True when the sentence BREAKS the rule. `OPENING_RULES` apply to the
first sentence of an excerpt only; `CONTENT_RULES` to every sentence. Prefix cleaners
(`strip_dateline`, `strip_header`) repair a sentence instead of losing it.

This module holds the rule names and their order, the opening rules, and the source rules
(`Context`). The predicates live by family and are re-exported here:
`digest.text.shape` (fragment, question, unbalanced quotes) and `digest.text.furniture`
(bylines, boilerplate and calls to action, captions, timestamps, breadcrumbs, copyright,
contact lines, datelines and the prefix cleaners).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from digest.text.furniture import (
    has_contact,
    has_dateline,
    is_boilerplate,
    is_breadcrumb,
    is_byline,
    is_caption,
    is_copyright,
    is_timestamp,
    strip_dateline,
    strip_header,
)
from digest.text.shape import (
    STOPLESS_MIN_WORDS,
    has_unbalanced_quotes,
    is_fragment,
    is_heading_like,
    is_question,
    lacks_stop,
)

__all__ = [
    "CONTENT_RULES",
    "NOISE_RULES",
    "OPENING_RULES",
    "STOPLESS_MIN_WORDS",
    "Context",
    "Rule",
    "broken_rules",
    "content_faults",
    "has_contact",
    "has_dangling_opening",
    "has_dateline",
    "has_unbalanced_quotes",
    "is_boilerplate",
    "is_breadcrumb",
    "is_byline",
    "is_caption",
    "is_copyright",
    "is_fragment",
    "is_heading_like",
    "is_question",
    "is_quote_fragment",
    "is_timestamp",
    "lacks_stop",
    "normalise",
    "opening_faults",
    "strip_dateline",
    "strip_header",
]

_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Lower-case words only: how title, bio and publication are compared."""
    return _NON_WORD.sub(" ", text.lower()).strip()


# --- opening rules -------------------------------------------------------------------------

# Pronouns and demonstratives point back to an earlier sentence; as the first sentence of a
# text they are an ordinary lead ("They may not look like much, ...").
# fmt: off
_POINTING = frozenset(
    [
        "he", "she", "it", "its", "it's", "they", "them", "their", "theirs", "his", "her", "hers",
        "him", "we", "us", "our", "this", "that", "these", "those", "such", "another", "both"
    ]
)
# Connectives continue an argument wherever they stand.
_CONNECTIVES = frozenset(
    [
        "also", "but", "and", "or", "nor", "so", "yet", "however", "meanwhile", "moreover",
        "furthermore", "still", "then", "thus", "therefore", "hence", "instead", "nevertheless",
        "nonetheless", "besides", "additionally", "likewise", "similarly", "otherwise", "indeed",
        "anyway", "plus", "later", "afterwards",
        # German, French and Spanish ones ("Und auf die...", "Mais le...", "Pero la...")
        "und", "aber", "doch", "jedoch", "denn", "außerdem", "zudem", "trotzdem", "dennoch",
        "et", "mais", "donc", "cependant", "pourtant", "pero", "además", "también"
    ]
)
# fmt: on
# Chinese and Japanese pronouns and connectives (no spaces, so matched as prefixes).
_POINTING_CJK = ("他", "她", "它", "其", "这", "那", "彼", "その", "この", "それ", "これ", "あの")
_CONNECTIVES_CJK = (
    "此外", "同时", "因此", "所以", "不过", "但", "而且", "并且", "另外", "然而", "随后", "しかし",
    "また", "さらに", "一方", "だが", "ただ", "なお",
)  # fmt: skip
_FIRST_WORD = re.compile(r"[A-Za-zÀ-ÿ'’]+")
# "This week we ...": a time phrase, not a pronoun pointing back.
_TIME_AFTER = re.compile(
    r"(?:this|that|these|those) (?:week|weekend|month|year|morning|afternoon|evening|spring"
    r"|summer|autumn|fall|winter|season)\b",
    re.IGNORECASE,
)


# "In it, he...", "Despite this, ...": a preposition before a pronoun points back just the same.
_PREPOSITION_POINTING = re.compile(
    r"(?:In|On|At|Of|For|With|After|Before|Despite|Because of|By|From|Like|Unlike|Beyond"
    r"|Besides|Under|Over|Without|Against|Apart from|Due to|Thanks to) (?:it|this|that|these"
    r"|those|them|him|her|which)\b"
)
# "The move comes after...": a noun that points back to news told before it, even as a lead
# (a page whose real lead was lost).
_POINTING_NOUN = re.compile(
    r"The (?:move|decision|announcement|comments|remarks|news|incident|development|statement"
    r"|ruling|findings|revelation|resignation|deal|attack|change|changes|discovery) (?:comes?"
    r"|came|appears|appeared|follows|followed|means|meant|marks|marked|is|was|has|had|could"
    r"|would|will|sparked|drew|prompted)\b"
)
# "Intended to curb hiring, it is also...": an opening phrase, then a subject pointing back;
# "...hopes to change that.": an object pointing back.
_POINTING_SUBJECT = re.compile(r"[^,]{3,80}, (?:it|he|she|they|this|these|those)\b")
_POINTING_END = re.compile(r"\b(?:this|that|these|those)[.!]$")
# "It should not surprise anyone that...", "It is hard to say...": an empty "it" that points
# at nothing before it.
_EMPTY_IT = re.compile(
    r"It(?:'s|’s| is| was| has been| had been| will be| would be| seems| seemed| remains)"
    r"(?: not| no longer| still| just| only| also)? (?:(?:not )?(?:clear|unclear|likely"
    r"|unlikely|possible|impossible|hard|easy|difficult|true|surprising|no surprise|no secret"
    r"|worth|time|important|obvious|rare|common|strange|odd|ironic|fitting|tempting|fair"
    r"|safe to say)\b|\d+|(?:one|two|three|four|five|six|seven|eight|nine|ten|a few|several"
    r"|many) (?:years|months|weeks|days|decades|hours) (?:since|ago|before|after))"
    r"|It (?:should not|shouldn't|does not|doesn't|did not|didn't|won't|will not|may not)"
    r" (?:surprise|come as a surprise|matter|take long)\b|It (?:takes|took|turns out|seems)\b"
)


def has_dangling_opening(sentence: str, *, lead: bool = False) -> bool:
    """Opens with a pronoun or connective that needs an earlier sentence ("But", "It"), or
    otherwise leans on one ("In it, ...", "Intended to..., it is", "...to change that.").

    The `lead` (first sentence of the text) may open with a pronoun or demonstrative: there
    is nothing earlier for it to point to, so it is the writer's own opening."""
    if sentence.endswith((":", "：")):
        return True
    match = _FIRST_WORD.match(sentence)
    if match is None:
        if sentence.startswith(_CONNECTIVES_CJK):
            return True
        return not lead and sentence.startswith(_POINTING_CJK)
    word = match.group().lower().replace("’", "'")
    words = {word, word.split("'")[0]}
    if words & _CONNECTIVES or _POINTING_NOUN.match(sentence):
        return True
    if words & _POINTING:
        if lead or (word in _DEICTIC and _TIME_AFTER.match(sentence)):
            return False
        return not (word.startswith("it") and _EMPTY_IT.match(sentence))
    if lead:
        return False
    return bool(
        _PREPOSITION_POINTING.match(sentence)
        or _POINTING_SUBJECT.match(sentence)
        or _POINTING_END.search(sentence)
    )


_DEICTIC = frozenset(["this", "that", "these", "those"])


def is_quote_fragment(sentence: str) -> bool:
    """Starts inside or with a quotation, an ellipsis or lower case: no context for a reader."""
    first = sentence[:1]
    return not first or first in "\"“”‘’'.…-–—([「『（" or first.islower()


Rule = Callable[[str], bool]
OpeningRule = Literal["dangling_opening", "dateline", "quote_fragment"]
ContentRule = Literal["fragment", "question", "unbalanced_quotes", "byline", "boilerplate",
                      "caption", "copyright", "contact", "timestamp", "breadcrumb"]
RuleName = OpeningRule | ContentRule
OPENING_RULES: dict[OpeningRule, Rule] = {
    "dangling_opening": has_dangling_opening,
    "dateline": has_dateline,
    "quote_fragment": is_quote_fragment,
}
CONTENT_RULES: dict[ContentRule, Rule] = {
    "fragment": is_fragment,
    "question": is_question,
    "unbalanced_quotes": has_unbalanced_quotes,
    "byline": is_byline,
    "boilerplate": is_boilerplate,
    "caption": is_caption,
    "copyright": is_copyright,
    "contact": has_contact,
    "timestamp": is_timestamp,
    "breadcrumb": is_breadcrumb,
}
# Failures that are page furniture: selection skips them and keeps reading.
NOISE_RULES: frozenset[ContentRule] = frozenset(
    {"byline", "boilerplate", "caption", "copyright", "contact", "timestamp", "breadcrumb"}
)


def content_faults(sentence: str) -> list[RuleName]:
    """Names of the content rules `sentence` breaks."""
    return [name for name, rule in CONTENT_RULES.items() if rule(sentence)]


def opening_faults(sentence: str, *, lead: bool = False) -> list[RuleName]:
    """Names of the opening rules `sentence` breaks (as the `lead` of its text, a pronoun
    opening is allowed)."""
    faults: list[RuleName] = [name for name, rule in OPENING_RULES.items() if rule(sentence)]
    if lead and "dangling_opening" in faults and not has_dangling_opening(sentence, lead=True):
        faults.remove("dangling_opening")
    return faults


def broken_rules(sentence: str, *, opening: bool) -> list[RuleName]:
    """Names of the rules `sentence` breaks, content rules first."""
    return content_faults(sentence) + (opening_faults(sentence) if opening else [])


class Context:
    """Title, bio and publication of one article, normalised once for cheap comparisons."""

    def __init__(self, title: str | None, bio: str | None, publication: str | None) -> None:
        self.title = normalise(title or "")
        self.bio = normalise(bio or "")
        self.publication = normalise(publication or "")

    def source_rules(self, sentence: str) -> list[str]:
        """Rules about where a sentence comes from: the title, bio or publication line."""
        text = normalise(sentence)
        broken = []
        if self.title and (
            text == self.title or (len(self.title) > 20 and text.startswith(self.title))
        ):
            broken.append("title")
        if self.bio and len(text) > 15 and text in self.bio:
            broken.append("bio")
        if self.publication and text == self.publication:
            broken.append("publication")
        return broken

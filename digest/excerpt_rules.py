"""One predicate per excerpt rule, shared by selection (`make_excerpt`) and `audit_excerpt`.

Each predicate returns True when the sentence BREAKS the rule. `OPENING_RULES` apply to the
first sentence of an excerpt only; `CONTENT_RULES` to every sentence. Prefix cleaners
(`strip_dateline`, `strip_header`) repair a sentence instead of losing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NON_WORD = re.compile(r"[\W_]+")

# --- repairs -------------------------------------------------------------------------------

_WIRES = r"CNN|AP|Reuters|AFP|UPI|EW\.com|CNN Student News|CNNMoney|Mashable|PA|BBC"
_DATELINES = (
    # "(CNN)", "New Delhi, India (CNN)", "WASHINGTON (AP) --", "LONDON, England (CNN) --"
    re.compile(
        rf"^(?:[A-Z][\w.'’-]*(?:[ ,]+[A-Z][\w.'’-]*){{0,5}}[ ,]*)?\((?:{_WIRES})\)\s*"
        r"(?:--|—|–|-|:)?\s*"
    ),
    # "WASHINGTON -- ", "SAN JOSE, California — "
    re.compile(r"^[A-Z][A-Z.'’]+(?:[ ,]+[A-Z][A-Za-z.'’]+){0,3}\s*(?:--|—|–)\s*"),
)
# Daily Mail and BBC page furniture glued before the first sentence.
_HEADERS = (
    re.compile(r"^By\s*\.\s*(?:[^.|]{1,60}?\s*\.\s*)(?:and\s*\.?\s*[^.|]{1,60}?\s*\.\s*)*"),
    re.compile(r"^(?:\|\s*\.?\s*)?(?:PUBLISHED|UPDATED)\s*:\s*\.?\s*[^|]*?\d{4}\s*\.?\s*"),
    re.compile(r"^\|\s*\.?\s*"),
    re.compile(r"^\d{1,2} \w+ \d{4}\s*Last updated at \d{1,2}:\d{2}(?: [A-Z]{2,4})?\s*"),
    re.compile(r"^Share this with.{0,120}?Copy this link\s*"),
)


def strip_header(paragraph: str) -> str:
    """Drop a byline/timestamp/share-bar prefix glued to the start of a paragraph."""
    changed = True
    while changed:
        changed = False
        for pattern in _HEADERS:
            stripped = pattern.sub("", paragraph, count=1)
            if stripped != paragraph:
                paragraph, changed = stripped, True
    return paragraph


def strip_dateline(sentence: str) -> str:
    """Remove a wire dateline prefix when what is left still reads as a sentence."""
    for pattern in _DATELINES:
        match = pattern.match(sentence)
        if match and match.end() < len(sentence):
            rest = sentence[match.end() :]
            if rest[:1].isupper() or rest[:1] in "\"“‘'":
                return rest
    return sentence


def normalise(text: str) -> str:
    """Lower-case words only: how title, bio and publication are compared."""
    return _NON_WORD.sub(" ", text.lower()).strip()


# --- opening rules -------------------------------------------------------------------------

# fmt: off
_DANGLING = frozenset(
    [
        "he", "she", "it", "its", "it's", "they", "them", "their", "theirs", "his", "her", "hers",
        "him", "we", "us", "our", "this", "that", "these", "those", "such", "also", "but", "and",
        "or", "nor", "so", "yet", "however", "meanwhile", "moreover", "furthermore", "still",
        "then", "thus", "therefore", "hence", "instead", "nevertheless", "nonetheless", "besides",
        "additionally", "likewise", "similarly", "otherwise", "indeed", "anyway", "plus", "later",
        "afterwards", "another", "both"
    ]
)
# fmt: on
_FIRST_WORD = re.compile(r"[A-Za-z'’]+")


def has_dangling_opening(sentence: str) -> bool:
    """Opens with a pronoun or connective that needs an earlier sentence ("But", "It")."""
    match = _FIRST_WORD.match(sentence)
    if match is None:
        return False
    word = match.group().lower().replace("’", "'")
    return word in _DANGLING or word.split("'")[0] in _DANGLING or sentence.endswith(":")


def has_dateline(sentence: str) -> bool:
    return any(pattern.match(sentence) for pattern in _DATELINES) or bool(
        _HEADERS[0].match(sentence)
    )


def is_quote_fragment(sentence: str) -> bool:
    """Starts inside or with a quotation, an ellipsis or lower case: no context for a reader."""
    first = sentence[:1]
    return not first or first in "\"“”‘’'.…-–—([" or first.islower()


# --- content rules -------------------------------------------------------------------------
# Each rule first looks for a cheap literal clue (`in` runs in C) before any regex: the
# engine has to do hundreds of articles a second on one core.

_CLOSERS = "\"'”’)]"


def is_fragment(sentence: str) -> bool:
    """Not a whole sentence: no final stop, too short, or no ordinary lower-case words."""
    if sentence.rstrip(_CLOSERS)[-1:] not in (".", "!", "?") or sentence.endswith("..."):
        return True
    words = sentence.split()
    return len(words) < 4 or sum(1 for word in words if word[:1].islower()) < 2


def is_question(sentence: str) -> bool:
    """A teaser question ("What happened next?") promises instead of telling."""
    return sentence.rstrip(_CLOSERS).endswith("?")


_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[—–-]))[‘'](?=\w)")
_SINGLE_CLOSE = re.compile(r"(?<=[\w.,!?])[’'](?=[\s.,;:!?)\]—–-]|$)")


def has_unbalanced_quotes(text: str) -> bool:
    """Odd straight double quotes, unpaired curly ones, or more single quotes opened than shut."""
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        return True
    if "'" not in text and "‘" not in text:
        return False
    # Apostrophes look like closing quotes, so only an excess of openers is a sure sign.
    return len(_SINGLE_OPEN.findall(text)) > len(_SINGLE_CLOSE.findall(text))


_BYLINE_START = re.compile(
    r"By\s*\.?\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4}\s*(?:[|.\-–—]|$|,\s*(?:[A-Z]|\d)"
    r"|\s+(?:and|for|in)\s+[A-Z])"
)
_BYLINE_STAMP = re.compile(
    r"\b(?:PUBLISHED|UPDATED)\s*:|\b\d{1,2}:\d{2}\s*(?:EST|EDT|GMT|BST|PST|PDT|CET|UTC|ET)\b"
)
_BYLINE_WORDS = ("Last updated", "Mail Reporter", "MailOnline Reporter", "Press Writer")


def is_byline(sentence: str) -> bool:
    """ "By Jane Doe | March 3", "PUBLISHED: ... UPDATED: ...", "Daily Mail Reporter"."""
    if sentence.startswith("By") and _BYLINE_START.match(sentence):
        return True
    if ":" in sentence and _BYLINE_STAMP.search(sentence):
        return True
    return any(words in sentence for words in _BYLINE_WORDS)


_BOILERPLATE = (
    "read more", "read the full", "click here", "share this", "share on ", "share via",
    "subscribe", "sign up", "follow us", "follow him", "follow her", "follow them",
    "follow me", "scroll down", "watch the video", "watch video", "see the video",
    "continue reading", "advertisement", "newsletter", "related article", "the podcast",
)  # fmt: skip


def is_boilerplate(sentence: str) -> bool:
    """ "Read more", share, subscribe and follow lines."""
    lowered = sentence.lower()
    return any(phrase in lowered for phrase in _BOILERPLATE)


_CAPTION_LABEL = re.compile(
    r"(?:Photo|Photos|Image|Picture|Pictured|Above|Below|Inset|Video|Credit|Source|Caption"
    r"|Watch)\s*:|[A-Z][\w'-]*(?: [A-Za-z][\w'-]*)?: [A-Z][a-z]+ [A-Z]"
)
_CAPTION_PAREN = re.compile(
    r"\((?:[^)]*\b(?:pictured|photo|stock image|file image|left|right|centre|center|above"
    r"|below|inset|circled)\b[^)]*|Getty(?: Images)?|AP|Reuters|AFP|PA)\)"
)
_CAPTION_POSITION = re.compile(r",\s*(?:left|right|centre|center|circled|above|below|inset)\s*,")
# "...was banned from driving The brother of...": a caption glued to the lead without a stop.
_CAPTION_GLUED = re.compile(r"(?<=[a-z0-9][a-z0-9]|[a-z0-9]\)) (?:The|An?) [a-z0-9]")
_CAPTION_WORDS = ("pictured", "Getty Images", "Image copyright", "Image caption", "Photograph:")


def is_caption(sentence: str) -> bool:
    """Image captions, including a caption glued without a stop before the real sentence."""
    if any(words in sentence for words in _CAPTION_WORDS):
        return True
    if ":" in sentence[:40] and _CAPTION_LABEL.match(sentence):
        return True
    if "(" in sentence and _CAPTION_PAREN.search(sentence):
        return True
    if ", " in sentence and _CAPTION_POSITION.search(sentence):
        return True
    return bool(_CAPTION_GLUED.search(sentence))


_COPYRIGHT = re.compile(r"\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b")


def is_copyright(sentence: str) -> bool:
    """ "© 2025 ...", "Copyright ...", "All rights reserved"."""
    if "©" in sentence:
        return True
    lowered = sentence.lower()
    return ("copyright" in lowered or "(c)" in lowered or "reserved" in lowered) and bool(
        _COPYRIGHT.search(lowered)
    )


_CONTACT = re.compile(r"(?:^|[\s(])@\w|[\w.+-]@[\w-]+\.\w|https?://|\bwww\.|\w\.(?:com|org|net)/")


def has_contact(sentence: str) -> bool:
    """Handles (@name), e-mail addresses and URLs."""
    clue = "@" in sentence or "/" in sentence or "www." in sentence
    return clue and bool(_CONTACT.search(sentence))


Rule = Callable[[str], bool]
OPENING_RULES: dict[str, Rule] = {
    "dangling_opening": has_dangling_opening,
    "dateline": has_dateline,
    "quote_fragment": is_quote_fragment,
}
CONTENT_RULES: dict[str, Rule] = {
    "fragment": is_fragment,
    "question": is_question,
    "unbalanced_quotes": has_unbalanced_quotes,
    "byline": is_byline,
    "boilerplate": is_boilerplate,
    "caption": is_caption,
    "copyright": is_copyright,
    "contact": has_contact,
}
# Failures that are page furniture: selection skips them and keeps reading.
NOISE_RULES = frozenset({"byline", "boilerplate", "caption", "copyright", "contact"})


def content_faults(sentence: str) -> list[str]:
    """Names of the content rules `sentence` breaks."""
    return [name for name, rule in CONTENT_RULES.items() if rule(sentence)]


def opening_faults(sentence: str) -> list[str]:
    """Names of the opening rules `sentence` breaks."""
    return [name for name, rule in OPENING_RULES.items() if rule(sentence)]


def broken_rules(sentence: str, *, opening: bool) -> list[str]:
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

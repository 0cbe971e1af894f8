"""Page furniture: what a page adds around an article's own sentences.

Bylines, timestamps, captions, share lines and calls to action, copyright and contact
lines, breadcrumbs, and the wire datelines and page headers glued before the first
sentence. Each `is_*`/`has_*` predicate returns True when the sentence IS furniture (it
breaks that excerpt rule; see `digest.editorial.excerpt_rules`). Prefix cleaners (`strip_dateline`,
`strip_header`) repair a sentence instead of losing it. All patterns are precompiled.
"""

from __future__ import annotations

import re

from digest.text.shape import lacks_stop
from digest.words import count_words

# --- repairs -------------------------------------------------------------------------------

_WIRES = r"CNN|AP|Reuters|AFP|UPI|EW\.com|CNN Student News|CNNMoney|Mashable|PA|BBC"
# A place word: capitalised, or in a script without case (Arabic "دمشق، سوريا (CNN) --").
_PLACE = r"(?:[A-Z]|[^\W\d_a-z])[\w.'’-]*"
_DATELINES = (
    # "(CNN)", "New Delhi, India (CNN)", "WASHINGTON (AP) --", "LONDON, England (CNN) --"
    re.compile(
        rf"^(?:{_PLACE}(?:[ ,،]+{_PLACE}){{0,5}}[ ,،]*)?\((?:{_WIRES})\)\s*"
        r"(?:--|—|–|-|:)?\s*"
    ),
    # "WASHINGTON -- ", "SAN JOSE, California — "
    re.compile(r"^[A-Z][A-Z.'’]+(?:[ ,]+[A-Z][A-Za-z.'’]+){0,3}\s*(?:--|—|–)\s*"),
    # Any agency with a date and a dash: "SEOUL, Aug. 20 (Yonhap) --"
    re.compile(
        r"^[A-Z][A-Za-z.'’-]*(?:[ ,]+[A-Z0-9][\w.'’-]*){0,6}\s*\([A-Z][\w.&' -]{1,30}\)\s*"
        r"(?:--|—|–)\s*"
    ),
    # An all-caps kicker: "EXCLUSIVE: ...", "BREAKING NEWS | ..."
    re.compile(r"^[A-Z]{2,}(?:[ '’-][A-Z]{2,}){0,3}\s*(?::|\|)\s+"),
    # CJK: a bracketed kicker or dateline "【6月18日 AFP】", a wire "新华社北京11月17日电".
    re.compile(r"^【[^】]{1,40}】\s*"),
    re.compile(r"^(?:新华社|中新社|中新网|人民网|央视网|共同社|法新社|路透社|美联社)[^，。\s]{0,20}电\s*"),
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
            first = rest[:1]
            if first.isupper() or first in "\"“‘'「" or (first.isalpha() and not first.islower()):
                return rest
    return sentence


# --- opening rule --------------------------------------------------------------------------


def has_dateline(sentence: str) -> bool:
    return any(pattern.match(sentence) for pattern in _DATELINES) or bool(
        _HEADERS[0].match(sentence)
    )


# --- content rules -------------------------------------------------------------------------
# Each rule first looks for a cheap literal clue (`in` runs in C) before any regex: the
# engine has to do hundreds of articles a second on one core.

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


_SUBSCRIBE = re.compile(r"\bsubscribe\b")
# Calls to action: an imperative a page adds, never the article's own first words.
_CALL_TO_ACTION = re.compile(
    r"(?:Learn more|Find out more|Read more|Click|Tap|Visit|Download|Sign up|Subscribe|Register"
    r"|Shop|Buy|Order|Join us|Follow us|Listen|Watch|Tune in|Don['’]t miss|Get the|Check out"
    r"|Submit your|Send us|Email us|E-mail us|Contact us|Tell us|Let us know)\b"
)
# "Get all of your answers here.": a teaser pointing at the rest of the page.
_HERE = re.compile(r"^(?:Get|Find|See|Read|Learn|Discover)\b.{0,60}\bhere[.!]$")
# "For more ideas on saving, check out ...": a pointer to elsewhere, not the article.
_FOR_MORE = re.compile(r"^For more\b.{0,80}?\b(?:check out|visit|see|go to|head to|read)\b")


def is_boilerplate(sentence: str) -> bool:
    """ "Read more", share, subscribe and follow lines, and calls to action ("Visit the...")."""
    lowered = sentence.lower()
    for phrase in _BOILERPLATE:
        if phrase in lowered and (phrase != "subscribe" or _SUBSCRIBE.search(lowered)):
            return True
    if (sentence.startswith("For more") and _FOR_MORE.match(sentence)) or _HERE.match(sentence):
        return True
    return sentence[:1].isupper() and _CALL_TO_ACTION.match(sentence) is not None


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
_CAPTION_GLUED = re.compile(r"(?<=[a-z0-9][a-z0-9]|[a-z0-9]\)) (The|An?) (?=[a-z0-9])")
# "Plan A", "Grade A", "vitamin A": a one-letter name, not an article glued to a lead.
_LETTER_NAMES = frozenset((
    "plan", "grade", "type", "class", "group", "patient", "vitamin", "section", "part", "suspect",
    "option", "level", "tier", "category", "exhibit", "appendix", "figure", "table", "phase",
    "stage", "division", "series", "size", "block", "gate", "terminal", "platform", "row",
    "item", "form", "model", "room", "ward", "wing", "hepatitis", "subject", "witness"
))  # fmt: skip
# "...at their home by the river 1.": a caption ending in the number of the list after it.
_LIST_NUMBER_END = re.compile(r"(?<=[a-z]) ([a-z]+) [1-9]\.$")
_NOT_LIST_NUMBER = frozenset((
    "of", "to", "by", "at", "on", "in", "than", "was", "were", "is", "are", "aged", "age",
    "just", "only", "about", "around", "nearly", "almost", "under", "over", "from", "and", "or",
    "number", "no", "grade", "level", "class", "year", "step", "stage", "phase", "chapter",
    "section", "part", "page", "verse", "round", "gate", "platform", "terminal"
))  # fmt: skip
_CAPTION_WORDS = (
    "pictured", "Getty Images", "Image copyright", "Image caption", "Photograph:", "Photo by ",
    "Photos by ", "Photograph by ", "Photo courtesy", "Photo credit", "Image credit",
    "Image source", "Shutterstock", "/AFP", "/Reuters", "/EPA", "/AP Photo", "AP Photo/",
)  # fmt: skip


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
    return _glued_caption(sentence) is not None or _ends_in_list_number(sentence)


def _glued_caption(sentence: str) -> re.Match[str] | None:
    """Where a caption runs into the lead without a stop ("...outside court The brother...")."""
    for match in _CAPTION_GLUED.finditer(sentence):
        if match.group(1) == "A" and _letter_name(sentence, match):
            continue
        return match
    return None


def _letter_name(sentence: str, match: re.Match[str]) -> bool:
    """ "Plan A is", "infra-red A rays": the letter names something; it is no article."""
    previous = sentence[: match.start()].rsplit(" ", 1)[-1]
    following = sentence[match.end() :].split(" ", 1)[0]
    return (
        previous[:1].isupper()
        or "-" in previous
        or previous in _LETTER_NAMES
        or following.rstrip(".,;:").endswith("s")
    )


def _ends_in_list_number(sentence: str) -> bool:
    match = _LIST_NUMBER_END.search(sentence)
    return match is not None and match.group(1) not in _NOT_LIST_NUMBER


def split_glued_caption(sentence: str) -> str | None:
    """The lead part of a caption glued to it without a stop, when that part is a sentence:
    "Fans outside the ground on Saturday The club said it would appeal." -> "The club said
    it would appeal." None when there is no glue, or what follows it is too short."""
    match = _glued_caption(sentence)
    if match is None or count_words(sentence[: match.start()]) < 3:
        return None
    lead = sentence[match.start() + 1 :]
    if count_words(lead) < 4 or lacks_stop(lead) or is_caption(lead):
        return None
    return lead


_STAMP_START = re.compile(
    r"^(?:Updated|Published|Posted|Last updated|Modified|First published)\b"
    r".{0,60}?(\d{1,2}:\d{2}|\bago\b|\d{4})",
    re.IGNORECASE,
)
_STAMP_ANYWHERE = re.compile(
    r"\b\d{1,2}:\d{2}\s*[AaPp]\.?[Mm]\.?\s*(?:ET|EST|EDT|CT|CST|CDT|PT|PST|PDT|GMT|UTC|BST)\b"
    r"|\b\d{1,3} min(?:ute)?s? read\b",
    re.IGNORECASE,
)


def is_timestamp(sentence: str) -> bool:
    """ "Updated 3:41 PM ET", "Posted 2 hours ago", "Published March 4, 2025", "5 min read".

    A dated line without a time counts only when it is short or has no final stop:
    "Published in 1851, the novel sold poorly in its first years." is a sentence."""
    if not any(char.isdigit() for char in sentence[:80]):
        return False
    start = _STAMP_START.match(sentence)
    if start is not None and (
        not start.group(1).isdigit() or lacks_stop(sentence) or count_words(sentence) < 8
    ):
        return True
    return _STAMP_ANYWHERE.search(sentence) is not None


_CRUMB_SEPARATORS = (" > ", " › ", " » ", " / ")
_CRUMB_START = re.compile(r"^(?:Home|News|Homepage)\s*(?:>|›|»|/|\|)\s*\w")


def is_breadcrumb(sentence: str) -> bool:
    """ "Home > News > World": a site's navigation trail."""
    if ">" not in sentence and "›" not in sentence and "»" not in sentence and "/" not in sentence:
        return False
    separators = sum(sentence.count(separator) for separator in _CRUMB_SEPARATORS)
    return separators >= 2 or _CRUMB_START.match(sentence) is not None


_COPYRIGHT = re.compile(r"\(c\)\s*(?:\d{4}|[a-z]{2,})|\bcopyright\b|\ball rights reserved\b")


def is_copyright(sentence: str) -> bool:
    """ "© 2025 ...", "Copyright ...", "All rights reserved"."""
    if "©" in sentence:
        return True
    lowered = sentence.lower()
    return ("copyright" in lowered or "(c)" in lowered or "reserved" in lowered) and bool(
        _COPYRIGHT.search(lowered)
    )


_CONTACT = re.compile(r"[\w.+-]@[\w-]+\.\w|https?://|\bwww\.|\w\.(?:com|org|net)/")
_HANDLE = re.compile(r"(?:^|(?<=[\s(]))@(\w+)")
_SOCIAL = re.compile(
    r"\b(?:follow|tweet\w*|twitter|instagram|tiktok|mastodon|bluesky|threads|on x|dm)\b",
    re.IGNORECASE,
)


def has_contact(sentence: str) -> bool:
    """Handles (@name), e-mail addresses and URLs."""
    if "@" in sentence and any(_is_handle(sentence, m) for m in _HANDLE.finditer(sentence)):
        return True
    clue = "@" in sentence or "/" in sentence or "www." in sentence
    return clue and bool(_CONTACT.search(sentence))


def _is_handle(sentence: str, match: re.Match[str]) -> bool:
    """"@jdoe", "@city_desk", "(@Harbour)" or "Follow @Harbour": a handle. A capitalised
    "@Name" inside running text is a name, such as a magazine's ("the @Issue journal")."""
    name = match.group(1)
    if not name[:1].isupper() or "_" in name or any(char.isdigit() for char in name):
        return True
    after = sentence[match.end() :].strip(" .!?\"'”’")
    return not after or after.startswith(")") or bool(_SOCIAL.search(sentence))

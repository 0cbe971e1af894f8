"""One predicate per excerpt rule, shared by selection (`make_excerpt`) and `audit_excerpt`.

Each predicate returns True when the sentence BREAKS the rule. `OPENING_RULES` apply to the
first sentence of an excerpt only; `CONTENT_RULES` to every sentence. Prefix cleaners
(`strip_dateline`, `strip_header`) repair a sentence instead of losing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from digest.sentences import count_words, is_dense, is_stopless

_NON_WORD = re.compile(r"[\W_]+")

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
# Chinese and Japanese pronouns and connectives (no spaces, so matched as prefixes).
_DANGLING_CJK = (
    "他", "她", "它", "其", "这", "那", "此外", "同时", "因此", "所以", "不过", "但", "而且",
    "并且", "另外", "然而", "随后", "彼", "その", "この", "それ", "これ", "あの", "しかし", "また",
    "さらに", "一方", "だが", "ただ", "なお",
)  # fmt: skip
_FIRST_WORD = re.compile(r"[A-Za-z'’]+")
# "This week we ...": a time phrase, not a pronoun pointing back.
_TIME_AFTER = re.compile(
    r"(?:this|that|these|those) (?:week|weekend|month|year|morning|afternoon|evening|spring"
    r"|summer|autumn|fall|winter|season)\b",
    re.IGNORECASE,
)


def has_dangling_opening(sentence: str) -> bool:
    """Opens with a pronoun or connective that needs an earlier sentence ("But", "It")."""
    if sentence.endswith((":", "：")):
        return True
    match = _FIRST_WORD.match(sentence)
    if match is None:
        return sentence.startswith(_DANGLING_CJK)
    word = match.group().lower().replace("’", "'")
    if word in _DANGLING or word.split("'")[0] in _DANGLING:
        return not (word in _DEICTIC and _TIME_AFTER.match(sentence))
    return False


_DEICTIC = frozenset(["this", "that", "these", "those"])


def has_dateline(sentence: str) -> bool:
    return any(pattern.match(sentence) for pattern in _DATELINES) or bool(
        _HEADERS[0].match(sentence)
    )


def is_quote_fragment(sentence: str) -> bool:
    """Starts inside or with a quotation, an ellipsis or lower case: no context for a reader."""
    first = sentence[:1]
    return not first or first in "\"“”‘’'.…-–—([「『（" or first.islower()


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
    r"|Shop|Buy|Order|Join us|Follow us|Listen|Watch|Tune in|Don['’]t miss|Get the)\b"
)


def is_boilerplate(sentence: str) -> bool:
    """ "Read more", share, subscribe and follow lines, and calls to action ("Visit the...")."""
    lowered = sentence.lower()
    for phrase in _BOILERPLATE:
        if phrase in lowered and (phrase != "subscribe" or _SUBSCRIBE.search(lowered)):
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
_CAPTION_GLUED = re.compile(r"(?<=[a-z0-9][a-z0-9]|[a-z0-9]\)) (?:The|An?) [a-z0-9]")
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
    return bool(_CAPTION_GLUED.search(sentence))


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
        not start.group(1).isdigit() or lacks_stop(sentence) or len(sentence.split()) < 8
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
    "timestamp": is_timestamp,
    "breadcrumb": is_breadcrumb,
}
# Failures that are page furniture: selection skips them and keeps reading.
NOISE_RULES = frozenset(
    {"byline", "boilerplate", "caption", "copyright", "contact", "timestamp", "breadcrumb"}
)


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

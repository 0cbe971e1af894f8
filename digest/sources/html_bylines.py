"""The names in a page's visible byline, for pages whose metadata name no writer.

Two kinds of byline are read, the first that names people wins:
1. byline markup: rel=author, itemprop=author, or a class token naming an author or a
   byline in English or in the languages the sites write in (author, byline, autor,
   auteur, firma, signature). Co-authors written as separate elements side by side
   ("<span itemprop=author>A</span>, <span itemprop=author>B</span>") are all kept; the
   innermost elements are read first, and a class repeated with three or more different
   names is a teaser list of other stories' authors, not a byline.
2. a labelled line after the headline: a short element that reads "Author Jane Doe",
   "Autor: Jane Doe" or "By Jane Doe" followed by other words ("By Jane Doe ESPN.com
   Archive"); the names are the capitalised words right after the label.
Comments are never a byline, and neither are place names or dates after a bar
("Jane Doe | Madrid").
"""

from __future__ import annotations

import re
from typing import Any

from digest.sources.common import split_names
from digest.sources.html_page import element_text

PARTICLES = {"al", "bin", "da", "de", "del", "den", "der", "di", "du", "ibn", "la", "le",
             "st", "ten", "ter", "van", "von", "y", "zu"}
_CLASS_WORDS = ("author", "byline")  # anywhere in a class token
_CLASS_STARTS = ("autor", "auteur", "firma", "signature")  # a token starting so
_BY_WORDS = re.compile(r"^(?:(?:written|posted)\s+by|by|von|par|por|door|di|av|af|"
                       r"authors?|autor(?:in)?|auteur|about|über|sobre)\b\s*:?\s*",
                       re.IGNORECASE)
_AFTER_NAMES = re.compile(r"\s+[|·•]\s+.*$")  # "Jane Doe | Madrid": a place or date follows
_LABEL = re.compile(r"^(?:(?:written\s+)?by|authors?|autor(?:in|en)?|auteur)\s*:?\s+",
                    re.IGNORECASE)
_SHORT_TAGS = {"p", "li", "dd", "span", "div", "cite", "td", "address"}


def looks_like_name(text: str) -> bool:
    """Two to four words, capitalised apart from particles (von, de, van, al, ...)."""
    words = text.split()
    if not 2 <= len(words) <= 4 or any(ch.isdigit() for ch in text):
        return False
    return all(w[0].isupper() or w.casefold() in PARTICLES for w in words)


# "comments_datetime", "comment-count": the article's comment counter or link beside its
# byline and date, not the comments section
_COMMENT_COUNTER = re.compile(r"count|link|number|total|date|time|icon|button")


def in_comments(element: Any) -> bool:
    """Inside a comments section: an element or ancestor whose class or id names
    comments (but not a comment counter)."""
    node = element
    while node is not None:
        tokens = f"{node.get('class') or ''} {node.get('id') or ''}".lower().split()
        if any("comment" in t and not _COMMENT_COUNTER.search(t) for t in tokens):
            return True
        node = node.getparent()
    return False


def byline_names(tree: Any) -> list[str]:
    """Names from byline markup, else from a labelled byline line after the headline."""
    return _markup_names(tree) or _labelled_names(tree)


def _is_byline_markup(element: Any) -> bool:
    if element.get("rel") == "author" or "author" in (element.get("itemprop") or ""):
        return True
    tokens = (element.get("class") or "").lower().split()
    return any(word in token for token in tokens for word in _CLASS_WORDS) or any(
        token.startswith(_CLASS_STARTS) for token in tokens)


def _markup_names(tree: Any) -> list[str]:
    hits = [e for e in tree.xpath("//body//*[@rel or @itemprop or @class]")
            if isinstance(e.tag, str) and _is_byline_markup(e) and not in_comments(e)]
    teasers = _teaser_markup(hits)
    # the innermost byline elements that name someone: "<span class=firma>A / B, Madrid,
    # date</span>" holds the cleaner "<a rel=author>A</a>" and "<a rel=author>B</a>"
    outer = {id(parent) for e in hits if _names_in(element_text(e))
             for parent in e.iterancestors()}
    hits = [e for e in hits if id(e) not in outer and _signature(e) not in teasers]
    for index, element in enumerate(hits):
        names = _names_in(element_text(element))
        if not names:
            continue
        # co-authors as sibling elements: "<span>A</span>, <span>B</span>"
        for other in hits[index + 1:]:
            if other.getparent() is element.getparent():
                names += [n for n in _names_in(element_text(other)) if n not in names]
        return names
    return []


def _signature(element: Any) -> tuple[str, str]:
    return element.tag, " ".join(sorted((element.get("class") or "").split()))


def _teaser_markup(hits: list[Any]) -> set[tuple[str, str]]:
    """Author markup repeated with three or more different names is a list of other
    stories ("Don't miss: A, B, C"), not this article's byline."""
    seen: dict[tuple[str, str], set[str]] = {}
    for element in hits:
        if element.get("class"):
            seen.setdefault(_signature(element), set()).add(element_text(element))
    return {signature for signature, texts in seen.items() if len(texts) >= 3}


def _names_in(text: str) -> list[str]:
    text = _AFTER_NAMES.sub("", _BY_WORDS.sub("", text))
    text = re.sub(r"\s*\([^)]*\)", "", text).strip()
    if not text or len(text) > 80:
        return []
    return [n for n in split_names(text.replace(" / ", ", ")) if looks_like_name(n)]


def _labelled_names(tree: Any) -> list[str]:
    """ "Author Jane Doe" / "By Jane Doe ESPN.com" in a short element after the h1."""
    headline = next(iter(tree.xpath("//body//h1")), None)
    if headline is None:
        return []
    after = False
    for element in tree.iter():
        if element is headline:
            after = True
            continue
        if not after or not isinstance(element.tag, str) or element.tag not in _SHORT_TAGS:
            continue
        text = " ".join(" ".join(element.itertext()).split())  # <br> parts stay apart
        match = _LABEL.match(text)
        if not match or len(text) > 80 or in_comments(element):
            continue
        name = _leading_name(text[match.end():])
        if name:
            return [name]
    return []


def _leading_name(text: str) -> str | None:
    """The run of capitalised words a text starts with, when it is 2-4 words long."""
    words: list[str] = []
    for word in text.split():
        plain = word.strip(",;")
        if len(words) == 4 or not re.fullmatch(r"[^\W\d_][\w'’.-]*", plain) or (
                not plain[0].isupper() and plain.casefold() not in PARTICLES) or (
                "." in plain.rstrip(".")):
            break  # "ESPN.com", a lower-case word or a fifth word ends the name
        words.append(plain)
        if plain != word:
            break  # "Jane Doe, Madrid"
    return " ".join(words) if looks_like_name(" ".join(words)) else None

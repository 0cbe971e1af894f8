"""The article's authors, from JSON-LD, meta tags, trafilatura's guess and byline markup.

Real pages get them wrong in a few recurring ways: a publisher in meta author, JSON-LD
authors given by @id reference, commenters taken for the author, a byline with the
editor's initials or a job title. `page_authors` reads them most trustworthy source first
and cleans up the names.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from digest.sources.common import as_names, is_role, split_names
from digest.sources.html_page import (
    article_nodes,
    clean_value,
    element_text,
    json_ld_nodes,
    ld_types,
    match_key,
    meta_values,
    names_site,
    site_names,
)
from digest.words import count_words

_NOT_NAMES = {"admin", "administrator", "anonymous", "author", "by", "editor", "editorial",
              "posted", "published", "share", "staff", "submitted", "unknown", "updated",
              "written"}


def page_authors(tree: Any, meta: dict[str, Any]) -> tuple[str, ...]:
    """Authors, most trustworthy source first; a publisher or site name is not an author.

    1. JSON-LD Article/Posting authors that are people (objects, lists, @id references);
    2. meta name=author / article:author / parsely-author / sailthru.author / dc.creator,
       where they hold names rather than profile URLs or a publisher's imprint
       ("Example.de GmbH, Munich, Germany", "Example Radio (www.example.com)");
    3. trafilatura's byline guess, unless it is a non-name ("Submitted", "Staff"), only
       appears inside the comments, or repeats an imprint dropped in 2;
    4. the page's byline markup (rel=author, itemprop=author, class "author"/"byline"):
       the first short one that holds people's names ("Von A, Berlin", "Author: A (ab)").
    """
    if tree is None:
        return _names(split_names(str(meta.get("author") or "")), set())
    sites = site_names(tree)
    people = _json_ld_people(tree)
    if people:
        return _names(people, sites)
    metas: list[str] = []
    imprints: list[str] = []
    for name in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                 "article_author", "byl"):
        for value in meta_values(tree, name):
            value = html.unescape(value)
            if "://" in value or value.startswith("@") or value.startswith("www."):
                continue
            if _is_imprint(value, sites):
                imprints.append(match_key(value))
                continue
            metas += split_names(value)
    named = _names(metas, sites)
    if named:
        return named
    guess = html.unescape(str(meta.get("author") or ""))
    if guess and not _is_imprint(guess.replace(";", ","), sites) and not any(
            match_key(part) in imprint for imprint in imprints for part in guess.split(";")):
        named = _names([g for g in split_names(guess) if not _only_in_comments(tree, g)], sites)
        if named:
            return named
    return _byline(tree, sites)


_COMPANY = re.compile(r"\b(?:gmbh|inc|ltd|llc|plc|corp|verlag|limited)\b", re.IGNORECASE)
_DOMAIN = re.compile(r"\bwww\.|\b[\w-]+\.(?:com|org|net|de|at|ch|fr|uk|info|io)\b",
                     re.IGNORECASE)


def _is_imprint(value: str, sites: set[str]) -> bool:
    """A publisher's credit rather than people: a company form or a domain in it, or
    "Site, City, Country" (the site's name followed by single-word places)."""
    if _COMPANY.search(value) or _DOMAIN.search(value):
        return True
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return (len(parts) >= 3 and names_site(parts[0], sites)
            and all(count_words(p) == 1 for p in parts[1:]))


_BYLINE_MARKUP = (
    "//body//*[@rel='author' or contains(@itemprop, 'author') or contains(translate(@class, "
    "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), 'author') or contains("
    "translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), 'byline')]")
_BY_WORDS = re.compile(r"^(?:(?:written|posted)\s+by|by|von|par|por|door|di|av|af|"
                       r"authors?|autor(?:in)?|auteur)\b\s*:?\s*", re.IGNORECASE)
_PARTICLES = {"al", "bin", "da", "de", "del", "den", "der", "di", "du", "ibn", "la", "le",
              "st", "ten", "ter", "van", "von", "y", "zu"}


def _byline(tree: Any, sites: set[str]) -> tuple[str, ...]:
    """Names in the first short byline element outside the comments."""
    for element in tree.xpath(_BYLINE_MARKUP):
        if not isinstance(element.tag, str) or _in_comments(element):
            continue
        text = _BY_WORDS.sub("", element_text(element))
        text = re.sub(r"\s*\([^)]*\)", "", text).strip()
        if not text or len(text) > 80:
            continue
        names = [n for n in split_names(text) if _looks_like_name(n)]
        if names:
            return _names(names, sites)
    return ()


def _looks_like_name(text: str) -> bool:
    """Two to four words, capitalised apart from particles (von, de, van, al, ...)."""
    words = text.split()
    if not 2 <= len(words) <= 4 or any(ch.isdigit() for ch in text):
        return False
    return all(w[0].isupper() or w.casefold() in _PARTICLES for w in words)


def _names(names: Iterable[str], sites: set[str]) -> tuple[str, ...]:
    kept = []
    for name in names:
        clean = " ".join(html.unescape(name).split())
        clean = _POSTS_BY.sub("", clean)
        clean = re.sub(r"\s*\((?:[^()]{1,6})\)$", "", clean)  # "Ana Lo (al)": editor's initials
        clean = clean.strip(" ,;|")
        if not clean or clean.casefold() in _NOT_NAMES or "@" in clean or "://" in clean:
            continue
        head, comma, rest = clean.partition(", ")
        if comma and is_role(rest):
            clean = head  # "A, Director of B" as one name: the rest is A's job
        elif is_role(clean):
            continue  # "A, Director of B" split in two: the second part is A's job
        if clean not in kept:
            kept.append(clean)
    # "A, B, CNN": the trailing organisation is the site, not a writer
    people = [n for n in kept if match_key(n).replace(" ", "") not in sites]
    return as_names(people or kept)


# "View all posts by A", "More from A", "By: A": link text around a name
_POSTS_BY = re.compile(r"^(?:(?:view\s+)?(?:all\s+)?(?:posts|articles|stories)\s+by|"
                       r"more\s+(?:from|by)|by|from)\s*:?\s+", re.IGNORECASE)


def _only_in_comments(tree: Any, name: str) -> bool:
    """True when every element whose text is `name` sits in a comments section."""
    key = match_key(name)
    hits = [e for e in tree.iter()
            if isinstance(e.tag, str) and e.text and match_key(e.text) == key]
    if not hits:
        return False
    return all(_in_comments(e) for e in hits)


def _in_comments(element: Any) -> bool:
    node = element
    while node is not None:
        label = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
        if "comment" in label:
            return True
        node = node.getparent()
    return False


def _json_ld_people(tree: Any) -> list[str]:
    """Names of the people credited as author of the page's Article (resolving @id)."""
    nodes = json_ld_nodes(tree)
    by_id = {str(n["@id"]): n for n in nodes if n.get("@id") and (n.get("name") or n.get("@type"))}
    people: list[str] = []
    for article in article_nodes(tree):
        value = article.get("author") or article.get("creator")
        for person in value if isinstance(value, list) else [value]:
            if isinstance(person, dict) and "@id" in person and not person.get("name"):
                person = by_id.get(str(person["@id"]), person)
            if isinstance(person, str):
                people += split_names(person) if "://" not in person else []
            elif isinstance(person, dict):
                kinds = ld_types(person)
                if kinds and not kinds & {"person"}:
                    continue  # an Organization is the publisher, not a writer
                people += [html.unescape(clean_value(person.get("name")) or "")]
    return [p for p in people if p]

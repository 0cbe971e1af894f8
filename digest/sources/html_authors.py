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
from digest.sources.html_bylines import PARTICLES, byline_names, in_comments, looks_like_name
from digest.sources.html_page import (
    article_nodes,
    clean_value,
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
       appears inside the comments, repeats an imprint dropped in 2, or is partly a
       sentence (a bio box taken for a byline: "About A A writes about ...");
    4. the page's visible byline (`html_bylines`): markup, else a labelled line after
       the headline ("Author A", "By A").
    Meta authors that are only a news agency's initials ("AP", "dpa") give way to a byline
    that names the writer. Names lose courtesy and academic titles ("Dr. A" -> "A"), a job
    title written after them ("A Senior Correspondent" -> "A"), and capitals ("JANE DOE"
    -> "Jane Doe").
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
                 "article_author", "byl", "byline", "search.byline", "twitter:creator"):
        for value in meta_values(tree, name):
            value = html.unescape(value)
            if "://" in value or value.startswith("@") or value.startswith("www."):
                continue
            if name == "twitter:creator" and not looks_like_name(value):
                continue  # usually a handle ("jdoe"); a name only when written as one
            if _is_imprint(value, sites):
                imprints.append(_plain(value))
                continue
            metas += split_names(value)
    named = _names(metas, sites)
    if named and all(_AGENCY.fullmatch(n) for n in named):
        return _names(byline_names(tree), sites) or named  # "AP" credit, "By A" on the page
    if named:
        return named
    guess = html.unescape(str(meta.get("author") or ""))
    if guess and not _is_imprint(guess.replace(";", ","), sites) and not any(
            _plain(part) in imprint for imprint in imprints for part in guess.split(";")):
        parts = split_names(guess)
        # one part that is a sentence ("A writes about B and lives ...") spoils the guess
        if all(_plausible_name(_POSTS_BY.sub("", part)) for part in parts):
            named = _names([g for g in parts if not _only_in_comments(tree, g)], sites)
            if named:
                return named
    return _names(byline_names(tree), sites)


_AGENCY = re.compile(r"[A-Z]{2,4}|dpa|[A-Z][a-z]{0,2}[A-Z]{1,3}")  # AP, AFP, dpa, UPI


def _plain(text: str) -> str:
    """Letters and digits only: "Lefigaro Fr" repeats the imprint "lefigaro.fr"."""
    return "".join(ch for ch in match_key(text) if ch.isalnum())


_COMPANY = re.compile(r"\b(?:gmbh|inc|ltd|llc|plc|corp|verlag|limited|ediciones|editions|"
                      r"éditions|edizioni|edições|publishing|holdings)\b", re.IGNORECASE)
# a domain: "www." or a name with a lower-case top-level domain ("elmundo.es", "site.com")
_DOMAIN = re.compile(r"\b[Ww][Ww][Ww]\.|\b[\w-]+\.[a-z]{2,6}\b")


def _is_imprint(value: str, sites: set[str]) -> bool:
    """A publisher's credit rather than people: a company form or a domain in it, or
    "Site, City, Country" (the site's name followed by single-word places)."""
    if _COMPANY.search(value) or _DOMAIN.search(value):
        return True
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return (len(parts) >= 3 and names_site(parts[0], sites)
            and all(count_words(p) == 1 for p in parts[1:]))


def _names(names: Iterable[str], sites: set[str]) -> tuple[str, ...]:
    kept = []
    for name in names:
        clean = " ".join(html.unescape(name).split())
        clean = _POSTS_BY.sub("", clean)
        if not _plausible_name(clean):
            continue  # a sentence of a bio box, not a name
        clean = _TITLES.sub("", clean)
        if clean.isupper() and len(clean.split()) > 1:
            clean = clean.title()  # "PHILLIP RAWLS" -> "Phillip Rawls"
        clean = _without_job_title(clean)
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


# "View all posts by A", "More from A", "By: A", "About A": link text or headings around
# a name
_POSTS_BY = re.compile(r"^(?:(?:view\s+)?(?:all\s+)?(?:posts|articles|stories)\s+by|"
                       r"more\s+(?:from|by)|by|from|about)\s*:?\s+", re.IGNORECASE)


# courtesy and academic titles before a name: "Dr. A", "Prof. Dr. A", "Mrs A"
_TITLES = re.compile(r"^(?:(?:dr|prof|mr|mrs|ms|mx)\.?(?:-ing\.)?\s+)+", re.IGNORECASE)


def _without_job_title(name: str) -> str:
    """"Andrea Stone Senior Washington Correspondent" -> "Andrea Stone": the shortest
    name-like start (2-4 words) after which the rest is a job title."""
    words = name.split()
    for size in range(2, min(4, len(words) - 1) + 1):
        if looks_like_name(" ".join(words[:size])) and is_role(" ".join(words[size:])):
            return " ".join(words[:size])
    return name


def _plausible_name(text: str) -> bool:
    """At most five words, and lower-case words only as particles (von, de, al, ...):
    "A writes about B and lives in C" is a bio sentence, not a name. One-word names
    ("Reuters", a login name) and names in scripts without case pass."""
    words = text.split()
    if len(words) > 5:
        return False
    return len(words) < 3 or all(not w[0].islower() or w.casefold() in PARTICLES
                                 for w in words)


def _only_in_comments(tree: Any, name: str) -> bool:
    """True when every element whose text is `name` sits in a comments section."""
    key = match_key(name)
    hits = [e for e in tree.iter()
            if isinstance(e.tag, str) and e.text and match_key(e.text) == key]
    if not hits:
        return False
    return all(in_comments(e) for e in hits)


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

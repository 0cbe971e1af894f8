"""The article's headline, chosen among the titles a page shows and declares.

Real pages get it wrong in a few recurring ways: a <title> carrying " | Site" or
" - Section - Site", a first <h1> that is the site's logo, an og:title with a photo credit
or rewritten for sharing. `page_title` is the headline both the visible page and its
metadata agree on, with the segments that name the site stripped.

When the visible h1 and og:title differ, the editor's choice is the rule:
- the h1, when it is a real headline of this article: not site furniture (it does not name
  the site, and is not in the page's header, nav, footer, aside or a logo/brand/site-title
  element) and most of its words (60%) are in the metadata titles, which are then an SEO
  or social variant of it, or carry the site's name ("Ferry stays: board votes to keep the
  winter crossing running" beside the h1 "Harbour board votes to keep the winter ferry
  running");
- og:title (with the site's name cut), when every h1 is site furniture (the logo, the
  site's name) or says something else (a section name such as "Latest from the harbour").
"""

from __future__ import annotations

import re
from typing import Any

from digest.sources.html_page import (
    CJK,
    article_nodes,
    clean_value,
    element_text,
    match_key,
    meta_values,
    names_site,
    site_names,
    unique_texts,
)

# " | Site", " - Site", " -- Site", " » Section » Site", " :: Site", " / Site", "：Site"
_SEPARATOR = re.compile(r"\s+(?:\||-{1,2}|–|—|»|«|·|::|/|•)\s+|\s*[|｜]\s*|\s*[：]\s*")


def page_title(tree: Any) -> str:
    """The article's headline.

    Metadata titles (JSON-LD headline, og:title, twitter:title, <title>) often carry the
    site's name, and a page's first <h1> is sometimes the site's logo; the visible headline
    is the one both agree on. In order:
    1. a visible headline (h1, itemprop=headline, hAtom entry-title) equal to a metadata
       title, or to its leading part before a separator (" | ", " - ", " » ", ...);
    2. the words a visible headline and a metadata title begin with, when that is most of
       both (an h1 with a byline inside it, an og:title with a photo credit);
    3. an h1 that is this article's headline although the metadata word it differently
       (`_article_h1`): an editor signs the headline readers see, not its SEO or social
       variant;
    4. the first metadata title, explicit headline markup first, with the segments that
       name the site removed: the h1s are site furniture or say something else.
    """
    headlines = tree.xpath("//h1") + _headline_markup(tree)
    visible = [v for v in unique_texts(element_text(e) for e in headlines) if len(v) <= 400]
    sites = site_names(tree)
    metadata = _metadata_titles(tree)
    keys = {match_key(v): v for v in visible}
    for candidate in metadata:
        for option in [candidate, _strip_site(candidate, sites), *_leading_parts(candidate)]:
            if match_key(option) in keys:
                return keys[match_key(option)]
    # a blog template that shows the post's title in an h2 ("Site | Post" in <title>)
    secondary = {match_key(v): v for v in unique_texts(element_text(e) for e in tree.xpath("//h2"))
                 if len(v) <= 400}
    for candidate in metadata:
        segments = [s for s in _leading_parts(candidate) + _trailing_parts(candidate)
                    if match_key(s) in secondary and not names_site(s, sites)]
        if segments:
            return secondary[match_key(max(segments, key=len))]
    for candidate in metadata:
        for shown in visible:
            shared = _shared_start(shown, candidate)
            if shared:
                return shared
    shown = _article_h1(tree, metadata, sites)
    if shown:
        return shown
    # no agreement: trust explicit metadata, then headline markup, then <title>
    document_title = [element_text(t) for t in tree.xpath("//head/title | /html/title")][:1]
    ordered = [c for c in metadata if c not in document_title]
    ordered += [element_text(e) for e in _headline_markup(tree)][:1] + document_title
    for candidate in ordered:
        stripped = _strip_site(candidate, sites)
        if stripped:
            return stripped
    return ""


_FURNITURE = re.compile(r"logo|brand|masthead|site-?(?:title|name)|navbar", re.IGNORECASE)


def _article_h1(tree: Any, metadata: list[str], sites: set[str]) -> str:
    """The first h1 that is a headline of this article although no metadata title agrees
    with it word for word: not site furniture (the site's name, a logo, inside a page
    header, nav or footer) and most of its words found in the metadata titles, which
    are then an SEO or social variant of it ("Hill: Meyer, Saban grandstanding about
    agents" beside the h1 "Florida, Alabama grandstanding?")."""
    declared = set().union(*(_words(m) for m in metadata)) if metadata else set()
    for element in tree.xpath("//body//h1"):
        text = element_text(element)
        words = _words(text)
        if not words or len(text) > 400 or names_site(text, sites) or _is_furniture(element):
            continue
        if len(words & declared) >= max(1, 0.6 * len(words)):
            return text
    return ""


def _is_furniture(element: Any) -> bool:
    for node in [element, *element.iterancestors()]:
        if node.tag in ("header", "nav", "footer", "aside"):
            return True
        if _FURNITURE.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
    return False


def _words(text: str) -> set[str]:
    """Content words of a title (three letters or more), Han and kana one by one."""
    key = match_key(text)
    return {w for w in re.findall(r"[^\W\d_]{3,}", key) if not CJK.match(w)} | set(
        CJK.findall(key))


def _headline_markup(tree: Any) -> list[Any]:
    """itemprop=headline, or the entry-title of a page's single hAtom entry."""
    marked = tree.xpath("//*[@itemprop='headline']")
    entry = tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' hentry ')]"
                       "//*[contains(concat(' ', normalize-space(@class), ' '), ' entry-title ')]")
    return list(marked) + (list(entry) if len(entry) == 1 else [])


def _metadata_titles(tree: Any) -> list[str]:
    """JSON-LD headline, og:title, twitter:title, meta title, <title>: titles the page
    declares for itself, as opposed to the headline it shows."""
    titles = [clean_value(node.get("headline")) or "" for node in article_nodes(tree)]
    for name in ("og:title", "twitter:title", "title", "dc.title", "headline"):
        titles += meta_values(tree, name)
    titles += [element_text(t) for t in tree.xpath("//head/title | /html/title")][:1]
    return unique_texts(titles)


def _leading_parts(title: str) -> list[str]:
    """"A | B | C" -> ["A", "A | B"]: the headline with trailing site and section names cut."""
    cuts = [m.start() for m in _SEPARATOR.finditer(title)]
    return [title[:cut].strip() for cut in cuts if title[:cut].strip()]


def _trailing_parts(title: str) -> list[str]:
    """"A | B | C" -> ["B | C", "C"]: the headline with leading site names cut."""
    ends = [m.end() for m in _SEPARATOR.finditer(title)]
    return [title[end:].strip() for end in ends if title[end:].strip()]


def _strip_site(title: str, sites: set[str]) -> str:
    """Drop leading or trailing separator-delimited segments that name the site."""
    head, colon, rest = title.partition(": ")
    if colon and rest.strip() and names_site(head, sites):  # "Site: Headline"
        title = rest
    parts = _SEPARATOR.split(title)
    if len(parts) < 2 or not sites:
        return title.strip()
    while len(parts) > 1 and names_site(parts[-1], sites):
        parts.pop()
    while len(parts) > 1 and names_site(parts[0], sites):
        parts.pop(0)
    if len(parts) == len(_SEPARATOR.split(title)):
        return title.strip()
    # keep the title's own separators between what is left
    first, last = parts[0], parts[-1]
    return title[title.find(first):title.rfind(last) + len(last)].strip()


def _shared_start(shown: str, meta: str) -> str:
    """The beginning two titles share, when it is most of each and ends between words."""
    a, b = match_key(shown), match_key(meta)
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    if size < 10 or size < 0.6 * min(len(a), len(b)) or size == len(a) == len(b):
        return ""
    if not re.match(r"\s*(?:$|[(\[（【「|:：/»·•_–—-])", b[size:]):
        return ""  # the metadata title goes on with more words: a rewrite, not an appendage
    ends_word = all(len(k) == size or not k[size].isalnum() or not k[size - 1].isalnum()
                    or CJK.match(k[size - 1]) for k in (a, b))
    if not ends_word:
        return ""
    # map the shared length back onto the visible text (keys only fold case and spaces)
    words = a[:size].split()
    out = " ".join(shown.split())
    cut = len(" ".join(out.split()[:len(words)]))
    result = out[:cut] if match_key(out[:cut]) == a[:size].strip() else out[:size]
    return result.strip(" \t-–—|:：（(") or ""

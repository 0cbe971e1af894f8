"""Saved or fetched HTML article pages, read with trafilatura.

trafilatura keeps the main text and drops navigation, comments, share bars, related links
and footers; it also finds date, site name, canonical URL, description and lead image in
the page's metadata (Open Graph, JSON-LD, meta tags). Title and authors are read here first
(see `page_title` and `page_authors`), with trafilatura's own guess as the fallback, because
real pages get them wrong in a few recurring ways: a <title> carrying " | Site" or
" - Section - Site", a publisher in meta author, JSON-LD authors given by @id reference,
commenters taken for the author.

Pages are third-party input: a problem raises ContentError, which the loader turns into a
warning and skips the page. Non-fatal oddities (no date) come back as warnings.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from trafilatura.utils import load_html

from digest.errors import ContentError
from digest.models import Article
from digest.sources.common import (
    as_datetime,
    as_names,
    file_time,
    is_role,
    slugify,
    split_names,
)
from digest.sources.common import checked_url as _checked_url

MAX_PAGE_BYTES = 5_000_000  # saved pages above this are not articles worth parsing
MIN_WORDS = 40  # less main text than this: an index, login or error page, not an article
_DATES = {"extensive_search": False, "original_date": True}  # no guessing from stray text


def read_html(path: Path, tz: tzinfo) -> tuple[list[Article], list[str]]:
    """One saved page -> one article (plus warnings)."""
    size = path.stat().st_size
    if size > MAX_PAGE_BYTES:
        raise ContentError(path, f"page is {size / 1e6:.1f} MB, over the "
                                 f"{MAX_PAGE_BYTES / 1e6:.0f} MB limit for saved pages")
    article, warnings = article_from_html(path.read_bytes(), path, tz, fallback=file_time(path, tz))
    return [article], warnings


def article_from_html(data: bytes, source: Path | str, tz: tzinfo, *, url: str | None = None,
                      fallback: datetime) -> tuple[Article, list[str]]:
    """Extract one article from page bytes; trafilatura detects the encoding."""
    if not data.strip():
        raise ContentError(source, "page is empty")
    try:
        document = trafilatura.bare_extraction(
            data, url=url, with_metadata=True, include_comments=False, include_tables=False,
            favor_precision=True, date_extraction_params=_DATES,
        )
    except (ValueError, TypeError, AssertionError) as error:  # lxml/trafilatura on bad markup
        raise ContentError(source, f"cannot parse the page: {error}") from None
    if document is None:
        raise ContentError(source, "no article text found (not an article page?)")
    meta: dict[str, Any] = document if isinstance(document, dict) else document.as_dict()
    tree = _tree(data)
    title = (page_title(tree) if tree is not None else "") or _clean(meta.get("title")) or ""
    lines = [line.strip() for line in (meta.get("text") or "").splitlines() if line.strip()]
    if lines and title and " ".join(lines[0].split()) == title:
        lines = lines[1:]  # the page's own <h1> repeats the title
    text = "\n\n".join(lines)
    words = word_count(text)
    if words < MIN_WORDS:
        raise ContentError(source, f"only {words} words of main text (not an article page?)")
    if not title:
        raise ContentError(source, "page has no title")
    if tree is not None and _is_front_page(tree):
        raise ContentError(source, "page is a site's front page (its canonical URL is the "
                                   "site or language root, or its title says home page), "
                                   "not an article")
    warnings: list[str] = []
    if b"</html" not in data[-4096:].lower() and b"</body" not in data[-4096:].lower():
        warnings.append(f"{source}: page looks truncated (no closing </body> or </html>); "
                        "used the text it has")
    published = _published(meta.get("date"), tz, source)
    if published is None:
        published = fallback
        warnings.append(f"{source}: no publication date found; using {fallback:%Y-%m-%d}")
    link = _safe_url(meta.get("url"), source, warnings) or url
    return Article(
        title=title,
        body=text,
        source=source,
        published=published,
        authors=_authors(tree, meta),
        url=link,
        description=_clean(meta.get("description")),
        site_name=_clean(meta.get("sitename")),
        image=_safe_url(meta.get("image"), source, []),
        slug=slugify(Path(str(source)).stem if isinstance(source, Path) else title),
        date_from_file=published is fallback,
    ), warnings


def _published(value: Any, tz: tzinfo, source: Path | str) -> datetime | None:
    if not value:
        return None
    try:
        return as_datetime(str(value), tz, source)
    except ContentError:
        return None


def _safe_url(value: Any, source: Path | str, warnings: list[str]) -> str | None:
    """A page's own links are third-party: a non-http(s) one is dropped with a warning."""
    try:
        return _checked_url(value, source)
    except ContentError as error:
        warnings.append(f"{error}; ignored")
        return None


def _clean(value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


# --- title and authors ----------------------------------------------------------------------

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def word_count(text: str) -> int:
    """Words of text; Chinese and Japanese are written without spaces, so there two
    characters count as one word (a usual average for both)."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + (cjk + 1) // 2


def _tree(data: bytes) -> Any:
    try:
        return load_html(data)
    except (ValueError, TypeError, AssertionError):
        return None


# " | Site", " - Site", " -- Site", " » Section » Site", " :: Site", " / Site", "：Site"
_SEPARATOR = re.compile(r"\s+(?:\||-{1,2}|–|—|»|«|·|::|/|•)\s+|\s*[|｜]\s*|\s*[：]\s*")
_ARTICLE_TYPES = ("article", "posting", "report", "newsarticle", "blogposting", "webpage")
_NOT_NAMES = {"admin", "administrator", "anonymous", "author", "by", "editor", "editorial",
              "posted", "published", "share", "staff", "submitted", "unknown", "updated",
              "written"}


def page_title(tree: Any) -> str:
    """The article's headline.

    Metadata titles (JSON-LD headline, og:title, twitter:title, <title>) often carry the
    site's name, and a page's first <h1> is sometimes the site's logo; the visible headline
    is the one both agree on. In order:
    1. a visible headline (h1, itemprop=headline, hAtom entry-title) equal to a metadata
       title, or to its leading part before a separator (" | ", " - ", " » ", ...);
    2. the words a visible headline and a metadata title begin with, when that is most of
       both (an h1 with a byline inside it, an og:title with a photo credit);
    3. the first metadata title, explicit headline markup first, with the segments that
       name the site removed.
    """
    visible = [v for v in _unique(_text(e) for e in tree.xpath("//h1") + _headline_markup(tree))
               if len(v) <= 400]
    sites = _site_names(tree)
    metadata = _metadata_titles(tree)
    keys = {_key(v): v for v in visible}
    for candidate in metadata:
        for option in [candidate, _strip_site(candidate, sites), *_leading_parts(candidate)]:
            if _key(option) in keys:
                return keys[_key(option)]
    # a blog template that shows the post's title in an h2 ("Site | Post" in <title>)
    secondary = {_key(v): v for v in _unique(_text(e) for e in tree.xpath("//h2"))
                 if len(v) <= 400}
    for candidate in metadata:
        segments = [s for s in _leading_parts(candidate) + _trailing_parts(candidate)
                    if _key(s) in secondary and not _names_site(s, sites)]
        if segments:
            return secondary[_key(max(segments, key=len))]
    for candidate in metadata:
        for shown in visible:
            shared = _shared_start(shown, candidate)
            if shared:
                return shared
    # no agreement: trust explicit metadata, then headline markup, then <title>
    document_title = [_text(t) for t in tree.xpath("//head/title | /html/title")][:1]
    ordered = [c for c in metadata if c not in document_title]
    ordered += [_text(e) for e in _headline_markup(tree)][:1] + document_title
    for candidate in ordered:
        stripped = _strip_site(candidate, sites)
        if stripped:
            return stripped
    return ""


def _headline_markup(tree: Any) -> list[Any]:
    """itemprop=headline, or the entry-title of a page's single hAtom entry."""
    marked = tree.xpath("//*[@itemprop='headline']")
    entry = tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' hentry ')]"
                       "//*[contains(concat(' ', normalize-space(@class), ' '), ' entry-title ')]")
    return list(marked) + (list(entry) if len(entry) == 1 else [])


def _metadata_titles(tree: Any) -> list[str]:
    """JSON-LD headline, og:title, twitter:title, meta title, <title>: titles the page
    declares for itself, as opposed to the headline it shows."""
    titles = [_clean(node.get("headline")) or "" for node in _article_nodes(tree)]
    for name in ("og:title", "twitter:title", "title", "dc.title", "headline"):
        titles += _meta(tree, name)
    titles += [_text(t) for t in tree.xpath("//head/title | /html/title")][:1]
    return _unique(titles)


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
    if colon and rest.strip() and _names_site(head, sites):  # "Site: Headline"
        title = rest
    parts = _SEPARATOR.split(title)
    if len(parts) < 2 or not sites:
        return title.strip()
    while len(parts) > 1 and _names_site(parts[-1], sites):
        parts.pop()
    while len(parts) > 1 and _names_site(parts[0], sites):
        parts.pop(0)
    if len(parts) == len(_SEPARATOR.split(title)):
        return title.strip()
    # keep the title's own separators between what is left
    first, last = parts[0], parts[-1]
    return title[title.find(first):title.rfind(last) + len(last)].strip()


def _names_site(segment: str, sites: set[str]) -> bool:
    key = _key(segment).replace(" ", "")
    return bool(key) and any(site in key or (len(key) >= 4 and key in site) for site in sites)


def _site_names(tree: Any) -> set[str]:
    names = _meta(tree, "og:site_name") + _meta(tree, "application-name")
    names += _meta(tree, "apple-mobile-web-app-title")
    for node in _json_ld(tree):
        if _types(node) & {"website", "organization", "newsmediaorganization"}:
            names.append(_clean(node.get("name")) or "")
        publisher = node.get("publisher")
        if isinstance(publisher, dict):
            names.append(_clean(publisher.get("name")) or "")
    for url in _canonical_urls(tree):
        host = urlsplit(url).hostname or ""
        labels = [x for x in host.split(".") if x not in ("www", "com", "org", "net", "co")]
        names += [max(labels, key=len)] if labels else []
    keys = {_key(n).replace(" ", "") for n in names}
    return {k for k in keys if len(k) >= 3}


def _shared_start(shown: str, meta: str) -> str:
    """The beginning two titles share, when it is most of each and ends between words."""
    a, b = _key(shown), _key(meta)
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
                    or _CJK.match(k[size - 1]) for k in (a, b))
    if not ends_word:
        return ""
    # map the shared length back onto the visible text (keys only fold case and spaces)
    words = a[:size].split()
    out = " ".join(shown.split())
    cut = len(" ".join(out.split()[:len(words)]))
    result = out[:cut] if _key(out[:cut]) == a[:size].strip() else out[:size]
    return result.strip(" \t-–—|:：（(") or ""


def _authors(tree: Any, meta: dict[str, Any]) -> tuple[str, ...]:
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
    sites = _site_names(tree)
    people = _json_ld_people(tree)
    if people:
        return _names(people, sites)
    metas: list[str] = []
    imprints: list[str] = []
    for name in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                 "article_author", "byl"):
        for value in _meta(tree, name):
            value = html.unescape(value)
            if "://" in value or value.startswith("@") or value.startswith("www."):
                continue
            if _is_imprint(value, sites):
                imprints.append(_key(value))
                continue
            metas += split_names(value)
    named = _names(metas, sites)
    if named:
        return named
    guess = html.unescape(str(meta.get("author") or ""))
    if guess and not _is_imprint(guess.replace(";", ","), sites) and not any(
            _key(part) in imprint for imprint in imprints for part in guess.split(";")):
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
    return (len(parts) >= 3 and _names_site(parts[0], sites)
            and all(len(p.split()) == 1 for p in parts[1:]))


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
        text = _BY_WORDS.sub("", _text(element))
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
    people = [n for n in kept if _key(n).replace(" ", "") not in sites]
    return as_names(people or kept)


# "View all posts by A", "More from A", "By: A": link text around a name
_POSTS_BY = re.compile(r"^(?:(?:view\s+)?(?:all\s+)?(?:posts|articles|stories)\s+by|"
                       r"more\s+(?:from|by)|by|from)\s*:?\s+", re.IGNORECASE)


def _only_in_comments(tree: Any, name: str) -> bool:
    """True when every element whose text is `name` sits in a comments section."""
    key = _key(name)
    hits = [e for e in tree.iter() if isinstance(e.tag, str) and e.text and _key(e.text) == key]
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


def _json_ld(tree: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph members included."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "")
        except ValueError:
            continue
        found += list(_flatten(data))
    return found


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _flatten(data["@graph"])


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).lower() for v in values if v}


def _article_nodes(tree: Any) -> list[dict[str, Any]]:
    return [n for n in _json_ld(tree)
            if any(t.endswith(_ARTICLE_TYPES) and t != "webpage" for t in _types(n))]


def _json_ld_people(tree: Any) -> list[str]:
    """Names of the people credited as author of the page's Article (resolving @id)."""
    nodes = _json_ld(tree)
    by_id = {str(n["@id"]): n for n in nodes if n.get("@id") and (n.get("name") or n.get("@type"))}
    people: list[str] = []
    for article in _article_nodes(tree):
        value = article.get("author") or article.get("creator")
        for person in value if isinstance(value, list) else [value]:
            if isinstance(person, dict) and "@id" in person and not person.get("name"):
                person = by_id.get(str(person["@id"]), person)
            if isinstance(person, str):
                people += split_names(person) if "://" not in person else []
            elif isinstance(person, dict):
                kinds = _types(person)
                if kinds and not kinds & {"person"}:
                    continue  # an Organization is the publisher, not a writer
                people += [html.unescape(_clean(person.get("name")) or "")]
    return [p for p in people if p]


def _meta(tree: Any, name: str) -> list[str]:
    path = ("//meta[translate(@property, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
            "'abcdefghijklmnopqrstuvwxyz')=$n or translate(@name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
            " 'abcdefghijklmnopqrstuvwxyz')=$n]/@content")
    return [v for v in (_clean(x) for x in tree.xpath(path, n=name)) if v]


_HOME = {"home", "homepage", "home page", "startseite", "accueil", "inicio", "portada",
         "página inicial", "pagina iniziale", "hoofdpagina", "etusivu", "forside", "startsida"}
_ROOT_PATH = re.compile(r"/?(?:[a-z]{2}(?:[-_][a-z]{2})?/?)?", re.IGNORECASE)


def _is_front_page(tree: Any) -> bool:
    """A site's front page: its own canonical URL (og:url, rel=canonical, relative ones
    too) is the site root or a language root ("/", "/de", "/en-us/"), or its <title>
    begins with the word for "home page" ("Home | Site", "Startseite: Stadt X")."""
    paths = [urlsplit(u).path for u in _canonical_urls(tree) if u.strip()]
    if paths and all(_ROOT_PATH.fullmatch(path) for path in paths):
        return True
    titles = [_text(t) for t in tree.xpath("//head/title | /html/title")][:1]
    first = re.split(r"\s*[:|–—»·-]\s+|\s+[|–—»·-]\s*", titles[0])[0] if titles else ""
    return _key(first).strip(" #") in _HOME


def _canonical_urls(tree: Any) -> list[str]:
    return _meta(tree, "og:url") + [str(u) for u in tree.xpath("//link[@rel='canonical']/@href")]


def _text(element: Any) -> str:
    return " ".join(str(element.text_content()).split())


def _key(text: str) -> str:
    """Comparison form of a title: NFKC, casefolded, quotes unified, spaces collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"[\u2018\u2019\u201a\u201b\u2032`\u00b4]", "'", folded)
    folded = re.sub(r"[\u201c\u201d\u201e\u201f\u00ab\u00bb]", '"', folded)
    return " ".join(folded.split())


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        item = " ".join(item.split())
        if item and item not in seen:
            seen.append(item)
    return seen

"""Saved or fetched HTML article pages, read with trafilatura.

trafilatura keeps the main text and drops navigation, comments, share bars, related links
and footers; it also finds date, site name, canonical URL, description and lead image in
the page's metadata (Open Graph, JSON-LD, meta tags). Title and authors are read first by
the rules in `html_titles.page_title` and `html_authors.page_authors`, with trafilatura's
own guess as the fallback, because real pages get them wrong in a few recurring ways: a
<title> carrying " | Site" or " - Section - Site", a publisher in meta author, JSON-LD
authors given by @id reference, commenters taken for the author.

Pages are third-party input: a problem raises ContentError, which the loader turns into a
warning and skips the page. Non-fatal oddities (no date) come back as warnings.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura

from digest.errors import ContentError
from digest.links import checked_url as _checked_url
from digest.links import slugify
from digest.models import Article
from digest.sources.common import as_datetime, clean_article, file_time, read_within
from digest.sources.html_authors import page_authors
from digest.sources.html_page import (
    canonical_urls,
    clean_value,
    element_text,
    match_key,
    parse_tree,
)
from digest.sources.html_titles import page_title
from digest.words import count_words

MAX_PAGE_BYTES = 5_000_000  # saved pages above this are not articles worth parsing
MIN_WORDS = 40  # less main text than this: an index, login or error page, not an article
_DATES = {"extensive_search": False, "original_date": True}  # no guessing from stray text


def read_html(path: Path, tz: tzinfo) -> tuple[list[Article], list[str]]:
    """One saved page -> one article (plus warnings)."""
    data = read_within(path, MAX_PAGE_BYTES, "page", " for saved pages")
    article, warnings = article_from_html(data, path, tz, fallback=file_time(path, tz))
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
    tree = parse_tree(data)
    title = (page_title(tree) if tree is not None else "") or clean_value(meta.get("title")) or ""
    lines = [line.strip() for line in (meta.get("text") or "").splitlines() if line.strip()]
    if lines and title and " ".join(lines[0].split()) == title:
        lines = lines[1:]  # the page's own <h1> repeats the title
    text = "\n\n".join(lines)
    words = count_words(text)
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
    return clean_article(Article(
        title=title,
        body=text,
        source=source,
        published=published,
        authors=page_authors(tree, meta),
        url=link,
        description=clean_value(meta.get("description")),
        site_name=clean_value(meta.get("sitename")),
        image=_safe_url(meta.get("image"), source, []),
        slug=slugify(Path(str(source)).stem if isinstance(source, Path) else title),
        date_from_file=published is fallback,
    )), warnings


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


_HOME = {"home", "homepage", "home page", "startseite", "accueil", "inicio", "portada",
         "página inicial", "pagina iniziale", "hoofdpagina", "etusivu", "forside", "startsida"}
_ROOT_PATH = re.compile(r"/?(?:[a-z]{2}(?:[-_][a-z]{2})?/?)?", re.IGNORECASE)


def _is_front_page(tree: Any) -> bool:
    """A site's front page: its own canonical URL (og:url, rel=canonical, relative ones
    too) is the site root or a language root ("/", "/de", "/en-us/"), or its <title>
    begins with the word for "home page" ("Home | Site", "Startseite: Stadt X")."""
    paths = [urlsplit(u).path for u in canonical_urls(tree) if u.strip()]
    if paths and all(_ROOT_PATH.fullmatch(path) for path in paths):
        return True
    titles = [element_text(t) for t in tree.xpath("//head/title | /html/title")][:1]
    first = re.split(r"\s*[:|–—»·-]\s+|\s+[|–—»·-]\s*", titles[0])[0] if titles else ""
    return match_key(first).strip(" #") in _HOME

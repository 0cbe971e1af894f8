"""Saved or fetched HTML article pages, read with trafilatura.

trafilatura keeps the main text and drops navigation, comments, share bars, related links
and footers; it also finds title, author(s), date, site name, canonical URL, description
and lead image in the page's metadata (Open Graph, JSON-LD, meta tags).

Pages are third-party input: a problem raises ContentError, which the loader turns into a
warning and skips the page. Non-fatal oddities (no date) come back as warnings.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import trafilatura

from digest.errors import ContentError
from digest.models import Article
from digest.sources.common import as_datetime, as_names, file_time, slugify, split_names
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
    title = " ".join(str(meta.get("title") or "").split())
    lines = [line.strip() for line in (meta.get("text") or "").splitlines() if line.strip()]
    if lines and title and " ".join(lines[0].split()) == title:
        lines = lines[1:]  # the page's own <h1> repeats the title
    text = "\n\n".join(lines)
    words = len(text.split())
    if words < MIN_WORDS:
        raise ContentError(source, f"only {words} words of main text (not an article page?)")
    if not title:
        raise ContentError(source, "page has no title")
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
        authors=as_names(split_names(str(meta.get("author") or ""))),
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

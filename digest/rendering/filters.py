"""The filters templates use: safe links and attributes, wrapped text, and a card's details
(its date, reading time and source site)."""

from __future__ import annotations

import re
import textwrap
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from digest.models import Article

_ATTR_SPACE = re.compile(r"[\s\u00a0\u2028\u2029]+")
# Whitespace, control characters, quotes, angle brackets and backslashes never belong in a URL.
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f-\xa0\"'<>\\`]")
WORDS_PER_MINUTE = 230
# Below this a body is a feed's summary or a teaser, not the article: its time would mislead.
MIN_WORDS_FOR_READING_TIME = 150


def safe_url(value: Any) -> str:
    """Links from content: http(s) only, whatever the loader let through."""
    url = str(value or "").strip()
    if _URL_UNSAFE.search(url):
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    return ""


def attr(value: Any) -> str:
    """One-line attribute text: MRML mangles newlines, tabs, NBSP and backslashes in attributes."""
    return _ATTR_SPACE.sub(" ", str(value or "")).replace("\\", "/").strip()


def wrap_text(value: Any, width: int = 72, indent: str = "") -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", str(value or "")) if p.strip()]
    return "\n\n".join(
        textwrap.fill(" ".join(p.split()), width=width, initial_indent=indent,
                      subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
        for p in paragraphs
    )


def reading_minutes(article: Article) -> int | None:
    """Minutes to read the whole article, or None when its body is too short to tell."""
    if article.words < MIN_WORDS_FOR_READING_TIME:
        return None
    return max(1, round(article.words / WORDS_PER_MINUTE))


def host_of(url: str | None) -> str:
    host = (urlsplit(url or "").hostname or "").lower()
    return host.removeprefix("www.")


def source_site(article: Article, own_url: str) -> str:
    """The site an article comes from: its site name, else its link's host; nothing when it
    is the newsletter's own site, which would only repeat the masthead."""
    site = (article.site_name or "").strip() or host_of(safe_url(article.url))
    return "" if site == host_of(own_url) else site


def local_date(moment: datetime, zone: tzinfo, pattern: str = "%-d %B %Y") -> str:
    """A date as the newsletter's readers count days: in its time zone."""
    return moment.astimezone(zone).strftime(pattern)

"""RSS 2.0 and Atom feeds (files in content/ or fetched URLs), read with feedparser.

Every entry becomes an article. Entry HTML is third-party markup and is reduced to plain
text. Relative entry links are resolved as feed readers do (`feed_links`). Problems are
warnings named by source and line: an entry without a title, or whose link cannot be made
an absolute http(s) URL, is skipped; one without a date takes the feed's date, else the
fetch time.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import feedparser

from digest.errors import ContentError, located
from digest.links import checked_url, slugify
from digest.models import Article
from digest.sources.common import (
    as_names,
    clean_article,
    file_time,
    is_role,
    read_within,
    split_names,
    without_controls,
)
from digest.sources.feed_links import entry_lines, feed_base, resolve
from digest.sources.htmltext import html_to_text
from digest.weeks import YEARS

MAX_FEED_BYTES = 10_000_000


def read_feed_file(path: Path, tz: tzinfo) -> tuple[list[Article], list[str]]:
    data = read_within(path, MAX_FEED_BYTES, "feed")
    return parse_feed(data, path, tz, fetched=file_time(path, tz))


def parse_feed(data: bytes, source: Path | str, tz: tzinfo, fetched: datetime,
               fetched_from: str | None = None) -> tuple[list[Article], list[str]]:
    """All entries of one feed document, plus warnings about the ones that needed help.
    `fetched_from` is the URL the document came from, the last base for relative links."""
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=True)
    warnings: list[str] = []
    if parsed.get("bozo"):
        problem = _bozo_message(parsed.get("bozo_exception"))
        if not parsed.entries:
            raise ContentError(source, f"not a readable RSS/Atom feed: {problem[1]}",
                               line=problem[0])
        warnings.append(located(source, problem[0], f"feed is not well-formed ({problem[1]}); "
                                                    "read it leniently"))
    if not parsed.entries:
        if not parsed.get("version"):
            raise ContentError(source, "not an RSS or Atom feed")
        warnings.append(f"{source}: feed has no entries")
    channel = parsed.get("feed", {})
    site = " ".join(str(channel.get("title") or "").split()) or None
    feed_date = _moment(channel.get("published_parsed") or channel.get("updated_parsed"))
    feed_authors = _authors(channel)
    base = feed_base(channel, fetched_from)
    lines = entry_lines(data, len(parsed.entries))
    articles = []
    for number, entry in enumerate(parsed.entries, 1):
        where = located(source, lines[number - 1], f"entry {number}")
        title = " ".join(without_controls(html_to_text(str(entry.get("title") or ""))).split())
        if not title:
            warnings.append(f"{where}: entry has no title; skipped")
            continue
        published = _moment(entry.get("published_parsed") or entry.get("updated_parsed"))
        if published is None:
            published = feed_date or fetched
            what = "the feed's date" if feed_date else "the fetch time"
            warnings.append(f"{where} ({title!r}): no date; using {what} "
                            f"{published.astimezone(tz):%Y-%m-%d %H:%M}")
        try:
            url = checked_url(resolve(entry.get("link"), base), where)
        except ContentError as error:
            warnings.append(f"{error}; entry skipped")
            continue
        summary = html_to_text(str(entry.get("summary") or ""))
        content = _content(entry)
        articles.append(clean_article(Article(
            title=title,
            body=content or summary,
            source=source,
            published=published.astimezone(tz),
            authors=_authors(entry) or feed_authors,
            url=url,
            tags=tuple(str(t.get("term")) for t in entry.get("tags", []) if t.get("term")),
            description=summary if content and summary else None,
            site_name=site,
            image=_image(entry, base),
            slug=slugify(title),
        )))
    return articles, warnings


def _bozo_message(error: Any) -> tuple[int | None, str]:
    line = None
    get_line = getattr(error, "getLineNumber", None)
    if callable(get_line):
        try:
            line = int(get_line())
        except (TypeError, ValueError):
            line = None
    message = getattr(error, "getMessage", None)
    text = str(message() if callable(message) else error)
    return line, " ".join(text.split()) or "unknown problem"


def _moment(value: time.struct_time | None) -> datetime | None:
    """feedparser normalises dates to UTC struct_time. A year digest does not handle
    (9999) counts as no date: converting it between time zones would overflow."""
    if not value or not YEARS[0] <= value.tm_year <= YEARS[1]:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def _authors(node: Any) -> tuple[str, ...]:
    raw = html_to_text(str(node.get("author") or ""))
    # RSS <author> is "mail@example.org (Name)"; feedparser's own split of it is unreliable.
    if "@" in raw:
        match = re.search(r"\(([^)]+)\)", raw)
        return as_names(split_names(match.group(1))) if match else ()
    names: list[str] = []
    for person in node.get("authors") or []:
        names += split_names(html_to_text(str(person.get("name") or "")))
    contributors = [" ".join(str(c.get("name") or "").split())
                    for c in node.get("contributors") or []]
    kept: list[str] = []
    for name in names or split_names(raw):
        # a label's credit naming a contributor ("Label Media - Jane Doe") is that person
        name = next((c for c in contributors
                     if c and c.casefold() in name.casefold() and c != name), name)
        # "Name, Director of X": the part after the comma is a job title, not a person;
        # RSS <author> and dc:creator often repeat the same name
        if not is_role(name) and name not in kept:
            kept.append(name)
    return as_names(kept)


def _content(entry: Any) -> str:
    """The longest full-content body the entry offers, as text."""
    bodies = [html_to_text(str(part.get("value") or "")) for part in entry.get("content") or []]
    return max(bodies, key=len, default="")


def _image(entry: Any, base: str | None) -> str | None:
    candidates = [m.get("url") for m in entry.get("media_thumbnail") or []]
    candidates += [m.get("url") for m in entry.get("media_content") or []
                   if str(m.get("medium", m.get("type", ""))).startswith("image")]
    candidates += [e.get("href") for e in entry.get("enclosures") or []
                   if str(e.get("type", "")).startswith("image/")]
    for candidate in candidates:
        try:
            url = checked_url(resolve(candidate, base), "feed image")
        except ContentError:
            continue
        if url:
            return url
    return None

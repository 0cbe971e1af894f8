"""Scraped plain text: publication line, title (often repeated), body, Author heading, bio.

    Publication Name

    The Title
    The Title            <- repeated by many scrapers; dropped

    Body paragraphs ...

    Author               <- also "About the author", "Authors"
    Jane Doe
    Bio paragraph ...
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from pathlib import Path

from digest.errors import ContentError
from digest.models import Article
from digest.sources.common import file_time, slugify

_AUTHOR_HEADING = re.compile(r"^(?:about\s+the\s+)?authors?:?$", re.IGNORECASE)
# "By Jane Doe | November 24, 2026", "By Jane Doe", "24 November 2026"
_BYLINE = re.compile(r"^(?:by\s+(?P<name>[^|]+?))?\s*(?:[|·•–—-]\s*)?(?P<date>[\w ,.-]+\d{4})?$",
                     re.IGNORECASE)
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%b. %d, %Y")


def _parse_date(text: str) -> datetime | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def _read_byline(line: str) -> tuple[str | None, datetime | None] | None:
    """A byline or dateline under the title, or None when the line is body text."""
    match = _BYLINE.match(line)
    if not match or not (match.group("name") or match.group("date")):
        return None
    date = _parse_date(match.group("date")) if match.group("date") else None
    if match.group("date") and date is None:
        return None
    name = match.group("name")
    if name and len(name.split()) > 5:  # a sentence starting with "By", not a byline
        return None
    return (name.strip() if name else None), date


def _blocks(text: str) -> list[tuple[int, str]]:
    """Non-empty lines with their 1-based line numbers (each line is a paragraph)."""
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)
            if line.strip()]


def read_scraped(path: Path, tz: tzinfo) -> Article:
    text = path.read_text(encoding="utf-8-sig")
    blocks = _blocks(text)
    if len(blocks) < 3:
        raise ContentError(
            path, "scraped article needs a publication line, a title and a body", line=1
        )
    publication, title = blocks[0][1], blocks[1][1]
    rest = blocks[2:]
    while rest and rest[0][1] == title:  # scrapers often repeat the title
        rest = rest[1:]
    byline_name, published = None, None
    byline = _read_byline(rest[0][1]) if rest else None
    if byline is not None:
        byline_name, published = byline
        rest = rest[1:]
    body_lines: list[str] = []
    author_name: str | None = None
    bio_lines: list[str] = []
    for index, (_, line) in enumerate(rest):
        if _AUTHOR_HEADING.match(line) and index + 1 < len(rest):
            author_name = rest[index + 1][1]
            bio_lines = [entry[1] for entry in rest[index + 2 :]]
            break
        body_lines.append(line)
    if not body_lines:
        raise ContentError(path, "scraped article has no body text after its title", line=1)
    name = author_name or byline_name
    return Article(
        title=title,
        body="\n\n".join(body_lines),
        source=path,
        published=published.replace(tzinfo=tz) if published else file_time(path, tz),
        authors=(name,) if name else (),
        bio="\n\n".join(bio_lines) or None,
        site_name=publication,
        slug=slugify(path.stem),
        date_from_file=published is None,
    )

"""Markdown articles with YAML front matter."""

from __future__ import annotations

import re
from datetime import tzinfo
from pathlib import Path

from digest.errors import ContentError
from digest.links import checked_url, slugify
from digest.models import Article
from digest.sources.common import as_datetime, as_names, as_tags, file_time
from digest.sources.frontmatter import split_front_matter

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+", re.MULTILINE)
_QUOTE_MARK = re.compile(r"^>\s?", re.MULTILINE)
_FENCE = re.compile(r"^```.*?^```\s*$", re.MULTILINE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]+>")

KNOWN_KEYS = {"title", "author", "authors", "date", "url", "tags", "excerpt", "description",
              "image", "slug", "bio", "site_name"}


def markdown_to_text(markdown: str) -> str:
    """Plain text for excerpting: markup removed, paragraphs kept apart by blank lines."""
    text = _FENCE.sub("", markdown)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _HEADING.sub("", text)
    text = _LIST_MARK.sub("", text)
    text = _QUOTE_MARK.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def read_markdown(path: Path, tz: tzinfo) -> Article:
    text = path.read_text(encoding="utf-8-sig")
    meta, body, _ = split_front_matter(text, path)
    title = str(meta.get("title") or "").strip()
    if not title:
        raise ContentError(path, "article has no title (add `title:` to its front matter)", line=1)
    if "date" in meta and meta["date"] not in (None, ""):
        published, from_file = as_datetime(meta["date"], tz, path), False
    else:
        published, from_file = file_time(path, tz), True
    excerpt = str(meta["excerpt"]).strip() if meta.get("excerpt") else None
    return Article(
        title=title,
        body=markdown_to_text(body),
        source=path,
        published=published,
        authors=as_names(meta.get("authors", meta.get("author"))),
        url=checked_url(meta.get("url"), path),
        tags=as_tags(meta.get("tags")),
        excerpt=excerpt,
        description=str(meta["description"]).strip() if meta.get("description") else None,
        bio=str(meta["bio"]).strip() if meta.get("bio") else None,
        site_name=str(meta["site_name"]).strip() if meta.get("site_name") else None,
        image=checked_url(meta.get("image"), path),
        slug=str(meta.get("slug") or slugify(path.stem)),
        date_from_file=from_file,
    )

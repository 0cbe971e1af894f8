"""Markdown articles with YAML front matter."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from digest.errors import ContentError, located
from digest.links import checked_url, slugify
from digest.models import Article
from digest.sources.common import (
    as_datetime,
    as_names,
    as_tags,
    clean_article,
    file_time,
    without_controls,
)
from digest.sources.frontmatter import split_front_matter
from digest.sources.htmltext import html_to_text
from digest.yamlfile import unknown_key

# Every front matter key the reader below reads; any other is a warning (a typo such as
# `autor:` would otherwise drop the author without a word).
KNOWN_KEYS = {"title", "author", "authors", "date", "url", "tags", "excerpt", "description",
              "image", "image_alt", "lang", "slug", "bio", "site_name"}
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")  # en, fr, pt-BR, zh-Hant


def _no_code(renderer: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
    return ""  # code is not prose: no excerpt or word count should see it


# CommonMark (setext and ATX headings, reference links, indented and fenced code, raw HTML)
# plus the GitHub tables and ~~strikethrough~~ editors also write.
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_MARKDOWN.add_render_rule("fence", _no_code)
_MARKDOWN.add_render_rule("code_block", _no_code)


def markdown_to_text(markdown: str) -> str:
    """Plain text for excerpting: markup removed, paragraphs kept apart by blank lines.

    The Markdown is parsed, then its HTML read like any other (`html_to_text`): headings,
    list items, quotes and table rows become paragraphs of their own (a row's cells joined
    by spaces); link text stays and reference definitions go; images and code are dropped.
    """
    return html_to_text(_MARKDOWN.render(markdown))


def read_markdown(path: Path, tz: tzinfo, warnings: list[str] | None = None) -> Article:
    """One Markdown article; a front matter key it does not know (`autor:`) is a warning
    naming file and line, added to `warnings`."""
    text = without_controls(path.read_text(encoding="utf-8-sig"))
    front, body, _ = split_front_matter(text, path)
    if warnings is not None:
        warnings += [located(path, front.key_line(str(key)),
                             f"{unknown_key(key, KNOWN_KEYS, 'front matter key')}; ignored")
                     for key in front.data if str(key) not in KNOWN_KEYS]
    meta = {str(key): value for key, value in front.data.items() if str(key) in KNOWN_KEYS}
    title = without_controls(str(meta.get("title") or "")).strip()
    if not title:
        raise ContentError(path, "article has no title (add `title:` to its front matter)", line=1)
    if "date" in meta and meta["date"] not in (None, ""):
        published = as_datetime(meta["date"], tz, path, front.key_line("date"))
        from_file = False
    else:
        published, from_file = file_time(path, tz), True
    excerpt = str(meta["excerpt"]).strip() if meta.get("excerpt") else None
    lang = str(meta.get("lang") or "").strip() or None
    if lang and not _LANGUAGE_TAG.match(lang):
        raise ContentError(path, f"lang: {lang!r} is not a language tag (such as fr or pt-BR)",
                           line=front.key_line("lang"))
    return clean_article(Article(
        title=title,
        body=markdown_to_text(body),
        source=path,
        published=published,
        authors=as_names(meta.get("authors", meta.get("author"))),
        url=checked_url(meta.get("url"), path, front.key_line("url")),
        tags=as_tags(meta.get("tags")),
        excerpt=excerpt,
        description=str(meta["description"]).strip() if meta.get("description") else None,
        bio=str(meta["bio"]).strip() if meta.get("bio") else None,
        site_name=str(meta["site_name"]).strip() if meta.get("site_name") else None,
        image=checked_url(meta.get("image"), path, front.key_line("image")),
        image_alt=str(meta["image_alt"]).strip() if meta.get("image_alt") else None,
        lang=lang,
        slug=str(meta.get("slug") or slugify(path.stem)),
        date_from_file=from_file,
    ))

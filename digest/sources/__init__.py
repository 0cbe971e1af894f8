"""Readers, one per input kind, and the loader that walks `content/`.

Editor-written files (Markdown, scraped text) must be right: a problem there is an error.
Third-party inputs (saved pages, feeds) may be broken: a problem there is a warning, and the
item is skipped so the rest of the edition still builds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from digest.errors import ContentError, DigestError
from digest.models import Article
from digest.sources.markdown import read_markdown
from digest.sources.scraped import read_scraped

Reader = Callable[[Path, tzinfo], Article]

READERS: dict[str, Reader] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_scraped,
}


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    errors: list[DigestError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_article_file(path: Path, tz: tzinfo | None = None) -> Article:
    """Read one article file of any known kind."""
    from datetime import UTC

    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ContentError(path, f"unknown article type {path.suffix!r}")
    try:
        return reader(path, tz or UTC)
    except UnicodeDecodeError as error:
        raise ContentError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def load_articles(content_dir: Path, tz: tzinfo) -> LoadResult:
    """Read every article under `content_dir`, collecting every problem instead of stopping."""
    result = LoadResult()
    if not content_dir.is_dir():
        result.errors.append(ContentError(content_dir, "content folder does not exist"))
        return result
    for path in sorted(content_dir.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.suffix.lower() not in READERS:
            continue
        try:
            result.articles.append(read_article_file(path, tz))
        except DigestError as error:
            result.errors.append(error)
    return result

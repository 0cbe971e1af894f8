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
# Third-party readers may find several articles (a feed) and non-fatal problems.
ManyReader = Callable[[Path, tzinfo], tuple[list[Article], list[str]]]

MARKDOWN = (".md", ".markdown")
READERS: dict[str, Reader] = {**dict.fromkeys(MARKDOWN, read_markdown), ".txt": read_scraped}



def read_html(path: Path, tz: tzinfo) -> tuple[list[Article], list[str]]:
    # Imported on first use: trafilatura alone takes longer to import than a run of
    # Markdown articles takes to read.
    from digest.sources.html import read_html as read

    return read(path, tz)


def read_feed_file(path: Path, tz: tzinfo) -> tuple[list[Article], list[str]]:
    from digest.sources.feeds import read_feed_file as read  # feedparser: on first use

    return read(path, tz)


THIRD_PARTY: dict[str, ManyReader] = {
    ".html": read_html,
    ".htm": read_html,
    ".rss": read_feed_file,
    ".atom": read_feed_file,
    ".xml": read_feed_file,
}

KNOWN_SUFFIXES = READERS.keys() | THIRD_PARTY.keys()


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    errors: list[DigestError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_article_file(path: Path, tz: tzinfo | None = None,
                      warnings: list[str] | None = None) -> Article:
    """Read one article file of any known kind; what is odd but readable goes to
    `warnings` (unknown front matter keys)."""
    from datetime import UTC

    suffix = path.suffix.lower()
    if suffix in THIRD_PARTY:
        articles, _ = THIRD_PARTY[suffix](path, tz or UTC)
        if len(articles) != 1:
            raise ContentError(path, f"holds {len(articles)} articles, not one (a feed?)")
        return articles[0]
    reader = READERS.get(suffix)
    if reader is None:
        raise ContentError(path, f"unknown article type {path.suffix!r}")
    try:
        if suffix in MARKDOWN:
            return read_markdown(path, tz or UTC, warnings)
        return reader(path, tz or UTC)
    except UnicodeDecodeError as error:
        raise ContentError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from None


def load_articles(content_dir: Path, tz: tzinfo) -> LoadResult:
    """Read every article under `content_dir`, collecting every problem instead of stopping."""
    result = LoadResult()
    if not content_dir.is_dir():
        result.errors.append(ContentError(content_dir, "content folder does not exist"))
        return result
    allowed = (content_dir.resolve(), content_dir.parent.resolve())  # content/, workspace
    for path in sorted(content_dir.rglob("*")):
        suffix = path.suffix.lower()
        if not path.is_file() or path.name.startswith(".") or suffix not in KNOWN_SUFFIXES:
            continue
        target = path.resolve()
        if not any(target.is_relative_to(folder) for folder in allowed):
            # A link to /etc/passwd would otherwise be read and mailed as an article.
            result.errors.append(ContentError(path, f"a link to {target}, outside the "
                                              "workspace; refused (copy the file in instead)"))
            continue
        if suffix in THIRD_PARTY:
            _read_third_party(path, THIRD_PARTY[suffix], tz, result)
            continue
        try:
            result.articles.append(read_article_file(path, tz, result.warnings))
        except DigestError as error:
            result.errors.append(error)
    return result


def _read_third_party(path: Path, reader: ManyReader, tz: tzinfo, result: LoadResult) -> None:
    """Saved pages and feeds: any problem is a warning and the file is skipped."""
    try:
        articles, warnings = reader(path, tz)
    except DigestError as error:
        result.warnings.append(f"{error}; skipped")
        return
    except Exception as error:  # parsers of hostile third-party markup: never stop the run
        result.warnings.append(f"{path}: cannot read ({type(error).__name__}: {error}); skipped")
        return
    result.articles += articles
    result.warnings += warnings

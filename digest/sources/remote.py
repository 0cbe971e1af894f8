"""Feeds and article pages named by URL (digest.yaml `sources:`, edition files).

A URL that fails to fetch or parse is a warning naming the URL; the rest still builds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import tzinfo
from pathlib import Path

import httpx

from digest.errors import DigestError
from digest.models import Article
from digest.settings import SourceSettings
from digest.sources.feeds import parse_feed
from digest.sources.fetch import Fetcher, FetchPolicy
from digest.sources.html import article_from_html

CACHE_DIR = Path(".digest") / "cache"


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load_remote(sources: SourceSettings, cache_dir: Path, tz: tzinfo,
                extra_urls: Iterable[str] = (),
                transport: httpx.BaseTransport | None = None,
                progress: Callable[[str], None] = _progress) -> tuple[list[Article], list[str]]:
    """Fetch every configured feed and page (cache first); collect articles and warnings."""
    articles: list[Article] = []
    warnings: list[str] = []
    page_urls = list(dict.fromkeys([*sources.urls, *extra_urls]))
    if not sources.feeds and not page_urls:
        return articles, warnings
    total = len(sources.feeds) + len(page_urls)
    policy = FetchPolicy(timeout=sources.timeout, max_bytes=sources.max_bytes)
    with Fetcher(cache_dir, policy, transport=transport) as fetcher:
        done = 0
        for url in sources.feeds:
            done += 1
            progress(f"  source {done}/{total}: {url}")  # fetching can be slow: say what is on
            try:
                got = fetcher.fetch(url, max_age=sources.feed_max_age)
                entries, notes = parse_feed(got.content, url, tz, fetched=got.fetched_at,
                                            fetched_from=got.final_url)
            except DigestError as error:
                warnings.append(f"{error}; feed skipped")
                continue
            articles += entries
            warnings += notes
        for url in page_urls:
            done += 1
            progress(f"  source {done}/{total}: {url}")
            try:
                got = fetcher.fetch(url)  # an article page does not change: cached for good
                article, notes = article_from_html(got.content, url, tz, url=got.final_url,
                                                   fallback=got.fetched_at.astimezone(tz))
            except DigestError as error:
                warnings.append(f"{error}; page skipped")
                continue
            articles.append(article)
            warnings += notes
    return articles, warnings

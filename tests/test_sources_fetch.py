"""Fetching pages and feeds from a real local HTTP server: cache, revalidation, limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.cli.gathering import gather_articles
from digest.config import load_settings
from digest.errors import ConfigError, FetchError
from digest.settings import SourceSettings
from digest.sources.fetch import Fetcher, FetchPolicy
from digest.sources.remote import load_remote
from digest.weeks import IsoWeek
from tests.support.sources import FIXTURES, Page, Site, serve
from tests.support.workspaces import WorkspaceFactory

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def site() -> Iterator[Site]:
    yield from serve(Site(pages={
        "/story": Page((FIXTURES / "article.html").read_bytes(), etag='"v1"'),
        "/feed": Page((FIXTURES / "harbour.rss").read_bytes(), "application/rss+xml",
                      etag='"f1"', last_modified="Wed, 25 Nov 2026 18:00:00 GMT"),
        "/broken-feed": Page((FIXTURES / "broken.rss").read_bytes(), "application/rss+xml"),
        "/big": Page(b"<html>" + b"x" * 50_000 + b"</html>"),
        "/slow": Page(b"<html></html>", delay=0.5),
    }))


def test_page_is_fetched_once_then_served_from_the_cache(site: Site, tmp_path: Path) -> None:
    with Fetcher(tmp_path) as fetcher:
        first = fetcher.fetch(site.url("/story"))
        again = fetcher.fetch(site.url("/story"))
    assert not first.from_cache and again.from_cache
    assert first.content == again.content
    assert site.hits("/story") == 1
    headers = site.requests[0][1]
    assert headers["User-Agent"].startswith("digest/")


def test_stale_cache_is_revalidated_with_etag_and_last_modified(site: Site,
                                                                tmp_path: Path) -> None:
    with Fetcher(tmp_path) as fetcher:
        fetcher.fetch(site.url("/feed"), max_age=0)
        revalidated = fetcher.fetch(site.url("/feed"), max_age=0)
    assert revalidated.from_cache
    assert site.hits("/feed") == 2
    headers = site.requests[-1][1]
    assert headers["If-None-Match"] == '"f1"'
    assert headers["If-Modified-Since"] == "Wed, 25 Nov 2026 18:00:00 GMT"


def test_only_http_urls_are_fetched(tmp_path: Path) -> None:
    with Fetcher(tmp_path) as fetcher:
        for url in ("file:///etc/passwd", "ftp://a.example/x", "javascript:alert(1)"):
            with pytest.raises(FetchError, match="only absolute http"):
                fetcher.fetch(url)
        assert fetcher.requests == 0


def test_http_errors_size_limit_and_timeout_are_fetch_errors(site: Site, tmp_path: Path) -> None:
    policy = FetchPolicy(timeout=0.2, max_bytes=10_000)
    with Fetcher(tmp_path, policy) as fetcher:
        with pytest.raises(FetchError, match=r"/missing: HTTP 404"):
            fetcher.fetch(site.url("/missing"))
        with pytest.raises(FetchError, match=r"/big: 50013 bytes, over the 10000-byte limit"):
            fetcher.fetch(site.url("/big"))
        with pytest.raises(FetchError, match=r"/slow: timed out after 0.2 s"):
            fetcher.fetch(site.url("/slow"))
    assert list(tmp_path.glob("*.body")) == []  # nothing half-written in the cache


def test_failed_urls_are_reported_and_skipped(site: Site, tmp_path: Path) -> None:
    sources = SourceSettings(
        feeds=(site.url("/feed"), site.url("/broken-feed"), "http://127.0.0.1:9/refused"),
        urls=(site.url("/story"), site.url("/missing")),
        timeout=2,
    )
    articles, warnings = load_remote(sources, tmp_path, LONDON)
    assert sorted(a.title for a in articles) == [
        "Crab season opens with record catch", "Harbour master retires after 31 years",
        "How the Marsh Town Rebuilt Its Sea Wall"]
    story = next(a for a in articles if a.source == site.url("/story"))
    assert story.url == "https://fenland-courier.example/2026/11/marsh-town-sea-wall"
    text = "\n".join(warnings)
    assert f"{site.url('/broken-feed')}:3: not a readable RSS/Atom feed" in text
    assert f"{site.url('/missing')}: HTTP 404 Not Found; page skipped" in text
    assert "http://127.0.0.1:9/refused: ConnectError" in text


def test_each_fetch_is_announced_with_its_place_in_the_list(site: Site, tmp_path: Path) -> None:
    sources = SourceSettings(feeds=(site.url("/feed"),), urls=(site.url("/story"),), timeout=2)
    lines: list[str] = []
    load_remote(sources, tmp_path, LONDON, progress=lines.append)
    assert lines == [f"  source 1/2: {site.url('/feed')}", f"  source 2/2: {site.url('/story')}"]


def test_workspace_sources_are_fetched_once_across_runs(site: Site, tmp_path: Path,
                                                       make_workspace: WorkspaceFactory) -> None:
    root = make_workspace(tmp_path / "ws", "sources",
                          extra_config=f"sources:\n  feeds: [{site.url('/feed')}]\n"
                                       f"  urls:\n    - {site.url('/story')}\n")
    settings = load_settings(root)
    week = IsoWeek(2026, 48)
    first = gather_articles(settings, week)
    second = gather_articles(settings, week)
    assert len(first.articles) == len(second.articles) == 3
    assert (site.hits("/feed"), site.hits("/story")) == (1, 1)
    assert list((root / ".digest" / "cache").glob("*.json"))


def test_config_refuses_non_http_source_urls_with_its_line(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    root = make_workspace(tmp_path, "sources",
                          extra_config="sources:\n  urls:\n    - https://ok.example/a\n"
                                       "    - javascript:alert(1)\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(root)
    assert caught.value.line == 12  # the javascript: entry
    assert "sources.urls: 'javascript:alert(1)' is not an absolute http(s) URL" in str(
        caught.value)

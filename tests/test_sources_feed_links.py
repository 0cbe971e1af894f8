"""Relative entry links in feeds are resolved the way feed readers resolve them:
xml:base, then the feed's own site or self link, then the URL it was fetched from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.settings import SourceSettings
from digest.sources import load_articles
from digest.sources.feeds import read_feed_file
from digest.sources.remote import load_remote
from tests.support.sources import FIXTURES, Page, Site, serve

LONDON = ZoneInfo("Europe/London")
FEEDS = FIXTURES / "relative-links"


def test_atom_links_resolve_against_xml_base() -> None:
    articles, warnings = read_feed_file(FEEDS / "xml-base.atom", LONDON)
    assert warnings == []
    assert [a.url for a in articles] == [
        "https://saltmarsh-diary.example/notes/2026/11/samphire-beds",
        # an entry's own xml:base wins over the feed's
        "https://archive.saltmarsh-diary.example/2026/11/redshank-count"]


def test_rss_links_resolve_against_the_channel_link() -> None:
    (article,), warnings = read_feed_file(FEEDS / "channel-link.rss", LONDON)
    assert warnings == []
    assert article.url == "https://keepers-log.example/blog/2026/11/lens-comes-home"
    assert article.image == "https://keepers-log.example/img/lens.jpg"
    assert article.authors == ("Tamsin Oduya",)


def test_a_relative_site_link_resolves_against_the_self_link() -> None:
    (article,), _ = read_feed_file(FEEDS / "relative-site-link.atom", LONDON)
    assert article.url == "https://mudflat-walks.example/walks/2026/winter-route"


@pytest.fixture
def site() -> Iterator[Site]:
    yield from serve(Site(pages={
        "/quay/feed.xml": Page((FEEDS / "no-base.rss").read_bytes(), "application/rss+xml"),
    }))


def test_fetched_feed_links_resolve_against_the_fetch_url(site: Site, tmp_path: Path) -> None:
    sources = SourceSettings(feeds=(site.url("/quay/feed.xml"),), timeout=2)
    articles, warnings = load_remote(sources, tmp_path, LONDON, progress=lambda _: None)
    assert warnings == []
    assert sorted(a.url or "" for a in articles) == [
        site.url("/blog/2026/11/net-lofts"),
        site.url("/quay/blog/2026/11/slipway")]  # path-relative: beside the feed


def test_feed_file_without_any_base_skips_relative_entries_with_file_and_line(
        tmp_path: Path) -> None:
    feed = tmp_path / "quay.rss"
    feed.write_bytes((FEEDS / "no-base.rss").read_bytes())
    loaded = load_articles(tmp_path, LONDON)
    assert loaded.articles == [] and loaded.errors == []
    assert loaded.warnings == [
        f"{feed}:6: entry 1: url '/blog/2026/11/net-lofts' is not an absolute http(s) URL; "
        "entry skipped",
        f"{feed}:12: entry 2: url 'blog/2026/11/slipway' is not an absolute http(s) URL; "
        "entry skipped"]

"""RSS and Atom feeds: every entry an article, entry HTML reduced to text, problems located."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.errors import ContentError
from digest.sources import load_articles
from digest.sources.feeds import parse_feed, read_feed_file
from tests.support.sources import FIXTURES, markdown
from tests.support.workspaces import write

LONDON = ZoneInfo("Europe/London")
FETCHED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_rss_entries_become_articles() -> None:
    articles, warnings = read_feed_file(FIXTURES / "harbour.rss", LONDON)
    assert [a.title for a in articles] == ["Harbour master retires after 31 years",
                                           "Crab season opens with record catch"]
    first, second = articles
    assert first.authors == ("Benedikt Aalto",)
    assert first.published == datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
    assert first.site_name == "Quayside Weekly"
    assert first.tags == ("people",)
    assert first.image == "https://quayside.example/img/ruth-thumb.jpg"
    assert first.body.split("\n\n")[-1] == "Her successor, Jonah Whitlock, starts on Monday."
    assert first.description == "Ruth Penhallow hands over the keys on Friday."
    # "mail (Name and Name)" RSS authors.
    assert second.authors == ("Mirela Okonkwo", "Sam Fairweather")
    assert second.body == "Boats landed 4.2 tonnes on the first morning & prices fell by a third."
    assert len(warnings) == 3


def test_entry_html_is_sanitised_to_text() -> None:
    articles, _ = read_feed_file(FIXTURES / "harbour.rss", LONDON)
    for article in articles:
        assert "<" not in article.body and "alert" not in article.body
        assert "onerror" not in repr(article)


def test_entry_problems_are_warnings_naming_the_entry() -> None:
    path = FIXTURES / "harbour.rss"
    _, warnings = read_feed_file(path, LONDON)
    assert f"{path}:18: entry 2 ('Crab season opens with record catch'): no date; using " \
           "the feed's date 2026-11-25 18:00" in warnings
    assert f"{path}:24: entry 3: entry has no title; skipped" in warnings
    assert any(w.startswith(f"{path}:29: entry 4: url 'javascript:alert(document.cookie)' is "
                            "not an absolute http(s) URL") for w in warnings)


def test_undated_entry_in_undated_feed_takes_the_fetch_time() -> None:
    feed = b"""<rss version="2.0"><channel><title>T</title><item><title>Quiet week</title>
    <link>https://quiet.example/a</link><description>Nothing much.</description></item>
    </channel></rss>"""
    articles, warnings = parse_feed(feed, "https://quiet.example/feed", LONDON, fetched=FETCHED)
    assert articles[0].published == FETCHED
    assert "using the fetch time" in warnings[0]


def test_atom_with_several_authors_and_html_title() -> None:
    articles, warnings = read_feed_file(FIXTURES / "estuary.atom", LONDON)
    assert warnings == []
    (article,) = articles
    assert article.title == "Eelgrass meadows return to the mudflats"
    assert article.authors == ("Wen Hollis", "Ada Nwachukwu")
    assert article.url == "https://estuary-science.example/notes/eelgrass"
    assert article.published == datetime(2026, 11, 26, 7, 45, tzinfo=UTC)
    assert article.body.endswith("hold the mud in place during storms.")


def test_invalid_xml_names_file_and_line() -> None:
    with pytest.raises(ContentError) as caught:
        read_feed_file(FIXTURES / "broken.rss", LONDON)
    assert caught.value.line == 3
    assert "not a readable RSS/Atom feed" in str(caught.value)


def test_not_a_feed_is_refused(tmp_path: Path) -> None:
    page = write(tmp_path / "sitemap.xml", '<?xml version="1.0"?><urlset><url><loc>'
                 "https://a.example/</loc></url></urlset>")
    with pytest.raises(ContentError, match="not an RSS or Atom feed"):
        read_feed_file(page, LONDON)


def test_broken_feed_is_skipped_and_the_rest_builds(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "broken.rss", tmp_path / "broken.rss")
    shutil.copy(FIXTURES / "estuary.atom", tmp_path / "estuary.atom")
    write(tmp_path / "note.md", markdown("Tide Mill Reopens", "2026-11-24"))
    loaded = load_articles(tmp_path, LONDON)
    assert loaded.errors == []
    assert sorted(a.title for a in loaded.articles) == [
        "Eelgrass meadows return to the mudflats", "Tide Mill Reopens"]
    assert loaded.warnings == [f"{tmp_path / 'broken.rss'}:3: not a readable RSS/Atom feed: "
                               "not well-formed (invalid token); skipped"]


def test_recoverable_feed_is_read_leniently_with_a_warning() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Loose</title>
    <item><title>Boat show &nbsp; opens</title><link>https://loose.example/a</link>
    <pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate><description>Boats.</description></item>
    </channel></rss>"""
    articles, warnings = parse_feed(feed, "loose.rss", LONDON, fetched=FETCHED)
    assert [a.title for a in articles] == ["Boat show opens"]
    assert warnings and "feed is not well-formed" in warnings[0]
    assert warnings[0].startswith("loose.rss:")

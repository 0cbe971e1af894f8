"""Titles and authors an editor would sign, on small pages of their own.

The rules come from misses on the second held-out set (benchmarks/data/heldout2, see
docs/SOURCES.md): an h1 beside a social or SEO og:title, an h1 that is the site's logo or
a section name, agency credits, bylines in plain labelled lines, job and academic titles
around names, co-authors in separate elements, "About <Name>" author boxes, and a feed
credit that names its contributor.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from digest.sources import read_article_file
from digest.sources.feeds import parse_feed
from tests.support.sources import FIXTURES

UTC = ZoneInfo("UTC")
PAGES = FIXTURES / "metadata"
FETCHED = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.mark.parametrize(("page", "title"), [
    # the h1 is the article's headline; og:title is a social rewrite of it
    ("h1-social-og.html", "Harbour board votes to keep the winter ferry running"),
    # short h1; <title> adds the deck and og:title is a rewrite: the h1 is what readers see
    ("h1-kicker-title.html", "Ferry crews on strike?"),
    # the only h1 is the site's logo in the page header: og:title
    ("h1-logo.html", "Ferry fares frozen for another winter"),
    # the h1 is a section name sharing no words with the metadata: og:title
    ("h1-section.html", "Ferry fares frozen for another winter"),
])
def test_h1_or_og_title_whichever_an_editor_would_sign(page: str, title: str) -> None:
    assert read_article_file(PAGES / page, UTC).title == title


def test_agency_credit_gives_way_to_the_writer_in_the_byline() -> None:
    # meta author "AFP"; the byline sits in a comment-counter block and is in capitals;
    # the "Also read" teasers' authors are not taken
    article = read_article_file(PAGES / "agency-byline.html", UTC)
    assert article.authors == ("Marta Kowalczyk",)


def test_a_labelled_author_line_after_the_headline_is_a_byline() -> None:
    article = read_article_file(PAGES / "labelled-author.html", UTC)
    assert article.authors == ("Julian Pentreath",)


@pytest.mark.parametrize(("page", "authors"), [
    ("titles-and-roles.html", ("Morwenna Tregear",)),  # "Dr. Morwenna Tregear"
    ("role-after-name.html", ("Andrea Polglase",)),  # "... Senior Harbour Correspondent"
    ("twitter-creator.html", ("Senara Hocking",)),  # twitter:creator written as a name
])
def test_names_lose_titles_and_job_titles(page: str, authors: tuple[str, ...]) -> None:
    assert read_article_file(PAGES / page, UTC).authors == authors


def test_co_authors_in_separate_elements_and_a_publisher_imprint() -> None:
    # meta author "Ediciones El Faro" is the publisher; "| Vigo" is the place
    article = read_article_file(PAGES / "co-authors.html", UTC)
    assert article.authors == ("Lucía Ferrán", "Mateo de la Vega")


def test_about_name_author_box_gives_the_name_not_the_heading() -> None:
    article = read_article_file(PAGES / "about-author-box.html", UTC)
    assert article.authors == ("Saoirse Lindqvist",)


def test_feed_credit_naming_a_contributor_is_that_person() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"
    xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
    xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Tide Talk</title>
    <link>https://tide-talk.example/</link><item><title>TT12 Sandbanks</title>
    <link>https://tide-talk.example/tt12</link><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>
    <itunes:author>Quayside Audio Ltd - Hedda Lorne</itunes:author>
    <atom:contributor><name>Hedda Lorne</name></atom:contributor>
    <description>How sandbanks move.</description></item></channel></rss>"""
    (article,), _ = parse_feed(feed, "tide-talk.rss", UTC, fetched=FETCHED)
    assert article.authors == ("Hedda Lorne",)


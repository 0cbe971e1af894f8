"""Title and author rules for saved pages, each on a small page of its own.

The rules come from misses on real pages (benchmarks/data/realworld, see docs/SOURCES.md):
<title> with " | Section | Site", h1 that is the site's logo, og:title rewritten for
sharing, JSON-LD authors by @id, publishers and commenters taken for authors.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.errors import ContentError
from digest.sources import read_article_file
from digest.sources.html import read_html
from digest.words import count_words
from tests.support.sources import FIXTURES

UTC = ZoneInfo("UTC")
PAGES = FIXTURES / "metadata"


def test_site_and_section_names_are_cut_from_the_title() -> None:
    article = read_article_file(PAGES / "site-suffix.html", UTC)
    assert article.title == "Ferry timetable follows the tides"


def test_meta_author_list_keeps_initials_and_drops_the_publication() -> None:
    # "A, B, and C, The Wexham Tide": the trailing name is og:site_name, not a writer
    article = read_article_file(PAGES / "site-suffix.html", UTC)
    assert article.authors == ("Ines Marlowe", "Tobias Quayle", "Ruth Penhallow")


def test_headline_shown_and_declared_wins_over_og_title_and_logo_h1() -> None:
    # first h1 is the site's logo, og:title is a sharing rewrite; the JSON-LD headline
    # agrees with the second h1
    article = read_article_file(PAGES / "json-ld-graph.html", UTC)
    assert article.title == "Harbour board signs off new ferry times"


def test_json_ld_people_by_id_win_over_meta_author_and_organisations() -> None:
    article = read_article_file(PAGES / "json-ld-graph.html", UTC)
    # initials keep their full stops; the academic title "Dr." is not part of the name
    assert article.authors == ('Zoë "Zed" Ångström', "J.K. Ottoway")


def test_shared_start_of_h1_and_og_title_drops_byline_and_photo_credit() -> None:
    article = read_article_file(PAGES / "byline-in-h1.html", UTC)
    assert article.title == "Tide tables: the ferry moves earlier"


def test_hatom_entry_title_beats_a_generic_document_title() -> None:
    article = read_article_file(PAGES / "hatom-entry.html", UTC)
    assert article.title == "Islanders vote for an earlier morning ferry"
    assert [a.casefold() for a in article.authors] == ["morwenna tregear"]


def test_submitted_lines_and_commenters_are_not_authors() -> None:
    article = read_article_file(PAGES / "commenters.html", UTC)
    assert article.title == "Earlier ferry starts on Monday"
    assert article.authors == ()


def test_front_page_is_not_an_article(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="front page"):
        read_html(PAGES / "front-page.html", UTC)


def test_chinese_page_counts_characters_as_words() -> None:
    article = read_article_file(PAGES / "chinese.html", UTC)
    assert article.title == "渡轮时刻表改为跟随潮汐"
    assert count_words("渡轮时刻表") == 3
    assert count_words("Ferry 时刻表 leaves") == 4


@pytest.mark.parametrize(("title", "site", "expected"), [
    ("Ferry times change | The Wexham Tide", "The Wexham Tide", "Ferry times change"),
    ("The Wexham Tide: Ferry times change", "The Wexham Tide", "Ferry times change"),
    ("Ferry times change » Local » Wexham Tide", "Wexham Tide", "Ferry times change » Local"),
    ("Herman Melville - Moby-Dick", "Dummy Site", "Herman Melville - Moby-Dick"),
])
def test_site_name_segment_is_stripped_without_an_h1(
        tmp_path: Path, title: str, site: str, expected: str) -> None:
    body = "<p>" + "The harbour board met on Tuesday to settle the ferry times. " * 8 + "</p>"
    page = tmp_path / "page.html"
    page.write_text(f'<html><head><title>{title}</title><meta property="og:site_name" '
                    f'content="{site}"></head><body><article>{body}</article></body></html>',
                    encoding="utf-8")
    assert read_article_file(page, UTC).title == expected

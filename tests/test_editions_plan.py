"""Edition files, automatic selection in the newsletter's time zone, and duplicates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digest.config import load_settings
from digest.editorial.authors import AuthorRegistry
from digest.editorial.editions import build_edition
from digest.errors import ContentError
from digest.settings import Settings
from digest.sources import load_articles
from digest.weeks import IsoWeek
from tests.support.sources import FIXTURES, markdown
from tests.support.workspaces import WorkspaceFactory, write

W48 = IsoWeek(2026, 48)


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    root = make_workspace(tmp_path / "ws", "sources")
    content = root / "content"
    write(content / "mill.md", markdown("Tide Mill Reopens", "2026-11-23T08:00:00"))
    write(content / "ropes.md", markdown("Rope Walk Gets a Roof", "2026-11-25"))
    write(content / "gulls.md", markdown("Gull Count Falls Again", "2026-11-27"))
    write(content / "late.md", markdown("Sunday Night Storm", "2026-11-29T23:30:00"))
    write(content / "next.md", markdown("Monday Market", "2026-11-30T00:30:00"))
    return load_settings(root)


def titles(settings: Settings, week: IsoWeek = W48) -> list[str]:
    loaded = load_articles(settings.path("content"), settings.tz)
    edition = build_edition(loaded.articles, week, settings, AuthorRegistry())
    return [item.article.title for item in edition.items]


def plan(settings: Settings, text: str) -> Path:
    return write(settings.path("editions") / "2026-W48.yaml", text)


def test_automatic_selection_newest_first_capped_in_local_time(settings: Settings) -> None:
    # Europe/London: 23:30 Sunday is still W48; 00:30 Monday is W49. max_articles is 3.
    assert titles(settings) == ["Sunday Night Storm", "Gull Count Falls Again",
                                "Rope Walk Gets a Roof"]


def test_edition_file_decides_order_featured_overrides_and_subject(settings: Settings) -> None:
    plan(settings, """\
subject: "Mills, ropes and gulls"
intro: |
  A short week on the water.
featured: gull-count-falls-again
articles:
  - content/mill.md
  - slug: rope-walk-gets-a-roof
    excerpt: "The rope walk finally has a roof."
    blurb: "Nell writes about old buildings."
  - gulls.md
""")
    loaded = load_articles(settings.path("content"), settings.tz)
    edition = build_edition(loaded.articles, W48, settings, AuthorRegistry())
    assert edition.subject == "Mills, ropes and gulls"
    assert edition.intro == "A short week on the water."
    assert [i.article.title for i in edition.items] == [
        "Gull Count Falls Again", "Tide Mill Reopens", "Rope Walk Gets a Roof"]
    assert [i.featured for i in edition.items] == [True, False, False]
    ropes = edition.items[2]
    assert ropes.excerpt == "The rope walk finally has a roof."
    assert ropes.authors[0].blurb == "Nell writes about old buildings."


def test_exclude_and_overrides_with_automatic_selection(settings: Settings) -> None:
    plan(settings, "exclude: [sunday-night-storm]\noverrides:\n  - article: mill.md\n"
                   "    excerpt: Flour again.\n")
    assert titles(settings) == ["Gull Count Falls Again", "Rope Walk Gets a Roof",
                                "Tide Mill Reopens"]


@pytest.mark.parametrize(("text", "line", "message"), [
    ("articles:\n  - mill.md\n  - no-such-story\n", 3, "no article matches 'no-such-story'"),
    ("articles:\n  - javascript:alert(1)\n", 2, "is not an absolute http(s) URL"),
    ("featured: nowhere\n", 1, "no article matches 'nowhere'"),
    ("subject: [a, b]\n", 1, "subject: must be text"),
    ("colour: red\n", 1, "unknown key 'colour'"),
    ("articles:\n  - {slug: a, url: 'https://a.example/'}\n", 2, "exactly one of path"),
])
def test_bad_edition_files_name_file_and_line(settings: Settings, text: str, line: int,
                                              message: str) -> None:
    path = plan(settings, text)
    with pytest.raises(ContentError) as caught:
        titles(settings)
    assert caught.value.path == path and caught.value.line == line
    assert message in str(caught.value)


def test_same_story_from_feed_and_page_appears_once(tmp_path: Path,
                                                    make_workspace: WorkspaceFactory) -> None:
    root = make_workspace(tmp_path / "ws", "sources")
    shutil.copy(FIXTURES / "harbour.rss", root / "content" / "harbour.rss")
    # The saved page of the feed's first story, under a tracking-free URL and richer text.
    write(root / "content" / "retires.md", markdown(
        "Harbour Master Retires After 31 Years", "2026-11-24",
        url="https://www.quayside.example/2026/11/harbour-master-retires/",
        body=" ".join(["Ruth Penhallow ran the harbour for three decades."] * 20)))
    # Nearly the same title, no URL in common.
    write(root / "content" / "crab.md", markdown(
        "Crab Season Opens With a Record Catch", "2026-11-25",
        body=" ".join(["The boats came back heavy."] * 20)))
    settings = load_settings(root)
    titles_seen = titles(settings)
    assert sorted(titles_seen) == ["Crab Season Opens With a Record Catch",
                                   "Harbour Master Retires After 31 Years"]

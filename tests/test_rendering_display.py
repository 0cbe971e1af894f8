"""What a card shows besides title, excerpt and authors, turned on and off in digest.yaml
(`display:`), the dark-mode colours (`theme:`), and the article fields the cards read."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.config import load_settings
from digest.errors import ConfigError, ContentError
from digest.models import Edition
from digest.rendering.compose import render_edition
from digest.rendering.filters import local_date, reading_minutes
from digest.rendering.slots import escape_html, one_line
from digest.settings import Settings
from digest.sources.markdown import read_markdown
from tests.support.rendering import make_edition, make_item, make_long_edition, tags_of
from tests.support.workspaces import WorkspaceFactory

MARIT_PAGE = "https://weir-gazette.example/people/marit-quayle"


def settings_with(tmp_path: Path, make_workspace: WorkspaceFactory, display: str = "",
                  theme: str = "") -> Settings:
    return make_workspace.settings(tmp_path / "ws", "rendering", extra=theme,
                                   extra_config=f"display:\n{display}" if display else "")


def render(settings: Settings, edition: Edition | None = None) -> tuple[str, str]:
    rendered = render_edition(edition or make_long_edition(), settings)
    return rendered.html.fill({}, escape_html), rendered.text.fill({}, one_line)


def test_cards_show_date_reading_time_source_and_author_links_by_default(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    html, text = render(settings_with(tmp_path, make_workspace))
    assert '<p class="digest-meta">25 November 2026 · 1 min read · Le Journal du Port</p>' in html
    # An article on the newsletter's own site does not name it again.
    assert '<p class="digest-meta">24 November 2026 · 1 min read</p>' in html
    # The featured story's body is its short excerpt: too short to time, so no reading time.
    assert '<p class="digest-meta">24 November 2026</p>' in html
    links = [a for t, a in tags_of(html) if t == "a" and a.get("href") == MARIT_PAGE]
    assert links and all(a["class"] == "digest-author-link" for a in links)
    assert "   25 November 2026 · 1 min read · Le Journal du Port" in text.splitlines()
    listed = re.search(rf"^\[(\d+)\] {re.escape(MARIT_PAGE)}$", text, re.M)
    assert listed and text.count(MARIT_PAGE) == 1  # listed once, however many cards
    assert f"— Marit Quayle [{listed.group(1)}] edits the weekend pages." in text


@pytest.mark.parametrize(("option", "gone"), [
    ("date", "25 November 2026 ·"),
    ("reading_time", "min read"),
    ("source", "Le Journal du Port"),
    ("author_links", MARIT_PAGE),
])
def test_each_detail_can_be_turned_off(tmp_path: Path, make_workspace: WorkspaceFactory,
                                       option: str, gone: str) -> None:
    html, text = render(settings_with(tmp_path, make_workspace, f"  {option}: false\n"))
    assert gone not in html and gone not in text
    assert "Le marché aux poissons rouvre" in html  # the card itself stays


def test_no_details_leaves_no_empty_line(tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    settings = settings_with(tmp_path, make_workspace, "  date: false\n  reading_time: false\n"
                             "  source: false\n")
    html, _ = render(settings)
    assert "digest-meta\">2" not in html and '<p class="digest-meta"></p>' not in html


@pytest.mark.parametrize(("setting", "articles", "shown"), [
    ("", 3, False), ("", 6, True),
    ("  contents: true\n", 3, True), ("  contents: false\n", 6, False),
    ("  contents: auto\n", 5, True),
])
def test_contents_list_for_long_editions(tmp_path: Path, make_workspace: WorkspaceFactory,
                                         setting: str, articles: int, shown: bool) -> None:
    edition = make_long_edition()
    edition = make_edition(list(edition.items[:articles]))
    html, text = render(settings_with(tmp_path, make_workspace, setting), edition)
    assert ("IN THIS EDITION" in html) is shown
    assert ("In this edition:" in text) is shown
    anchors = [a["href"] for t, a in tags_of(html) if t == "a" and a["href"].startswith("#")]
    ids = [a["id"] for t, a in tags_of(html) if t == "h2" and "id" in a]
    assert anchors == ([f"#digest-article-{n}" for n in range(1, articles + 1)] if shown else [])
    assert [f"#{i}" for i in ids] == anchors  # every entry leads to its card


@pytest.mark.parametrize(("line", "words"), [
    ("  date: yes please", "display.date: must be true or false"),
    ("  contents: sometimes", "display.contents: must be true, false or auto"),
])
def test_bad_display_settings_name_file_and_line(tmp_path: Path, make_workspace: WorkspaceFactory,
                                                 line: str, words: str) -> None:
    root = make_workspace(tmp_path / "ws", "rendering", extra_config=f"display:\n{line}\n")
    with pytest.raises(ConfigError, match=re.escape(words)) as caught:
        load_settings(root, env={})
    text = (root / "digest.yaml").read_text(encoding="utf-8").splitlines()
    assert caught.value.line == text.index(line) + 1


def test_dark_mode_colours_come_from_the_theme(tmp_path: Path,
                                               make_workspace: WorkspaceFactory) -> None:
    settings = settings_with(tmp_path, make_workspace, theme='  dark_muted_color: "#c9b38a"\n'
                             '  dark_accent_color: "#f0a0ff"')
    html, _ = render(settings)
    dark = html[html.index("prefers-color-scheme: dark"):]
    dark = dark[:dark.index("</style>")]
    assert "#c9b38a" in dark and "#f0a0ff" in dark
    assert "#e8e6e3" in dark and "#1a1e23" in dark and "#0f1216" in dark  # the defaults
    with pytest.raises(ConfigError, match="dark_paper_color: must be a colour"):
        settings_with(tmp_path / "other", make_workspace, theme='  dark_paper_color: "navy"')


def test_reading_time_and_local_dates() -> None:
    short = make_item("Short", None, "Ten words here and there, not many at all.",
                      make_long_edition().items[3].authors[0]).article
    assert reading_minutes(short) is None
    long = make_long_edition().items[3].article
    assert long.words >= 150 and reading_minutes(long) == max(1, round(long.words / 230))
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert local_date(late, ZoneInfo("Europe/London")) == "25 November 2026"
    assert local_date(late, ZoneInfo("Asia/Tokyo")) == "26 November 2026"


def test_markdown_front_matter_gives_lang_and_image_alt(tmp_path: Path) -> None:
    article = tmp_path / "marche.md"
    article.write_text('---\ntitle: "Le marché rouvre"\ndate: 2026-11-25\nlang: fr\n'
                       "image: https://journal.example/marche.jpg\n"
                       "image_alt: Stalls under the new glass roof\n---\n\nAprès deux ans.\n",
                       encoding="utf-8")
    read = read_markdown(article, UTC)
    assert (read.lang, read.image_alt) == ("fr", "Stalls under the new glass roof")
    article.write_text('---\ntitle: "Bad"\nlang: "fr; DROP"\n---\n\nText.\n', encoding="utf-8")
    with pytest.raises(ContentError, match="lang: 'fr; DROP' is not a language tag") as caught:
        read_markdown(article, UTC)
    assert caught.value.line == 3

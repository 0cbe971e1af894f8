"""Saved HTML pages: metadata and main text, and broken pages as located warnings."""

from __future__ import annotations

import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.sources import html as html_reader
from digest.sources import load_articles, read_article_file
from tests.support.sources import FIXTURES, markdown
from tests.support.workspaces import write

UTC = ZoneInfo("UTC")


def test_article_page_metadata_and_main_text() -> None:
    article = read_article_file(FIXTURES / "article.html", UTC)
    assert article.title == "How the Marsh Town Rebuilt Its Sea Wall"
    assert article.authors == ("Halina Ferreira-Stott",)
    assert article.published.date().isoformat() == "2026-11-24"
    assert not article.date_from_file
    assert article.site_name == "The Fenland Courier"
    assert article.url == "https://fenland-courier.example/2026/11/marsh-town-sea-wall"
    assert article.image == "https://fenland-courier.example/img/sea-wall.jpg"
    assert article.description and article.description.startswith("Volunteers, clay")
    assert article.body.startswith("For eleven winters the people of Wexham")
    assert "lend its wheelbarrows" in article.body


@pytest.mark.parametrize("noise", [
    "Weather and tide tables",  # navigation
    "cookies",  # banner
    "Share on Facebook",  # share bar
    "Surge tide tests",  # related links
    "grandfather helped",  # comments
    "All rights reserved",  # footer
    "Privacy policy",
])
def test_page_furniture_never_reaches_the_body(noise: str) -> None:
    assert noise not in read_article_file(FIXTURES / "article.html", UTC).body


def test_page_in_another_encoding_is_decoded() -> None:
    article = read_article_file(FIXTURES / "cp1252.html", UTC)
    assert article.title == "Les cafés du quai ferment plus tôt cet hiver"
    assert article.authors == ("Amélie Durand-Lévesque",)
    assert "quai Saint-Éloi" in article.body and "électricité" in article.body


def test_truncated_page_is_read_with_a_warning(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "truncated.html", tmp_path / "cut.html")
    loaded = load_articles(tmp_path, UTC)
    assert [a.title for a in loaded.articles] == ["How the Marsh Town Rebuilt Its Sea Wall"]
    assert any(w.startswith(f"{tmp_path / 'cut.html'}: page looks truncated")
               for w in loaded.warnings)


def test_broken_pages_are_skipped_and_the_rest_builds(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(FIXTURES / "not-an-article.html", tmp_path / "login.html")
    write(tmp_path / "empty.html", "   \n")
    huge = tmp_path / "huge.html"
    huge.write_bytes(b"<html><body>" + b"<p>word </p>" * 2000 + b"</body></html>")
    monkeypatch.setattr(html_reader, "MAX_PAGE_BYTES", 10_000)
    write(tmp_path / "good.md", markdown("Tide Mill Reopens", "2026-11-24"))
    loaded = load_articles(tmp_path, UTC)
    assert [a.title for a in loaded.articles] == ["Tide Mill Reopens"]
    assert loaded.errors == []
    text = "\n".join(loaded.warnings)
    assert f"{tmp_path / 'login.html'}: no article text found" in text
    assert f"{tmp_path / 'empty.html'}: page is empty" in text
    assert f"{tmp_path / 'huge.html'}: page is 0.0 MB, over the" in text


def test_page_with_too_little_text_is_not_an_article(tmp_path: Path) -> None:
    write(tmp_path / "index.html", "<html><head><title>Section front</title></head><body>"
          "<article><h1>Section front</h1><p>Latest stories from the quay.</p></article>"
          "</body></html>")
    loaded = load_articles(tmp_path, UTC)
    assert loaded.articles == []
    assert "words of main text (not an article page?)" in loaded.warnings[0]


def test_undated_page_uses_file_time_and_says_so(tmp_path: Path) -> None:
    page = (FIXTURES / "article.html").read_text(encoding="utf-8")
    for marker in ('2026-11-24T08:30:00+00:00', '2026-11-24', '24 November 2026'):
        page = page.replace(marker, "")
    write(tmp_path / "undated.html", page)
    loaded = load_articles(tmp_path, UTC)
    assert loaded.articles[0].date_from_file
    assert "no publication date found" in loaded.warnings[0]


def test_non_http_canonical_url_is_refused(tmp_path: Path) -> None:
    page = (FIXTURES / "article.html").read_text(encoding="utf-8").replace(
        "https://fenland-courier.example/2026/11/marsh-town-sea-wall", "javascript:alert(1)")
    write(tmp_path / "evil.html", page)
    loaded = load_articles(tmp_path, UTC)
    article = loaded.articles[0]
    assert article.url is None
    assert "javascript" not in repr(article)

"""The preview as a reader sees it in headless Chromium, on a phone and on a desktop."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from digest.rendering.browser import PageView, find_chromium, inspect, screenshot
from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from digest.rendering.previews import write_previews
from tests.support.rendering import STORIES, make_edition, with_title
from tests.support.workspaces import WorkspaceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None,
                       reason="headless Chromium not installed (Debian package `chromium`)"),
]
HOSTILE_TITLE = "<script>document.title='owned'</script>"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, make_workspace: WorkspaceFactory) -> Path:
    settings = make_workspace.settings(tmp_path_factory.mktemp("browser") / "ws", "rendering")
    edition = with_title(make_edition(), 2, HOSTILE_TITLE)
    factory = MessageFactory(render_edition(edition, settings), settings, "s3cret")
    return write_previews(factory, settings).html


@pytest.fixture(scope="module")
def views(page: Path) -> dict[int, PageView]:
    return inspect(page, (375, 1024))


def titles() -> list[str]:
    return [STORIES[0][0], STORIES[1][0], HOSTILE_TITLE]


@pytest.mark.parametrize("width", [375, 1024])
def test_no_sideways_scrolling(views: dict[int, PageView], width: int) -> None:
    view = views[width]
    assert view.data["innerWidth"] == width
    assert not view.scrolls_sideways, (view.data["scrollWidth"], width)


@pytest.mark.parametrize("width", [375, 1024])
def test_titles_and_blurbs_are_visible(views: dict[int, PageView], width: int) -> None:
    view = views[width]
    shown = {h["text"]: h for h in view.headings if h["shown"]}
    for title in titles():
        assert title in shown, title
        box = shown[title]["box"]
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    for _, _, excerpt, author in STORIES:
        assert excerpt.split(".")[0] in " ".join(view.text.split())
        assert author.blurb.split(" ", 2)[-1] in " ".join(view.text.split())
    assert "9 Sluice Row" in view.text and "Unsubscribe" in view.text


@pytest.mark.parametrize("width", [375, 1024])
def test_every_image_has_alt_text(views: dict[int, PageView], width: int) -> None:
    images = views[width].images
    assert len(images) >= 4  # logo, featured image, two author photos
    assert all((image["alt"] or "").strip() for image in images), images


@pytest.mark.parametrize("width", [375, 1024])
def test_links_point_at_the_articles(views: dict[int, PageView], width: int) -> None:
    links = views[width].links
    for title, (_, url, _, _) in zip(titles(), STORIES, strict=True):
        by_title = [link["href"] for link in links if link["text"] == title]
        assert by_title == [url], title
        assert url in [link["href"] for link in links if link["text"] == "Read more →"]
    assert all(link["href"].startswith("https://") for link in links)


def test_hostile_title_did_not_run(views: dict[int, PageView], page: Path) -> None:
    assert HOSTILE_TITLE in views[375].text  # shown as text, not executed
    assert views[375].data["title"] == "The Weir Gazette: 23 November 2026"


def test_screenshots_are_the_requested_width(page: Path, tmp_path: Path) -> None:
    png = screenshot(page, tmp_path / "mobile.png", 375)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 375 and height > 1000  # the whole email, not just the first screen

"""The preview as a reader sees it in headless Chromium, on a phone (375 px) and at the
email's full width (600 px), in light and in dark mode."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from digest.rendering.browser import PageView, find_chromium, inspect, screenshot
from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from digest.rendering.previews import write_previews
from tests.support.rendering import LONG_STORIES, STORIES, make_long_edition, with_title
from tests.support.workspaces import WorkspaceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None,
                       reason="headless Chromium not installed (Debian package `chromium`)"),
]
HOSTILE_TITLE = "<script>document.title='owned'</script>"
WIDTHS = (375, 600)
SCHEMES = ("light", "dark")
VIEWS = [(scheme, width) for scheme in SCHEMES for width in WIDTHS]
TAP_TARGET = 44  # px: Apple's and WCAG 2.5.5's minimum height for something to tap


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, make_workspace: WorkspaceFactory) -> Path:
    settings = make_workspace.settings(tmp_path_factory.mktemp("browser") / "ws", "rendering")
    edition = with_title(make_long_edition(), 2, HOSTILE_TITLE)
    factory = MessageFactory(render_edition(edition, settings), settings, "s3cret")
    return write_previews(factory, settings).html


@pytest.fixture(scope="module")
def views(page: Path) -> dict[tuple[str, int], PageView]:
    return {(scheme, width): view for scheme in SCHEMES
            for width, view in inspect(page, WIDTHS, color_scheme=scheme).items()}


def titles() -> list[str]:
    return [STORIES[0][0], STORIES[1][0], HOSTILE_TITLE] + [story[0] for story in LONG_STORIES]


def urls() -> list[str]:
    return [story[1] for story in STORIES] + [story[1] for story in LONG_STORIES]


def luminance(colour: str) -> float:
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", colour)[:3])
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
              for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(text: dict[str, str]) -> float:
    light, dark = sorted((luminance(text["color"]), luminance(text["background"])), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_starting(view: PageView, start: str) -> dict[str, str]:
    return next(t for t in view.texts if t["text"].startswith(start))


@pytest.mark.parametrize(("scheme", "width"), VIEWS)
def test_no_sideways_scrolling(views: dict[tuple[str, int], PageView], scheme: str,
                               width: int) -> None:
    view = views[scheme, width]
    assert view.data["innerWidth"] == width
    assert not view.scrolls_sideways, (view.data["scrollWidth"], width)


@pytest.mark.parametrize(("scheme", "width"), VIEWS)
def test_titles_and_blurbs_are_visible(views: dict[tuple[str, int], PageView], scheme: str,
                                       width: int) -> None:
    view = views[scheme, width]
    shown = {h["text"]: h for h in view.headings if h["shown"]}
    for title in titles():
        assert title in shown, title
        box = shown[title]["box"]
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    for _, _, excerpt, author in STORIES:
        assert excerpt.split(".")[0] in " ".join(view.text.split())
        assert author.blurb.split(" ", 2)[-1] in " ".join(view.text.split())
    assert "9 Sluice Row" in view.text and "Unsubscribe" in view.text


@pytest.mark.parametrize(("scheme", "width"), VIEWS)
def test_every_tap_target_is_44_px_tall(views: dict[tuple[str, int], PageView], scheme: str,
                                        width: int) -> None:
    links = [link for link in views[scheme, width].links if link["shown"]]
    names = {link["text"] for link in links}
    assert {"Read more →", "Unsubscribe", "View in browser", "Marit Quayle"} <= names
    assert set(titles()) <= names  # the titles, and the contents list's entries
    short = [(link["text"], link["box"]["height"]) for link in links
             if link["box"]["height"] < TAP_TARGET]
    assert short == []


@pytest.mark.parametrize(("scheme", "width"), VIEWS)
def test_every_image_has_alt_text(views: dict[tuple[str, int], PageView], scheme: str,
                                  width: int) -> None:
    images = views[scheme, width].images
    assert len(images) >= 6  # logo, featured image, thumbnails, author photos
    assert all(image["alt"] is not None for image in images), images
    alts = {image["src"].rsplit("/", 1)[-1]: image["alt"] for image in images}
    assert alts["logo.png"] == "The Weir Gazette heron logo"
    assert alts["thumb-0.jpg"].startswith("Stalls under the new glass roof")
    assert alts["hollis.jpg"] == alts["marit.jpg"] == ""  # the name is right beside it


@pytest.mark.parametrize(("scheme", "width"), VIEWS)
def test_links_point_at_the_articles(views: dict[tuple[str, int], PageView], scheme: str,
                                     width: int) -> None:
    links = views[scheme, width].links
    for title, url in zip(titles(), urls(), strict=True):
        by_title = [link["href"] for link in links if link["text"] == title]
        assert by_title[-1] == url, title  # after the contents list's in-page link
        assert url in [link["href"] for link in links if link["text"] == "Read more →"]
    assert all(link["href"].startswith(("https://", "#digest-article-")) for link in links)


@pytest.mark.parametrize("width", WIDTHS)
def test_thumbnails_sit_beside_the_text_then_stack(views: dict[tuple[str, int], PageView],
                                                   width: int) -> None:
    headings = {h["text"]: h["box"] for h in views["light", width].headings}
    pictured, plain = headings[LONG_STORIES[0][0]], headings[LONG_STORIES[2][0]]
    if width == 600:  # a 160 px column and a gap before the text
        assert pictured["x"] >= plain["x"] + 176
    else:
        assert pictured["x"] == plain["x"]


@pytest.mark.parametrize(("scheme", "width"), VIEWS)
def test_text_colours_pass_wcag_aa(views: dict[tuple[str, int], PageView], scheme: str,
                                   width: int) -> None:
    weak = [(t["text"][:40], t["color"], t["background"], round(contrast(t), 2))
            for t in views[scheme, width].texts if contrast(t) < 4.5]
    assert weak == []


@pytest.mark.parametrize("width", WIDTHS)
def test_dark_mode_keeps_the_hierarchy(views: dict[tuple[str, int], PageView],
                                       width: int) -> None:
    view = views["dark", width]
    body = text_starting(view, STORIES[1][2][:30])  # an excerpt
    date = text_starting(view, "25 November 2026")
    blurb = text_starting(view, "— " + STORIES[1][3].blurb[:20])
    footer = text_starting(view, "You receive")
    link = next(t for t in view.texts if t["text"] == "Read more →")
    assert luminance(body["background"]) < 0.05  # dark it is
    for muted in (date, blurb, footer):
        assert muted["color"] != body["color"], muted
    assert link["color"] not in (body["color"], date["color"])
    assert footer["background"] != body["background"]  # the footer sits outside the paper


def test_hostile_title_did_not_run(views: dict[tuple[str, int], PageView]) -> None:
    assert HOSTILE_TITLE in views["light", 375].text  # shown as text, not executed
    assert views["light", 375].data["title"] == "The Weir Gazette: 23 November 2026"


def test_screenshots_are_the_requested_width(page: Path, tmp_path: Path) -> None:
    png = screenshot(page, tmp_path / "mobile.png", 375, color_scheme="dark")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 375 and height > 1000  # the whole email, not just the first screen

"""Hostile content never reaches the compiled HTML as markup, nor as a live link."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.models import Author, Subscriber
from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from digest.rendering.slots import escape_html
from digest.settings import Settings
from tests.support.rendering import STORIES, make_edition, make_item, tags_of
from tests.support.workspaces import WorkspaceFactory

SCRIPT_TITLE = "<script>alert(1)</script>"
IMG_BIO = "<img src=x onerror=alert(1)>"
QUOTE_ALT = '" onerror="x'
JS_LINK = "javascript:alert(document.cookie)"


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    return make_workspace.settings(tmp_path / "ws", "rendering")




def render_hostile(settings: Settings) -> str:
    _, _, excerpt, _ = STORIES[0]
    author = Author(QUOTE_ALT, IMG_BIO, "https://weir-gazette.example/p.jpg")
    featured = make_item(SCRIPT_TITLE, "https://weir-gazette.example/ok", excerpt, author,
                         featured=True, image="https://weir-gazette.example/i.jpg")
    items = [
        replace(featured, article=replace(featured.article, image_alt=QUOTE_ALT)),
        make_item("Link test", JS_LINK, excerpt + " " + SCRIPT_TITLE, author),
        make_item("Sneaky link", "https://ok.example/\" onmouseover=\"x", excerpt, author),
        make_item("Data link", "data:text/html,<script>alert(1)</script>", excerpt, author),
    ]
    rendered = render_edition(make_edition(items, intro=IMG_BIO), settings)
    return rendered.html.fill({}, escape_html)


def assert_no_live_markup(html: str) -> None:
    tags = tags_of(html)
    assert "script" not in [tag for tag, _ in tags]
    for tag, attrs in tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
    images = [attrs for tag, attrs in tags if tag == "img"]
    assert all(attrs.get("src", "").startswith("https://") for attrs in images), images


def test_hostile_content_is_text_not_markup(settings: Settings) -> None:
    html = render_hostile(settings)
    assert_no_live_markup(html)
    # ...and the reader still sees it, as text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    alts = [a.get("alt") for t, a in tags_of(html) if t == "img"]
    assert QUOTE_ALT in alts  # the quote stayed inside the attribute


def test_unsafe_links_are_dropped(settings: Settings) -> None:
    html = render_hostile(settings)
    hrefs = [a.get("href", "") for t, a in tags_of(html) if t == "a"]
    assert "javascript" not in html.lower()
    assert not any("onmouseover" in h or h.startswith("data:") for h in hrefs)


def test_hostile_subscriber_values_are_escaped_in_the_message(settings: Settings) -> None:
    rendered = render_edition(make_edition(), settings)
    factory = MessageFactory(rendered, settings, "s3cret")
    hostile = Subscriber(email="x@example.org", name='<b onclick="x">Eve</b>\r\nBcc: all')
    message = message_from_bytes(factory.build(hostile), policy=policy.default)
    assert isinstance(message, EmailMessage)
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    assert_no_live_markup(html)
    assert "&lt;b onclick=&quot;x&quot;&gt;Eve&lt;/b&gt;" in html
    text = text_part.get_content()
    assert '<b onclick="x">Eve</b> Bcc: all' in text  # one line: no forged lines
    assert "\nBcc: all" not in text
    assert message["Bcc"] is None


def test_preview_of_hostile_content_is_safe(settings: Settings) -> None:
    """The escaped values survive the slot markers: no marker ever appears unfilled."""
    html = render_hostile(settings)
    assert "%%DIGEST-" not in html

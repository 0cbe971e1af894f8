"""Personalised messages from one render: only the subscriber's values differ."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import mjml
import pytest

from digest.models import Subscriber
from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from digest.rendering.slots import SlotTable, escape_html
from digest.settings import Settings
from tests.support.rendering import READER, make_edition
from tests.support.workspaces import WorkspaceFactory


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    return make_workspace.settings(tmp_path / "ws", "rendering")


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def bodies(message: EmailMessage) -> tuple[str, str]:
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None and text is not None
    return html.get_content(), text.get_content()


def test_messages_are_built_without_compiling_again(settings: Settings,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    factory = MessageFactory(render_edition(make_edition(), settings), settings, "s3cret")

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("MJML compiled per subscriber")

    monkeypatch.setattr(mjml, "mjml2html", refuse)
    other = Subscriber(email="wren.castle@example.net", name="Wren Castle")
    first, second = parse(factory.build(READER)), parse(factory.build(other))
    html_1, text_1 = bodies(first)
    html_2, text_2 = bodies(second)
    assert "Hello Ottilie Brand" in html_1 and "Hello Wren Castle" in html_2
    assert "Hello Ottilie Brand" in text_1 and "Hello Wren Castle" in text_2
    assert first["List-Unsubscribe"] != second["List-Unsubscribe"]
    # Apart from the values, the two messages are the same edition.
    assert html_1.replace("Ottilie Brand", "X").replace("ottilie.brand@example.org", "Y") \
        .split("unsubscribe/")[0] == \
        html_2.replace("Wren Castle", "X").replace("wren.castle@example.net", "Y") \
        .split("unsubscribe/")[0]


def test_unnamed_subscriber_gets_the_default(settings: Settings) -> None:
    factory = MessageFactory(render_edition(make_edition(), settings), settings, "s3cret")
    html, text = bodies(parse(factory.build(Subscriber(email="anon@example.org"))))
    assert "Hello there," in html and "Hello there," in text


def test_unsubscribe_link_in_body_matches_the_header(settings: Settings) -> None:
    factory = MessageFactory(render_edition(make_edition(), settings), settings, "s3cret")
    message = parse(factory.build(READER))
    header_url = str(message["List-Unsubscribe"]).split(">")[0].lstrip("<")
    html, text = bodies(message)
    assert f'href="{header_url}"' in html
    lines = text.splitlines()
    assert lines[lines.index("Unsubscribe:") + 1] == header_url


def test_slots_inside_urls_are_percent_encoded() -> None:
    table = SlotTable()
    part = table.split(f"<a href=\"https://x.example/?who={table.marker('email', in_url=True)}\">"
                       f"{table.marker('email')}</a>")
    filled = part.fill({"email": 'a&b"c@example.org'}, escape_html)
    assert filled == ('<a href="https://x.example/?who=a%26b%22c@example.org">'
                      "a&amp;b&quot;c@example.org</a>")


def test_content_cannot_forge_a_slot(settings: Settings) -> None:
    """Slot markers carry a per-render nonce, so an article cannot ask for subscriber values."""
    edition = make_edition(intro="%%DIGEST-000000000000-0%% {{ subscriber.email }}")
    rendered = render_edition(edition, settings)
    html = rendered.html.fill({"email": "secret@example.org"}, escape_html)
    assert "%%DIGEST-000000000000-0%% {{ subscriber.email }}" in html


def test_non_ascii_survives_quoted_printable(settings: Settings) -> None:
    intro = "Café naïve · déjà vu — “quoted” 🐟 " * 3
    factory = MessageFactory(render_edition(make_edition(intro=intro), settings), settings, "s")
    data = factory.build(Subscriber(email="zoë@example.org", name="Zoë Ørsted"))
    assert all(len(line) <= 78 for line in data.split(b"\r\n")[14:])  # body lines: QP limits
    html, text = bodies(parse(data))
    assert "Café naïve · déjà vu — “quoted” 🐟" in html
    assert "Café naïve · déjà vu — “quoted” 🐟" in text
    assert "Hello Zoë Ørsted" in html and "Hello Zoë Ørsted" in text

"""The editor's note (`intro:` in an edition file) is Markdown: rendered in the HTML part,
plain text in the text part and the preheader; raw HTML shown as text, only http(s)
links; and `{{ }}` in it refused with the edition file's line (personalising is for
templates)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.editorial.plan import load_plan
from digest.errors import ContentError
from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from digest.settings import Settings
from digest.weeks import parse_week
from tests.support.audience import run_digest
from tests.support.rendering import READER, make_edition, tags_of
from tests.support.sources import markdown
from tests.support.workspaces import WorkspaceFactory, write

NOTE = """\
A **short** week: see [the tide table](https://weir-gazette.example/tides) before you go,
and not [this](javascript:alert(1)) or <b onclick="x">raw</b>.

Back to *normal* next week.
"""


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    return make_workspace.settings(tmp_path / "ws", "rendering")


def html_and_text(settings: Settings, intro: str) -> tuple[str, str]:
    factory = MessageFactory(render_edition(make_edition(intro=intro), settings), settings, "s")
    message = message_from_bytes(factory.build(READER), policy=policy.default)
    assert isinstance(message, EmailMessage)
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None and text is not None
    return html.get_content(), text.get_content().replace("\r\n", "\n")


def test_the_note_renders_as_html_in_the_html_part(settings: Settings) -> None:
    html, _ = html_and_text(settings, NOTE)
    assert "<strong>short</strong>" in html and "<em>normal</em>" in html
    assert '<a href="https://weir-gazette.example/tides">the tide table</a>' in html
    assert '<p style="margin:0 0 12px">A <strong>short</strong>' in html  # two paragraphs
    assert "&lt;b onclick=&quot;x&quot;&gt;raw&lt;/b&gt;" in html  # raw HTML is text
    assert "[this](javascript:alert(1))" in html  # shown, never a link
    hrefs = [attrs.get("href", "") for tag, attrs in tags_of(html) if tag == "a"]
    assert not [href for href in hrefs if href.lower().startswith("javascript")]
    assert "**" not in html  # neither in the note nor in the preheader


def test_the_note_is_plain_text_in_the_text_part(settings: Settings) -> None:
    _, text = html_and_text(settings, NOTE)
    note = text.split("From the editor:", 1)[1].split("\n\n\n", 1)[0]
    assert "A short week: see the tide table (https://weir-gazette.example/tides)" \
        in " ".join(note.split())
    assert "**" not in note and "*normal*" not in note
    assert "\n\nBack to normal next week." in note  # paragraphs stay apart


def test_one_paragraph_keeps_its_old_markup(settings: Settings) -> None:
    html, _ = html_and_text(settings, "A short week on the river & the weir.")
    assert 'css-class="digest-note"' not in html  # compiled away by MJML
    assert "A short week on the river &amp; the weir.</div>" in html


def test_personalisation_in_the_note_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "editions" / "2026-W48.yaml", """\
        subject: Tides
        intro: |
          A short week.

          Hello {{ subscriber.name }}, see you soon.
        """)
    with pytest.raises(ContentError) as caught:
        load_plan(tmp_path, parse_week("2026-W48"))
    assert str(caught.value) == (
        f"{path}:5: intro: {{{{ }}}} and {{% %}} belong in templates, not in the editor's "
        "note (personalise templates/; see docs/TEMPLATES.md)")


@pytest.mark.slow
def test_preview_writes_the_note_rendered_and_as_text(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    root = make_workspace(tmp_path / "ws", "sources", articles={
        "mill.md": markdown("Tide Mill Reopens", "2026-11-23T08:00:00")})
    write(root / "editions" / "2026-W48.yaml", "intro: |\n" + "".join(
        f"  {line}\n" for line in NOTE.splitlines()))
    result = run_digest("preview", "--week", "2026-W48", "-w", str(root))
    assert result.returncode == 0, result.stderr
    html = (root / "out" / "2026-W48" / "index.html").read_text(encoding="utf-8")
    text = (root / "out" / "2026-W48" / "index.txt").read_text(encoding="utf-8")
    assert "<strong>short</strong>" in html and "**short**" not in html
    assert "the tide table (https://weir-gazette.example/tides)" in " ".join(text.split())
    write(root / "editions" / "2026-W48.yaml", "intro: Hi {{ subscriber.name }}\n")
    result = run_digest("preview", "--week", "2026-W48", "-w", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{root / 'editions' / '2026-W48.yaml'}:1: intro: {{{{ }}}} and {{% %}} belong " \
           "in templates" in result.stderr

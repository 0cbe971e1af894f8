"""`digest weekly` as a subprocess against a real SMTP server, as an editor runs it."""

from __future__ import annotations

import html as html_lib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.slow  # every test runs `digest weekly` as a child process

WEEK = "2026-W48"
SUBSCRIBERS = ("ava@example.org", "ben@example.net", "cai@example.com")


def run_weekly(workspace: Path, server: SmtpServer, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DIGEST_SMTP_URL=server.url, DIGEST_SECRET="test-secret-0123456789")
    return subprocess.run(
        [sys.executable, "-m", "digest", "weekly", "--week", WEEK, "--workspace",
         str(workspace), "--yes", "--force", *extra],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def bodies(server: SmtpServer, address: str) -> tuple[str, str]:
    message = server.handler.messages_to(address)[0].message
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    return html_part.get_content(), text_part.get_content()


def readable(markup: str) -> str:
    """What a reader sees of an HTML part: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_each_subscriber_gets_one_complete_message(workspace: Path, smtp_server: SmtpServer) -> None:
    result = run_weekly(workspace, smtp_server)
    assert result.returncode == 0, result.stderr
    assert "3 sent, 0 failed" in result.stderr

    for address in SUBSCRIBERS:
        received = smtp_server.handler.messages_to(address)
        assert len(received) == 1, address
        message = received[0].message
        assert message.get_content_type() == "multipart/alternative"
        html, text = bodies(smtp_server, address)
        for part in (readable(html), " ".join(text.split())):
            assert "Dredging Starts in the Inner Basin" in part
            assert "A Bakery Opens on Rope Street" in part
            assert "The Footbridge Reopens After Repairs" in part
            # Excerpts: the lead of the Markdown article, the editor's own excerpt as written.
            assert "The port began dredging the inner basin on Tuesday" in part
            assert "rye loaves baked in a wood oven" in part
            # Blurbs: the registry's for a known author, the scraped bio for the other.
            assert "covers the harbour and its trades" in part
            assert "has reported on the town's roads and bridges" in part
            # Last week's article is not in this edition.
            assert "Regatta" not in part
        assert 'href="https://estuary.example/2026/dredging"' in html
        assert "/unsubscribe/" in html and "Unsubscribe:\r\nhttps://estuary.example/news/" in text


def test_scraped_bio_is_the_blurb_and_never_the_excerpt(workspace: Path,
                                                        smtp_server: SmtpServer) -> None:
    assert run_weekly(workspace, smtp_server).returncode == 0
    _, text = bodies(smtp_server, "ava@example.org")
    flat = " ".join(text.split())
    card = flat[flat.index("The Footbridge Reopens") : flat.index("Helena Brookes")]
    assert "The wooden footbridge over the mill stream reopened" in card
    assert "swims in it every summer" not in card  # bio stays out of the excerpt
    # The publication line is not body text: it shows once, on its own, as the card's source.
    assert flat.count("Estuary Evening Courier") == 1
    assert "   Estuary Evening Courier" in text.splitlines()
    assert flat.count("The Footbridge Reopens After Repairs") == 1  # repeated title dropped


def test_second_run_delivers_nothing_new(workspace: Path, smtp_server: SmtpServer) -> None:
    assert run_weekly(workspace, smtp_server).returncode == 0
    assert len(smtp_server.received) == 3
    again = run_weekly(workspace, smtp_server)
    assert again.returncode == 0, again.stderr
    assert len(smtp_server.received) == 3
    assert "0 sent" in again.stderr and "earlier runs: 3 sent" in again.stderr


def test_previews_are_written(workspace: Path, smtp_server: SmtpServer) -> None:
    assert run_weekly(workspace, smtp_server).returncode == 0
    preview = workspace / "out" / WEEK / "index.html"
    text = workspace / "out" / WEEK / "index.txt"
    assert "<html" in preview.read_text(encoding="utf-8")
    assert "Dredging Starts in the Inner Basin" in text.read_text(encoding="utf-8")


def test_sample_workspace_sends_through_its_own_capture_server(workspace: Path) -> None:
    """With no mail server configured, the embedded server receives the edition."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "digest", "weekly", "--week", WEEK, "--workspace", str(workspace)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    delivered = list((workspace / "out" / "maildir" / "new").iterdir())
    assert len(delivered) == 3
    recipients = sorted(p.read_bytes().split(b"\r\n", 1)[0] for p in delivered)
    assert recipients == sorted(f"Delivered-To: {a}".encode() for a in SUBSCRIBERS)

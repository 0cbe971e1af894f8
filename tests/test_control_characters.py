"""Control characters in content are dropped when it is read: one ESC in a feed's title once
stopped the whole edition ("MJML could not compile", naming the template, not the article)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.cli.main import main
from digest.sources import load_articles
from digest.sources.common import without_controls
from digest.sources.feeds import parse_feed
from digest.sources.html import article_from_html
from tests.support.workspaces import WorkspaceFactory

ESC, CSI, BELL, NUL = "\x1b", "\x9b", "\x07", "\x00"

FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour{BELL} Wire</title><link>https://wire.example/</link>
<item><title>Dredger{ESC}[31m Reaches the Bar</title>
<link>https://wire.example/dredger</link><pubDate>Tue, 24 Nov 2026 09:00:00 GMT</pubDate>
<author>desk@wire.example (Ada{ESC} Quill)</author>
<description>The dredger reached the sand bar{CSI} on Tuesday and began work on the
channel that ferries have avoided since the spring storms moved it.</description></item>
</channel></rss>
"""

MARKDOWN = f"""---
title: "Lock\\e[1m Gates\\x9b Repainted"
author: Ines Varga
date: 2026-11-25
url: https://tidewater.example/lock-gates
---
Volunteers{NUL} painted the lock gates{BELL} over two dry days this week.
\tThe keeper said the new coat should last a decade.
"""


def test_only_tab_and_newline_survive() -> None:
    controls = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)])
    assert without_controls(f"a{controls}b") == "a\t\nb"
    assert without_controls("Zoë – “quoted” \u00a0 日本") == "Zoë – “quoted” \u00a0 日本"


def test_feed_items_lose_their_control_characters() -> None:
    (article,), _ = parse_feed(FEED.encode(), "wire.xml", UTC, fetched=_now())
    assert article.title == "Dredger[31m Reaches the Bar"
    assert article.authors == ("Ada Quill",)
    assert article.site_name == "Harbour Wire"
    assert CSI not in article.body and "sand bar" in article.body


def test_a_page_loses_its_control_characters() -> None:
    body = " ".join(["The ferry ran on time every day this week, a first since May."] * 8)
    page = (f"<html><head><title>Ferry{ESC} Runs on Time</title></head><body><article>"
            f"<h1>Ferry{ESC} Runs on Time</h1><p>{body}{BELL}</p></article></body></html>")
    article, _ = article_from_html(page.encode(), "ferry.html", UTC, fallback=_now())
    assert ESC not in article.title and "Runs on Time" in article.title
    assert BELL not in article.body


def test_an_edition_with_them_renders(tmp_path: Path, make_workspace: WorkspaceFactory,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = make_workspace(tmp_path / "ws", "sources")
    (root / "content" / "wire.rss").write_text(FEED, encoding="utf-8")
    (root / "content" / "lock-gates.md").write_text(MARKDOWN, encoding="utf-8")
    loaded = load_articles(root / "content", UTC)
    assert loaded.errors == []
    markdown = next(a for a in loaded.articles if a.url and "lock-gates" in a.url)
    assert markdown.title == "Lock[1m Gates Repainted"
    assert "\tThe keeper" in (root / "content" / "lock-gates.md").read_text()
    assert NUL not in markdown.body and BELL not in markdown.body
    assert main(["preview", "-w", str(root), "--week", "2026-W48"]) == 0, capsys.readouterr()
    html = (root / "out" / "2026-W48" / "index.html").read_text(encoding="utf-8")
    assert "Dredger[31m Reaches the Bar" in html and "Lock[1m Gates Repainted" in html
    assert not any(ch in html for ch in (ESC, CSI, BELL, NUL))


def _now() -> datetime:
    return datetime(2026, 11, 24, 12, tzinfo=UTC)

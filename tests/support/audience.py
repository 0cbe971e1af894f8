"""The `audience` workspace preset for the subscriber and unsubscribe tests (two weeks of
news, subscribers on lists), and the real command line run as a child process."""

from __future__ import annotations

import os
import subprocess
import sys

LIST_ID = "tidewater-bulletin"
PUBLIC_URL = "https://tidewater.example/news"
SECRET = "test-secret-7f3a9c1e5b"

CONFIG = """\
newsletter:
  name: Tidewater Bulletin
  id: {list_id}
  from: "Tidewater Bulletin <bulletin@tidewater.example>"
  timezone: UTC
  public_url: {public_url}
  unsubscribe_mailto: leave@tidewater.example
  postal_address: "2 Slipway Row, Tidewater"
smtp:
  url: capture
  connections: 2
  timeout: 10
"""

ARTICLE = """\
---
title: "{title}"
author: Ines Varga
date: {date}
url: https://tidewater.example/{slug}
---
{body}
"""

ARTICLES = {
    f"{slug}.md": ARTICLE.format(title=title, date=date, slug=slug, body=body)
    for title, date, slug, body in [
        ("The Lock Gates Are Painted", "2026-03-03", "lock-gates",
         "Volunteers painted the lock gates on the old canal over two dry days this week. "
         "The keeper said the new coat should last a decade."),
        ("Oyster Beds Reopen", "2026-03-10", "oysters",
         "The oyster beds in the south creek reopened on Tuesday after water tests came back "
         "clean. Pickers were out at low tide before dawn."),
    ]
}

SUBSCRIBERS = (
    "email,name,lists,city\r\n"
    "una@example.org,Una Pike,weekly;boats,Harwick\r\n"
    "vic@example.net,\"Marsh, Vic\",weekly,Tolby\r\n"
    "wren@example.com,Wren Odell,boats,\r\n"
)


def digest_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env.update(extra)
    return env


def run_digest(*args: str, env: dict[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process, capturing everything it prints."""
    return subprocess.run([sys.executable, "-m", "digest", *args], capture_output=True,
                          text=True, env=env if env is not None else digest_env(),
                          timeout=timeout, check=False)

"""`digest serve` listens where newsletter.public_url says, not on the SMTP port 8025."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from digest.cli.commands.serve import BEHIND_PROXY_PORT, default_port
from tests.support.audience import digest_env
from tests.support.smtp_server import free_port
from tests.support.workspaces import WorkspaceFactory


def test_the_default_port_comes_from_public_url() -> None:
    assert default_port("http://localhost:8099/news") == 8099
    # public_url's own https port is the reverse proxy's; digest listens behind it.
    assert default_port("https://saltings-weekly.net/letters") == BEHIND_PROXY_PORT == 8080


def test_serve_listens_on_public_urls_port(tmp_path: Path,
                                           make_workspace: WorkspaceFactory) -> None:
    port = free_port()
    root = make_workspace(tmp_path / "ws", "audience",
                          public_url=f"http://127.0.0.1:{port}/news")
    process = subprocess.Popen([sys.executable, "-m", "digest", "serve", "-w", str(root)],
                               env=digest_env(DIGEST_SECRET="serve-secret"),
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()  # printed once the socket is bound
        assert f"listening on http://127.0.0.1:{port}/news/" in banner, banner
        answer = httpx.get(f"http://127.0.0.1:{port}/news/archive/", timeout=30)
        assert answer.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)

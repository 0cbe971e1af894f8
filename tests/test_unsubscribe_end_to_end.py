"""End to end over real sockets: send an edition to an SMTP server, one-click unsubscribe
through a running `digest serve`, send the next edition, and count who got what."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.audience import SECRET, digest_env, run_digest
from tests.support.smtp_server import SmtpServer, free_port
from tests.support.workspaces import WorkspaceFactory

pytestmark = pytest.mark.slow  # `digest serve` and `digest weekly` run as child processes

READERS = ("una@example.org", "vic@example.net", "wren@example.com")


@pytest.fixture
def served(tmp_path: Path, make_workspace: WorkspaceFactory) -> Iterator[tuple[Path, str]]:
    """A workspace whose public_url points at a `digest serve` child process."""
    port = free_port()
    public_url = f"http://127.0.0.1:{port}/news"
    root = make_workspace(tmp_path / "ws", "audience", public_url=public_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "serve", "-w", str(root), "--port", str(port)],
        env=digest_env(DIGEST_SECRET=SECRET), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        wait_until_up(f"{public_url}/", process)
        yield root, public_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    for _ in range(400):
        if process.poll() is not None:
            raise AssertionError(f"digest serve exited: {process.stderr.read()}"
                                 if process.stderr else "digest serve exited")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("digest serve did not come up")


def unsubscribe_url(server: SmtpServer, address: str, base: str) -> str:
    (received,) = server.handler.messages_to(address)
    message = received.message
    header = str(message["List-Unsubscribe"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(message["List-Id"]).endswith("<tidewater-bulletin.tidewater.example>")
    urls = re.findall(r"<([^>]+)>", header)
    assert urls[0].startswith(f"{base}/unsubscribe/") and urls[1].startswith("mailto:")
    html = message.get_body(("html",))
    assert html is not None and f'href="{urls[0]}"' in html.get_content()  # visible link
    return urls[0]


def test_one_click_unsubscribe_stops_the_next_edition_for_that_address_only(
        served: tuple[Path, str]) -> None:
    root, base = served
    with SmtpServer() as server:
        env = digest_env(DIGEST_SECRET=SECRET, DIGEST_SMTP_URL=server.url)
        first = run_digest("weekly", "-w", str(root), "--week", "2026-W10", "--yes", "--force",
                           env=env)
        assert first.returncode == 0, first.stderr
        assert sorted(r.rcpt_tos[0] for r in server.received) == sorted(READERS)

        # A link scanner's GET on another reader's link changes nothing.
        scanned = httpx.get(unsubscribe_url(server, "vic@example.net", base))
        assert scanned.status_code == 200 and "Unsubscribe?" in scanned.text

        answer = httpx.post(unsubscribe_url(server, "una@example.org", base),
                            data={"List-Unsubscribe": "One-Click"}, follow_redirects=False)
        assert answer.status_code == 200
        assert "set-cookie" not in answer.headers and "location" not in answer.headers

        archive = httpx.get(f"{base}/archive/2026-W10/")
        assert archive.status_code == 200 and "The Lock Gates Are Painted" in archive.text

        server.received.clear()
        second = run_digest("weekly", "-w", str(root), "--week", "2026-W11", "--yes",
                            "--force", env=env)
        assert second.returncode == 0, second.stderr
        assert server.handler.messages_to("una@example.org") == []
        assert sorted(r.rcpt_tos[0] for r in server.received) == [
            "vic@example.net", "wren@example.com"]
        assert "1 suppressed" in second.stderr


def test_one_click_unsubscribe_stops_every_capitalisation(served: tuple[Path, str]) -> None:
    """Ann is listed as Ann@Example.org; after her one-click unsubscribe, lists that write
    her ANN@EXAMPLE.ORG or ann@example.org mail her nothing either."""
    root, base = served
    (root / "subscribers" / "club.csv").write_text("email,name\nAnn@Example.org,Ann Lee\n",
                                                   encoding="utf-8")
    with SmtpServer() as server:
        env = digest_env(DIGEST_SECRET=SECRET, DIGEST_SMTP_URL=server.url)
        first = run_digest("weekly", "-w", str(root), "--week", "2026-W10", "--yes", "--force",
                           env=env)
        assert first.returncode == 0, first.stderr
        answer = httpx.post(unsubscribe_url(server, "ann@example.org", base),
                            data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200
        (root / "subscribers" / "more.csv").write_text(
            "email\nANN@EXAMPLE.ORG\nann@example.org\n", encoding="utf-8")
        server.received.clear()
        second = run_digest("weekly", "-w", str(root), "--week", "2026-W11", "--yes",
                            "--force", env=env)
        assert second.returncode == 0, second.stderr
        recipients = sorted(r.rcpt_tos[0] for r in server.received)
    assert recipients == sorted(READERS)  # and no copy of hers, in any spelling

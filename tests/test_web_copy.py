"""The public web copy: "View in browser" shows nobody's data, whatever was previewed last;
`digest serve` serves the archive index; `digest publish DIR` writes the same pages."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from digest.audience.unsubscribe_tokens import make_token
from digest.audience.web import SiteFolder, create_app
from digest.cli.archive import EditionArchive
from digest.cli.main import main
from digest.config import load_settings
from tests.support.audience import LIST_ID, SECRET
from tests.support.workspaces import WorkspaceFactory

READERS = {"una@example.org": "Una Pike", "vic@example.net": "Marsh, Vic",
           "wren@example.com": "Wren Odell"}
SENT, DRAFT = "2026-W10", "2026-W11"


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory,
         make_workspace: WorkspaceFactory) -> Iterator[Path]:
    """W10 sent to every reader (captured), then W10 and W11 previewed as Una (--as)."""
    root = make_workspace(tmp_path_factory.mktemp("web") / "ws", "audience")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DIGEST_SECRET", SECRET)
        env.delenv("DIGEST_SMTP_URL", raising=False)
        assert main(["weekly", "-w", str(root), "--week", SENT]) == 0
        for week in (SENT, DRAFT):
            assert main(["preview", "-w", str(root), "--week", week,
                         "--as", "una@example.org"]) == 0
        yield root


def client_for(root: Path, site: Path | None = None) -> TestClient:
    settings = load_settings(root, env={"DIGEST_SECRET": SECRET})
    archive = SiteFolder(site) if site else EditionArchive(settings)
    return TestClient(create_app(settings, SECRET, archive),
                      base_url="https://tidewater.example")


def view_in_browser_link(root: Path, address: str) -> str:
    """The footer link of the message `address` received."""
    for message in mailbox.Maildir(root / "out" / "maildir", create=False):
        if message["Delivered-To"] == address:
            html = next(part for part in message.walk()
                        if part.get_content_type() == "text/html")
            payload = html.get_payload(decode=True)
            assert isinstance(payload, bytes)
            (href,) = re.findall(r'href="([^"]+)"[^>]*>View in browser', payload.decode())
            return href
    raise AssertionError(f"no message to {address}")


def assert_anonymous(page: str) -> None:
    for address, name in READERS.items():
        assert address not in page and name not in page
        assert make_token(SECRET, LIST_ID, address) not in page
    assert "Sample Reader" not in page and "reader@example.org" not in page
    assert "/unsubscribe/" not in page  # no working unsubscribe link: it would name its reader


def test_view_in_browser_after_preview_as_shows_no_subscriber_data(sent: Path) -> None:
    assert "Una Pike" in (sent / "out" / SENT / "index.html").read_text()  # the preview does
    client = client_for(sent)
    for address in READERS:
        link = view_in_browser_link(sent, address)
        assert link == f"https://tidewater.example/news/archive/{SENT}/"
        response = client.get(urlsplit(link).path)
        assert response.status_code == 200
        assert "The Lock Gates Are Painted" in response.text
        assert "Hello there" in response.text
        assert_anonymous(response.text)
        assert 'href="https://tidewater.example/news/archive/#unsubscribe"' in response.text


def test_the_archive_index_lists_sent_editions_only(sent: Path) -> None:
    client = client_for(sent)
    index = client.get("/news/archive/")
    assert index.status_code == 200
    assert f'href="{SENT}/"' in index.text and 'id="unsubscribe"' in index.text
    assert DRAFT not in index.text  # previewed, never sent: a draft stays private
    assert client.get(f"/news/archive/{DRAFT}/").status_code == 404
    for private in ("index.txt", "message.eml"):  # nothing beside the previews is served
        assert client.get(f"/news/archive/{SENT}/{private}").status_code == 404


def test_publish_writes_the_same_pages_as_serve(sent: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    assert main(["publish", str(site), "-w", str(sent)]) == 0
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) \
        == ["2026-W10/index.html", "index.html"]
    page = (site / SENT / "index.html").read_text(encoding="utf-8")
    assert_anonymous(page)
    assert page == client_for(sent).get(f"/news/archive/{SENT}/").text
    served = client_for(sent, site)
    assert served.get(f"/news/archive/{SENT}/").text == page
    assert 'href="2026-W10/"' in served.get("/news/archive/").text
    # an edition named with --week is added, and the index lists both
    assert main(["publish", str(site), "-w", str(sent), "--week", DRAFT]) == 0
    assert [f"{w}/" for w in (DRAFT, SENT)] == re.findall(
        r'href="(\d{4}-W\d{2}/)"', (site / "index.html").read_text())
    assert "index.html" in capsys.readouterr().out


@pytest.mark.parametrize(("where", "why"), [
    ("out/site", "inside out/"), (".", "holds the workspace"), ("out/maildir", "inside out/")])
def test_publish_refuses_a_folder_beside_private_files(sent: Path, where: str, why: str,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["publish", str(sent / where), "-w", str(sent)]) == 1
    assert why in capsys.readouterr().err
    assert not (sent / "out" / "site").exists()


def test_publish_refuses_a_folder_holding_mail(sent: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "copy.eml").write_text("From: x\r\n\r\nhello\r\n")
    assert main(["publish", str(tmp_path / "site"), "-w", str(sent)]) == 1
    assert "holds copy.eml" in capsys.readouterr().err

"""Preview files, the archive page, and `--as` choosing whose copy to preview."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from digest.cli.commands.preview import choose_subscriber
from digest.errors import DigestError
from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from digest.rendering.previews import SAMPLE_SUBSCRIBER, write_archive, write_previews
from digest.settings import Settings
from tests.support.rendering import make_edition
from tests.support.workspaces import WorkspaceFactory


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    settings = make_workspace.settings(tmp_path / "ws", "rendering")
    lists = settings.workspace / "subscribers"
    lists.mkdir()
    (lists / "readers.csv").write_text(
        "email,name\nmarlow.quince@example.org,Marlow <Quince>\n", encoding="utf-8")
    return settings


def preview(settings: Settings, week: str, subject: str, **kwargs: object) -> object:
    edition = replace(make_edition(), week=week, subject=subject)
    factory = MessageFactory(render_edition(edition, settings), settings, "s3cret")
    return write_previews(factory, settings, **kwargs)  # type: ignore[arg-type]


def test_previews_are_written_for_the_chosen_subscriber(settings: Settings) -> None:
    subscriber = choose_subscriber(settings, "Marlow.Quince@EXAMPLE.org")
    assert subscriber.name == "Marlow <Quince>"
    files = preview(settings, "2026-W48", "Week 48", subscriber=subscriber)
    folder = settings.out_dir / "2026-W48"
    html = (folder / "index.html").read_text()
    assert "Hello Marlow &lt;Quince&gt;" in html
    assert "Hello Marlow <Quince>" in (folder / "index.txt").read_text()
    message = message_from_bytes((folder / "message.eml").read_bytes(), policy=policy.default)
    assert "marlow.quince@example.org" in str(message["To"])
    assert not list(folder.glob("*.tmp"))
    assert files is not None


def test_unlisted_address_previews_as_a_sample(settings: Settings,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    subscriber = choose_subscriber(settings, "stranger@example.org")
    assert (subscriber.email, subscriber.name) == ("stranger@example.org", "")
    assert "not on any list" in capsys.readouterr().err
    assert choose_subscriber(settings, None) == SAMPLE_SUBSCRIBER
    with pytest.raises(DigestError, match="--as 'no-at-sign'"):
        choose_subscriber(settings, "no-at-sign")


def test_archive_lists_editions_newest_first(settings: Settings) -> None:
    preview(settings, "2026-W47", "Week 47 <b>bold</b>")
    preview(settings, "2026-W49", "Week 49")
    preview(settings, "2026-W48", "Week 48")
    (settings.out_dir / "maildir").mkdir()  # other folders in out/ are not editions
    archive = write_archive(settings.out_dir, settings.newsletter.name).read_text()
    positions = [archive.index(f'href="{w}/index.html"') for w in
                 ("2026-W49", "2026-W48", "2026-W47")]
    assert positions == sorted(positions)
    assert "Week 47 &lt;b&gt;bold&lt;/b&gt;" in archive
    assert "maildir" not in archive

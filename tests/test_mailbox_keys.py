"""One key per mailbox: an address in any capitalisation is one reader for unsubscribe,
resubscribe, deduplication and requests by mail; editions go to a real SMTP server."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.audience.suppressions import open_suppressions
from digest.cli.main import main
from tests.support.audience import LIST_ID, SECRET
from tests.support.mailing import mailing_workspace
from tests.support.smtp_server import SmtpServer
from tests.support.tokens import first_scheme_token
from tests.support.workspaces import WorkspaceFactory, write

OTHERS = ["una@example.org", "vic@example.net", "wren@example.com"]


@pytest.fixture
def workspace(tmp_path: Path, make_workspace: WorkspaceFactory, smtp_server: SmtpServer,
              monkeypatch: pytest.MonkeyPatch) -> Path:
    return mailing_workspace(tmp_path / "ws", make_workspace, smtp_server, monkeypatch)


def digest(capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main([*args, "-w", str(workspace)])
    return code, capsys.readouterr().err


def send_week(capsys: pytest.CaptureFixture[str], workspace: Path, server: SmtpServer,
              week: str) -> list[str]:
    """Send the week's edition; the envelope recipients the server received, sorted."""
    server.received.clear()
    code, err = digest(capsys, workspace, "weekly", "--week", week, "--yes", "--force")
    assert code == 0, err
    return sorted(recipient for r in server.received for recipient in r.rcpt_tos)


def to_ann(recipients: list[str]) -> list[str]:
    return [r for r in recipients if r.lower() == "ann@example.org"]


def test_unsubscribing_one_spelling_stops_the_list_s_other_spelling(
        workspace: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]) -> None:
    write(workspace / "subscribers" / "extra.csv", "email,name\nANN@Example.ORG,Ann Lee\n")
    code, err = digest(capsys, workspace, "subscribers", "unsubscribe", "ann@example.org")
    assert code == 0
    assert "unsubscribed: no more mail to this address, in any capitalisation" in err
    assert "on no list" not in err  # she is listed, as ANN@Example.ORG
    assert send_week(capsys, workspace, smtp_server, "2026-W10") == OTHERS


def test_unsubscribing_an_unlisted_address_says_so_and_still_records_it(
        workspace: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = digest(capsys, workspace, "subscribers", "unsubscribe", "Ann@Example.org")
    assert code == 0
    assert "the address is on no list as a subscriber; the suppression is recorded " \
        "anyway" in err
    # A list that brings her in later does not mail her.
    write(workspace / "subscribers" / "later.csv", "email\nann@example.ORG\n")
    assert to_ann(send_week(capsys, workspace, smtp_server, "2026-W10")) == []
    with open_suppressions(workspace / "digest.db") as store:
        assert [(s.email, s.source) for s in store.listing()] == [("ann@example.org", "editor")]


def test_one_reader_in_two_capitalisations_gets_one_copy(
        workspace: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]) -> None:
    readers = workspace / "subscribers" / "readers.csv"
    with readers.open("a", encoding="utf-8") as file:  # twice in one file
        file.write("Ann@example.org,Ann,weekly,\r\nann@EXAMPLE.org,Ann again,weekly,\r\n")
    write(workspace / "subscribers" / "club.yaml",  # and again in another
          "- email: ANN@Example.ORG\n  name: Ann Lee\n")
    code, err = digest(capsys, workspace, "weekly", "--week", "2026-W10", "--yes", "--force")
    assert code == 0, err
    received = sorted(r for message in smtp_server.received for r in message.rcpt_tos)
    assert to_ann(received) == ["ann@example.org"]  # one copy, to the mailbox key
    assert len(received) == 4
    # Lists are read in name order: club.yaml first.
    assert "subscribers/readers.csv:5: duplicate of subscribers/club.yaml:1; sending once" in err
    assert "subscribers/readers.csv:6: duplicate of subscribers/club.yaml:1; sending once" in err


def test_resubscribing_another_capitalisation_lifts_the_unsubscribe(
        workspace: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]) -> None:
    write(workspace / "subscribers" / "extra.csv", "email\nAnn@Example.org\n")
    assert digest(capsys, workspace, "subscribers", "unsubscribe", "ANN@EXAMPLE.ORG")[0] == 0
    assert to_ann(send_week(capsys, workspace, smtp_server, "2026-W10")) == []
    code, err = digest(capsys, workspace, "subscribers", "resubscribe", "ann@example.org")
    assert code == 0
    assert "resubscribed, in every capitalisation (was unsubscribed)" in err
    assert to_ann(send_week(capsys, workspace, smtp_server, "2026-W11")) == ["ann@example.org"]


def test_a_mailed_request_whose_token_seals_another_capitalisation(
        workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Links sent before the mailbox key sealed the address as the list wrote it."""
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    message = EmailMessage()
    message["From"] = "ann@example.org"
    message["Subject"] = f"unsubscribe {first_scheme_token(SECRET, LIST_ID, 'ANN@Example.ORG')}"
    message.set_content("sent by a mail client")
    inbox.add(message)
    assert digest(capsys, workspace, "subscribers", "unsubscribe-mail",
                  str(tmp_path / "inbox"))[0] == 0
    code, err = digest(capsys, workspace, "subscribers", "unsubscribe", "ann@EXAMPLE.org")
    assert code == 0
    assert "already suppressed (unsubscribed); nothing changed" in err
    with open_suppressions(workspace / "digest.db") as store:
        assert [(s.email, s.source) for s in store.listing()] == [("ann@example.org", "mailto")]


def test_preview_as_finds_the_subscriber_in_any_capitalisation(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = digest(capsys, workspace, "preview", "--week", "2026-W10", "--as",
                       "UNA@Example.ORG")
    assert code == 0, err
    assert "not on any list" not in err
    code, err = digest(capsys, workspace, "preview", "--week", "2026-W10", "--as",
                       "nobody@example.org")
    assert "--as nobody@example.org: not on any list" in err  # the check can fail

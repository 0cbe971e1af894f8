"""The mailto: half of List-Unsubscribe: requests mailed back are honoured by token."""

from __future__ import annotations

import mailbox
import re
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote

import pytest

from digest.cli.main import main
from digest.delivery.ledger import Ledger
from tests.support.smtp_server import SmtpServer
from tests.support.tokens import first_scheme_token


def mailto_subject(server: SmtpServer, address: str) -> str:
    header = server.handler.messages_to(address)[0].message["List-Unsubscribe"]
    match = re.search(r"<mailto:[^?>]+\?subject=([^>]+)>", str(header))
    assert match, header
    return unquote(match.group(1))


def request(subject: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "leave@estuary.example"
    message["Subject"] = subject
    message.set_content("This message was sent by a mail client.")
    return message


def test_mailed_requests_unsubscribe_by_token_only(workspace: Path, smtp_server: SmtpServer,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("DIGEST_SMTP_URL", smtp_server.url)
    monkeypatch.setenv("DIGEST_SECRET", "mail-secret-for-tests")
    assert main(["weekly", "--week", "2026-W48", "--workspace", str(workspace), "--yes",
                 "--force"]) == 0
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(request(mailto_subject(smtp_server, "ava@example.org"), "ava@example.org"))
    # A forged request: Ben's address in From, a token that was never signed for him.
    inbox.add(request("unsubscribe YmVuQGV4YW1wbGUubmV0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                      "ben@example.net"))
    inbox.add(request("Thanks for the issue!", "cai@example.com"))
    capsys.readouterr()

    command = ["subscribers", "unsubscribe-mail", str(tmp_path / "inbox"),
               "--workspace", str(workspace)]
    assert main(command) == 0
    err = capsys.readouterr().err
    assert "1 unsubscribed, 0 already suppressed, 1 with a forged or foreign token, " \
           "1 other message(s) ignored" in err
    assert "ava@example.org" not in err
    with Ledger(workspace / "digest.db") as ledger:
        assert ledger.suppressions.is_suppressed("ava@example.org")
        assert not ledger.suppressions.is_suppressed("ben@example.net")

    assert main(command) == 0  # rerunning is harmless
    assert "0 unsubscribed, 1 already suppressed" in capsys.readouterr().err


def test_without_the_secret_tokens_cannot_be_checked(workspace: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DIGEST_SECRET", raising=False)
    mailbox.Maildir(tmp_path / "inbox", create=True)
    code = main(["subscribers", "unsubscribe-mail", str(tmp_path / "inbox"),
                 "--workspace", str(workspace)])
    assert code == 2
    assert "DIGEST_SECRET: not set" in capsys.readouterr().err


def test_a_missing_mailbox_is_named(workspace: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "mail-secret-for-tests")
    code = main(["subscribers", "unsubscribe-mail", str(tmp_path / "nowhere"),
                 "--workspace", str(workspace)])
    assert code == 1
    assert f"{tmp_path / 'nowhere'}: no such mailbox" in capsys.readouterr().err


def test_a_request_with_a_first_scheme_token_still_works(workspace: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "mail-secret-for-tests")
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    old = first_scheme_token("mail-secret-for-tests", "estuary-weekly", "ben@example.net")
    inbox.add(request(f"unsubscribe {old}", "someone@else.example"))
    assert main(["subscribers", "unsubscribe-mail", str(tmp_path / "inbox"),
                 "--workspace", str(workspace)]) == 0
    assert "1 unsubscribed" in capsys.readouterr().err
    with Ledger(workspace / "digest.db") as ledger:
        assert ledger.suppressions.is_suppressed("ben@example.net")

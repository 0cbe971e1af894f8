"""Reading the mailboxes bounces arrive in: a Maildir, an mbox file, and an IMAP folder on
a real Dovecot server (over TLS, and over STARTTLS). Every one is left as it was."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.errors import BadMailboxSource, ExitCode, MailboxError
from digest.feedback.imap import parse_imap_url
from digest.feedback.mailboxes import ImapAccess, open_mailbox
from tests.support.bounce_samples import readdressed
from tests.support.imap_server import ImapServer

RETURN_PATH = "bounces+k3bq5zt7m2xw4yfa@bounces.tidewater.example"


def reports(count: int) -> list[bytes]:
    names = ["dsn-teamware-5.1.1", "arf-yahoo-abuse", "vacation-rfc3834"]
    return [readdressed(names[i % len(names)], RETURN_PATH, f"reader{i}@example.org",
                        message_id=f"<m{i}@mx.example>") for i in range(count)]


def lf(messages: list[bytes]) -> list[bytes]:
    """IMAP speaks CRLF: APPEND turns each LF into CRLF."""
    return [message.replace(b"\r\n", b"\n") for message in messages]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_maildir_is_read_new_and_cur_and_left_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "Maildir"
    box = mailbox.Maildir(folder, create=True)
    sent = reports(3)
    for raw in sent[:2]:
        box.add(raw)  # new/
    seen = mailbox.MaildirMessage(sent[2])
    seen.set_subdir("cur")
    seen.add_flag("S")
    box.add(seen)
    before = snapshot(folder)
    with open_mailbox(str(folder)) as opened:
        assert opened.count == 3
        read = list(opened.messages())
    assert sorted(read) == sorted(sent)
    assert snapshot(folder) == before  # nothing moved from new/ to cur/, no flag changed


def test_an_mbox_file_is_read_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "bounces.mbox"
    box = mailbox.mbox(path, create=True)
    sent = reports(2)
    for raw in sent:
        box.add(raw)
    box.close()
    before = path.read_bytes()
    with open_mailbox(str(path)) as opened:
        read = list(opened.messages())
    assert lf(read) == lf(sent)
    assert path.read_bytes() == before


def test_a_source_that_is_no_mailbox_is_named(tmp_path: Path) -> None:
    with pytest.raises(MailboxError) as missing, open_mailbox(str(tmp_path / "nowhere")):
        pass
    assert str(missing.value).startswith(f"{tmp_path / 'nowhere'}: no such mailbox")
    (tmp_path / "plain").mkdir()
    with pytest.raises(MailboxError) as plain, open_mailbox(str(tmp_path / "plain")):
        pass
    assert "not a Maildir (no cur/ or new/ inside)" in str(plain.value)


def test_imap_urls() -> None:
    source = parse_imap_url("imaps://bounces%40news.example@mail.example.org/Bounces%20In")
    assert (source.user, source.host, source.port, source.folder) == (
        "bounces@news.example", "mail.example.org", 993, "Bounces In")
    assert parse_imap_url("imap://b@mail.example.org").port == 143
    assert parse_imap_url("imap://b@mail.example.org").folder == "INBOX"
    assert parse_imap_url("imap://b@127.0.0.1:1143/x").local
    assert parse_imap_url("imap://b@localhost/x").local
    remote = parse_imap_url("imap://b@mail.example.org/x")
    assert not remote.local
    assert not remote.may_log_in_without_tls(allowed=False)
    assert remote.may_log_in_without_tls(allowed=True)  # --allow-plaintext-auth
    with pytest.raises(BadMailboxSource) as secret:
        parse_imap_url("imaps://b:hunter2@mail.example.org/INBOX")
    assert "hunter2" not in str(secret.value)
    assert "DIGEST_BOUNCES_PASSWORD" in str(secret.value)
    assert secret.value.exit_code == ExitCode.USAGE
    for bad in ("imaps://mail.example.org/INBOX", "imaps://b@mail.example.org/Boîte",
                "imaps://b@mail.example.org/INBOX?x=1"):
        with pytest.raises(BadMailboxSource):
            parse_imap_url(bad)


@pytest.fixture
def dovecot() -> Iterator[ImapServer]:
    with ImapServer.started() as server:
        yield server


def access(server: ImapServer, **changes: object) -> ImapAccess:
    values: dict[str, object] = {"password": server.password, "cafile": server.cafile,
                                 "timeout": 30.0}
    values.update(changes)
    return ImapAccess(**values)  # type: ignore[arg-type]


@pytest.mark.slow
def test_imap_over_tls_reads_every_message_and_changes_no_flag(dovecot: ImapServer) -> None:
    sent = reports(4)
    for raw in sent[:3]:
        dovecot.append(raw)
    dovecot.append(sent[3], folder="Bounces")
    before = dovecot.state()
    with open_mailbox(dovecot.url("imaps"), access(dovecot)) as opened:
        assert opened.count == 3
        assert opened.name == dovecot.url("imaps")
        read = list(opened.messages())
    assert lf(read) == lf(sent[:3])
    assert dovecot.state() == before  # no \Seen, nothing moved or deleted
    with open_mailbox(dovecot.url("imaps", "Bounces"), access(dovecot)) as other:
        assert lf(list(other.messages())) == lf(sent[3:])


@pytest.mark.slow
def test_imap_with_starttls(dovecot: ImapServer) -> None:
    sent = reports(1)
    dovecot.append(sent[0])
    with open_mailbox(dovecot.url("imap"), access(dovecot)) as opened:
        assert lf(list(opened.messages())) == lf(sent)
    logins = [line for line in dovecot.log.splitlines() if "Login: user=<bounces>" in line]
    assert logins and all(", TLS," in line for line in logins)


@pytest.mark.slow
def test_imap_failures_name_the_source_and_never_the_password(dovecot: ImapServer) -> None:
    url = dovecot.url("imaps")
    with pytest.raises(MailboxError) as refused, \
            open_mailbox(url, access(dovecot, password="wrong-password-1")):
        pass
    assert str(refused.value).startswith(f"{url}: login refused")
    assert "wrong-password-1" not in str(refused.value)

    with pytest.raises(BadMailboxSource) as no_password, \
            open_mailbox(url, access(dovecot, password=None)):
        pass
    assert "set DIGEST_BOUNCES_PASSWORD" in str(no_password.value)

    with pytest.raises(MailboxError) as untrusted, \
            open_mailbox(url, access(dovecot, cafile=None)):
        pass
    assert "certificate verify failed" in str(untrusted.value)

    missing = dovecot.url("imaps", "Nowhere")
    with pytest.raises(MailboxError) as no_folder, open_mailbox(missing, access(dovecot)):
        pass
    assert str(no_folder.value).startswith(f"{missing}: cannot open the folder 'Nowhere'")


def test_a_closed_port_is_named(tmp_path: Path) -> None:
    from tests.support.smtp_server import free_port

    url = f"imaps://bounces@127.0.0.1:{free_port()}/INBOX"
    with pytest.raises(MailboxError) as closed, \
            open_mailbox(url, ImapAccess(password="x", timeout=5)):
        pass
    assert str(closed.value).startswith(f"{url}: cannot connect")

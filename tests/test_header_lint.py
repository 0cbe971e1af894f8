"""Every header of generated messages, linted: folded to 78 characters where folding allows,
never over 998, encoded words at most 75, one address per mailbox header, and parsed back by
Python's email parser (policy.default) to exactly what was meant. The last test sends such a
message through a real SMTP server, which refuses lines over 1,000 octets.

One exception, and it is Python's: a display name too long for one encoded word is several,
and RFC 2047 (section 6.2) says the space between two encoded words is not part of the text;
we put the name's own spaces inside the words. Python's parser keeps that space in display
names (CPython gh-128110, fixed after 3.13), so such names are read with the RFC's rule.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from email import message_from_string, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest

from digest.cli.main import main
from digest.models import Subscriber
from digest.rendering.compose import render_edition
from digest.rendering.messages import MessageFactory
from digest.rendering.slots import one_line
from digest.settings import Settings
from tests.support.rendering import make_edition
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory

CONFIG = """\
newsletter:
  name: {name}
  id: tides-tools
  from: {sender}
  reply_to: {reply_to}
  timezone: UTC
  public_url: https://tides.example/letters
  unsubscribe_mailto: leave@tides.example
"""
GERMAN = "Neuigkeiten vom Wehr: Fischtreppe eröffnet, Bäckerei öffnet um vier – Grüße!"
LONG_SUBJECT = ("Tides and tools for the week ahead " * 124)[:4200]
UNBROKEN = "Tidesandtools" * 120  # 1,560 characters without a space
SUBJECTS = [GERMAN, LONG_SUBJECT, UNBROKEN, "Плавучий маяк и новые буи: " * 6,
            "=?utf-8?q?Not_decoded?= stays as typed", "Plain short subject"]
HOSTILE = "Boss <boss@corp.example>, Zoe"
NAMES = [
    ("Marlow Quince", "marlow@example.org"),
    ("Wren " * 240, "wren@example.org"),  # 1,200 characters with spaces
    ("W" * 1200, "w@example.org"),  # 1,200 without
    ("Zoë Ångström " * 90, "zoe@example.org"),
    (HOSTILE, "zoe@example.org"),
    (HOSTILE, "zoë@exämple.org"),  # SMTPUTF8: the name stays UTF-8 but must be quoted
    ("=?utf-8?q?Boss?=", "ann@example.org"),  # must show literally, not as "Boss"
    ("=?utf-8?q?Boss?=", "ånn@example.org"),
    ('Ann "The \\ Boss" O\'Neil', "ann@example.org"),
    ("Jo Q. Public", "jo@example.org"),
    ("", "plain@example.org"),
]
NEWSLETTERS = ["Notes: Tides, Tools", "Hafen-Notizen für Bäcker", "The \"Quoted\" Weekly",
               "Notes " * 30]
ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=")


def settings_for(root: Path, make_workspace: WorkspaceFactory, name: str = "Notes: Tides, Tools",
                 sender: str = "Tides Desk <desk@tides.example>",
                 reply_to: str = '"Editors, Tides" <editors@tides.example>') -> Settings:
    config = CONFIG.format(name=json.dumps(name), sender=json.dumps(sender),
                           reply_to=json.dumps(reply_to))
    return make_workspace.settings(root, "rendering", config=config)


def header_lines(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    return head.split("\r\n")


def unfolded(raw: bytes, name: str) -> str:
    head = "\r\n".join(header_lines(raw)).replace("\r\n ", " ")
    (value,) = [line.partition(": ")[2] for line in head.split("\r\n")
                if line.startswith(f"{name}: ")]
    return value


def display_name(raw: bytes, parsed: EmailMessage, header: str = "To") -> str:
    """The display name as read back; several encoded words by RFC 2047's rule (see above)."""
    phrase = unfolded(raw, header).rpartition(" <")[0]
    if len(ENCODED_WORD.findall(phrase)) > 1:
        return str(make_header(decode_header(phrase)))
    return str(parsed[header].addresses[0].display_name)


def lint(raw: bytes) -> EmailMessage:
    """Assert the header rules, then return the message as Python's parser reads it.

    A message to an internationalised address has UTF-8 headers (RFC 6532, sent with
    SMTPUTF8): it is read as text, and Python's note that a local part is not ASCII is
    expected there."""
    for line in header_lines(raw):
        octets = len(line.encode("utf-8"))
        assert octets <= 998, line[:80]
        if octets > 78:  # only a word that cannot be broken may make a line long
            body = line[1:] if line.startswith(" ") else line.partition(": ")[2]
            assert " " not in body, f"foldable line of {octets} octets: {line[:80]}..."
        for word in ENCODED_WORD.findall(line):
            assert len(word) <= 75, word
    parsed = message_from_string(raw.decode("utf-8"), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.defects == []
    for name in ("From", "To", "Reply-To", "Subject", "List-Id", "List-Unsubscribe"):
        if name == "Reply-To" and parsed[name] is None:
            continue
        defects = [type(d).__name__ for d in parsed[name].defects]
        assert defects in ([], ["NonASCIILocalPartDefect"]), (name, defects)
        if defects:
            assert not unfolded(raw, name).isascii()
    return parsed


@pytest.fixture
def settings(tmp_path: Path, make_workspace: WorkspaceFactory) -> Settings:
    return settings_for(tmp_path / "ws", make_workspace)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_subjects_fold_and_read_back(settings: Settings, subject: str) -> None:
    edition = replace(make_edition(), subject=subject)
    factory = MessageFactory(render_edition(edition, settings), settings, "s3cret")
    parsed = lint(factory.build(Subscriber("marlow@example.org", "Marlow Quince")))
    assert parsed["Subject"] == one_line(subject)


@pytest.mark.parametrize(("name", "email"), NAMES)
def test_long_and_hostile_names_are_one_address(settings: Settings, name: str,
                                                email: str) -> None:
    factory = MessageFactory(render_edition(make_edition(), settings), settings, "s3cret")
    raw = factory.build(Subscriber(email, name))
    parsed = lint(raw)
    (address,) = parsed["To"].addresses
    assert (display_name(raw, parsed), address.addr_spec) == (one_line(name), email)
    (sender,) = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Tides Desk", "desk@tides.example")
    (reply,) = parsed["Reply-To"].addresses
    assert (reply.display_name, reply.addr_spec) == ("Editors, Tides", "editors@tides.example")


@pytest.mark.parametrize("newsletter", NEWSLETTERS)
def test_list_id_phrase_is_quoted_or_encoded(tmp_path: Path, make_workspace: WorkspaceFactory,
                                             newsletter: str) -> None:
    settings = settings_for(tmp_path / "ws", make_workspace, name=newsletter)
    factory = MessageFactory(render_edition(make_edition(), settings), settings, "s3cret")
    parsed = lint(factory.build(Subscriber("marlow@example.org", "Marlow Quince")))
    assert parseaddr(str(parsed["List-Id"])) == (one_line(newsletter),
                                                 "tides-tools.tides.example")
    urls = re.findall(r"<([^>]+)>", str(parsed["List-Unsubscribe"]))
    assert urls[0].startswith("https://tides.example/letters/unsubscribe/")
    assert urls[1].startswith("mailto:leave@tides.example?subject=unsubscribe%20")


def test_a_name_that_looks_encoded_is_shown_as_typed(
        settings: Settings) -> None:
    factory = MessageFactory(render_edition(make_edition(), settings), settings, "s3cret")
    raw = factory.build(Subscriber("ann@example.org", "=?utf-8?q?Boss?="))
    assert "=?utf-8?q?Boss?=" not in raw.split(b"\r\n\r\n")[0].decode()  # it was encoded
    assert lint(raw)["To"].addresses[0].display_name == "=?utf-8?q?Boss?="
    assert display_name(raw, lint(raw)) == "=?utf-8?q?Boss?="


def test_long_subject_and_name_go_through_a_real_server(
        tmp_path: Path, make_workspace: WorkspaceFactory, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    name = "Marlow " * 170 + "Boss <boss@corp.example>, Zoe"
    with SmtpServer() as server:
        root = make_workspace(tmp_path / "ws", "delivery", smtp_url=server.url,
                              subscribers=f'email,name\nzoë@exämple.org,"{name}"\n')
        (root / "editions").mkdir()
        (root / "editions" / "2026-W48.yaml").write_text(
            f"subject: {json.dumps(LONG_SUBJECT)}\n", encoding="utf-8")
        monkeypatch.setenv("DIGEST_SECRET", "s3cret")
        assert main(["weekly", "-w", str(root), "--week", "2026-W48", "--yes", "--force"]) == 0, \
            capsys.readouterr().err
        (received,) = server.received
    parsed = lint(received.data)
    assert parsed["Subject"] == one_line(LONG_SUBJECT)
    (address,) = parsed["To"].addresses
    assert (display_name(received.data, parsed), address.addr_spec) == (
        one_line(name), "zoë@exämple.org")

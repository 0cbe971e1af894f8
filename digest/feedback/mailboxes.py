"""The mailboxes `digest bounces` reads: a Maildir folder, an mbox file, or an IMAP folder
(imap.py). Every one is only read: no message is moved, deleted or marked seen.

    open_mailbox("/var/mail/bounces")                       an mbox file
    open_mailbox("~/Maildir")                               a Maildir (cur/, new/)
    open_mailbox("imaps://bounces@mail.example.org/INBOX")  IMAP over TLS (imap.py)

Each gives its `name` (for messages; never a password), `count` (messages in it when it
was opened) and `messages()`, the raw bytes of each in turn.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from digest.errors import MailboxError
from digest.feedback.imap import ImapMailbox, parse_imap_url


class Mailbox(Protocol):
    name: str
    count: int

    def messages(self) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class ImapAccess:
    """What an IMAP source needs beside its URL; all of it from the environment or flags."""

    password: str | None = None
    cafile: Path | None = None  # trust this CA instead of the system's (a private server)
    allow_plaintext: bool = False  # log in without TLS to a host other than this one
    timeout: float = 60.0


class LocalMailbox:
    """A Maildir folder or an mbox file, read where it lies."""

    def __init__(self, path: Path) -> None:
        self.name = str(path)
        if path.is_dir():
            if not (path / "cur").is_dir() and not (path / "new").is_dir():
                raise MailboxError(f"{path}: not a Maildir (no cur/ or new/ inside)")
            self.box: mailbox.Mailbox = mailbox.Maildir(path, factory=None, create=False)
        elif path.is_file():
            self.box = mailbox.mbox(path, factory=None, create=False)
        else:
            raise MailboxError(f"{path}: no such mailbox (give a Maildir folder, an mbox "
                               "file or an imap:// or imaps:// URL)")
        try:
            self.keys = list(self.box.iterkeys())
        except OSError as error:
            raise MailboxError(f"{path}: cannot read: {error.strerror or error}") from None
        self.count = len(self.keys)

    def messages(self) -> Iterator[bytes]:
        for key in self.keys:
            try:
                yield self.box.get_bytes(key)
            except KeyError:  # taken away by a mail client since the listing
                continue
            except OSError as error:
                raise MailboxError(f"{self.name}: cannot read: "
                                   f"{error.strerror or error}") from None


@contextmanager
def open_mailbox(source: str, access: ImapAccess = ImapAccess()) -> Iterator[Mailbox]:
    if source.lower().startswith(("imap://", "imaps://")):
        with ImapMailbox(parse_imap_url(source), access.password, access.cafile,
                         access.allow_plaintext, access.timeout) as remote:
            yield remote
        return
    local = LocalMailbox(Path(source).expanduser())
    try:
        yield local
    finally:
        local.box.close()

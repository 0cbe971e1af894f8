"""Unsubscribe requests that arrive by mail, at the `mailto:` of List-Unsubscribe.

Each message sent carries `<mailto:ADDRESS?subject=unsubscribe%20TOKEN>`; mail clients send
a message with that subject. The signed token, not the From header (easily forged), says
whose subscription ends. The mailbox is only read: processing it twice changes nothing.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.header import decode_header, make_header
from pathlib import Path

from digest.audience.suppressions import SuppressionReason, SuppressionStore
from digest.audience.unsubscribe_tokens import read_token
from digest.errors import BadUnsubscribeToken, DigestError

# A token of either scheme (unsubscribe_tokens.py): an opaque one (64 characters or more),
# or one of the first scheme's, with a dot.
_REQUEST = re.compile(r"\bunsubscribe\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|[A-Za-z0-9_-]{64,})",
                      re.IGNORECASE)


@dataclass
class MailboxResult:
    unsubscribed: int = 0
    already: int = 0
    bad_tokens: int = 0
    not_requests: int = 0


def _subjects(path: Path) -> Iterator[str]:
    """Subjects of every message in a Maildir folder or an mbox file."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise DigestError(f"{path}: not a Maildir (no cur/ or new/ inside)")
        box: mailbox.Mailbox = mailbox.Maildir(path, create=False)
    elif path.is_file():
        box = mailbox.mbox(path, create=False)
    else:
        raise DigestError(f"{path}: no such mailbox")
    for message in box:
        raw = message.get("Subject", "")
        try:
            yield str(make_header(decode_header(str(raw))))
        except (UnicodeDecodeError, LookupError, ValueError):
            yield str(raw)


def process_mailbox(path: Path, store: SuppressionStore, secret: str,
                    list_id: str) -> MailboxResult:
    result = MailboxResult()
    for subject in _subjects(path):
        match = _REQUEST.search(subject)
        if not match:
            result.not_requests += 1
            continue
        try:
            email = read_token(secret, list_id, match.group(1))
        except BadUnsubscribeToken:
            result.bad_tokens += 1
            continue
        if store.suppress(email, SuppressionReason.UNSUBSCRIBED, "mailto"):
            result.unsubscribed += 1
        else:
            result.already += 1
    return result

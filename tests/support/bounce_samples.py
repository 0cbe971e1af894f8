"""The real bounces and feedback reports in tests/fixtures/bounces (see SOURCES.md there),
readdressed to the message under test.

Each sample names the two addresses that stand for ours in it: `sender`, the original's
envelope sender (where a bounce goes back to: our return path), and `recipient`, the
address that failed or complained (None where the report redacts it). `readdressed`
swaps them for the real ones, gives the copy a fresh Message-ID and Date, and, like a
local delivery agent putting it into a mailbox, may add a Delivered-To line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bounces"


@dataclass(frozen=True)
class Sample:
    file: str
    kind: str  # hard | soft | complaint | unknown, as classify() must say
    status: str  # the status classify() must report ("" for none)
    sender: str
    recipient: str | None

    @property
    def raw(self) -> bytes:
        return (FIXTURES / self.file).read_bytes()


SAMPLES = {sample.file.removesuffix(".eml"): sample for sample in (
    Sample("dsn-teamware-5.1.1.eml", "hard", "5.1.1", "wed_ride-bounces@grizz.org",
           "userx@example.jp"),
    Sample("microsoft-smtpsvc-5.1.1.eml", "hard", "5.1.1", "wed_ride-bounces@grizz.org",
           "userx@example.com"),
    Sample("postfix-5.1.1.eml", "hard", "5.1.1", "mailman-developers-admin@python.org",
           "xxxxx@local.ie"),
    Sample("exim-5.1.1.eml", "hard", "5.1.1", "lanparty-helden-admin@rotzorg.org",
           "userx@its.example.nl"),
    Sample("qmail-permanent.eml", "soft", "", "psa-members-admin@python.org",
           "userx@example.de"),
    Sample("postfix-delayed-4.3.0.eml", "unknown", "", "pray4-team-bounces@strategicnetwork.org",
           "userx@example.fi"),
    Sample("messagingserver-4.2.2-over-quota.eml", "soft", "4.2.2", "sironeko@example.net",
           "pseudo-local-part-kijitora-neko-nyaan@mac.com"),
    Sample("postfix-5.2.2-quota.eml", "soft", "5.2.2", "neko@example.jp",
           "neko@nyaaan.example.org"),
    Sample("arf-yahoo-abuse.eml", "complaint", "abuse", "shironeko@example.com",
           "this-local-part-does-not-exist-on-yahoo@yahoo.com"),
    Sample("arf-redacted-abuse.eml", "complaint", "abuse", "support@example.ed.jp", None),
    Sample("arf-dmarc-auth-failure.eml", "unknown", "auth-failure", "sironeko@example.org",
           "kijitora@example.com"),
    Sample("vacation-rfc3834.eml", "unknown", "", "neko@libsisimai.org", None),
    Sample("rfc5965-abuse.eml", "complaint", "abuse", "somespammer@example.net",
           "user@example.com"),
)}
ACTED_ON = [name for name, sample in SAMPLES.items() if sample.kind != "unknown"]


def _set_field(head: bytes, name: bytes, value: bytes, newline: bytes) -> bytes:
    """Replace the first `name:` field of a header (with its folded lines), or add it."""
    field = re.compile(rb"^" + name + rb":[^\n]*\n(?:[ \t][^\n]*\n)*", re.IGNORECASE | re.M)
    line = name + b": " + value + newline
    replaced, count = field.subn(lambda _: line, head, count=1)
    return replaced if count else line + head


def readdressed(name: str, return_path: str, recipient: str, *, message_id: str,
                date: datetime | None = None, delivered_to: bool = True) -> bytes:
    """The sample `name` about `recipient`, sent back to `return_path`."""
    sample = SAMPLES[name]
    raw = sample.raw
    if raw.startswith(b"From "):  # an mbox separator line, not part of the message
        raw = raw.split(b"\n", 1)[1]
    raw = raw.replace(sample.sender.encode(), return_path.encode())
    if sample.recipient:
        raw = raw.replace(sample.recipient.encode(), recipient.encode())
    newline = b"\r\n" if b"\r\n" in raw.split(b"\n\n", 1)[0] else b"\n"
    head, _, body = raw.partition(newline + newline)
    head += newline
    head = _set_field(head, b"Message-ID", message_id.encode(), newline)
    when = format_datetime(date or datetime.now(UTC)).encode()
    head = _set_field(head, b"Date", when, newline)
    if delivered_to:
        head = b"Delivered-To: " + return_path.encode() + newline + head
    return head + newline + body

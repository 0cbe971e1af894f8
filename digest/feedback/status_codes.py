"""RFC 3463 enhanced status codes (class.subject.detail), and which of them say the
mailbox is gone for good.

Only a permanent class (5) with a subject that names the recipient's mailbox or domain
is hard: the address itself is bad (5.1.1 no such user, 5.1.2 no such domain, 5.1.10 null
MX), the mailbox is disabled (5.2.1, 5.7.13) or has a new owner (5.7.17, 5.7.18), or the
destination cannot be reached at all (5.4.1, 5.4.4, Microsoft's 5.4.310 "DNS domain does
not exist"). Everything else that failed is soft: a full mailbox (x.2.2, even in class 5),
a message too large, a policy or reputation refusal (5.7.x) that says more about the
sender than about the reader, and a bare 5.0.0 that names no reason. Soft failures
suppress only when they repeat (bounces.soft_limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    HARD = "hard"  # the address is gone: suppress at once
    SOFT = "soft"  # may pass: counted, suppressed when it repeats


# (subject, detail) pairs that are hard in class 5; see the module docstring.
HARD = frozenset({(1, 1), (1, 2), (1, 3), (1, 4), (1, 6), (1, 10), (2, 1), (4, 1), (4, 4),
                  (4, 310), (7, 13), (7, 17), (7, 18)})

_STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})(?!\d)")
# An SMTP reply with an enhanced code: "550 5.1.1", "550-5.1.1", "550\n    5.2.2"; the two
# classes must agree, which keeps version numbers and addresses out.
_REPLY = re.compile(r"(?<![\d.])([245])\d\d[\s-]+([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
_BASIC = re.compile(r"^\s*(?:smtp\s*;\s*)?([245])\d\d(?!\d)", re.IGNORECASE)


@dataclass(frozen=True)
class StatusCode:
    klass: int  # 2 success, 4 persistent transient failure, 5 permanent failure
    subject: int
    detail: int

    def __str__(self) -> str:
        return f"{self.klass}.{self.subject}.{self.detail}"

    @property
    def vague(self) -> bool:
        """x.0.0: a failure that names no reason."""
        return self.subject == 0 and self.detail == 0

    @property
    def severity(self) -> Severity:
        hard = self.klass == 5 and (self.subject, self.detail) in HARD
        return Severity.HARD if hard else Severity.SOFT


def parse_status(text: str) -> StatusCode | None:
    """The code at the start of a DSN Status field ("5.1.1 (user unknown)"), or None."""
    match = _STATUS.match(text)
    return StatusCode(*map(int, match.groups())) if match else None


def codes_in_replies(text: str) -> list[StatusCode]:
    """Enhanced codes that follow an SMTP reply code in free text, in order."""
    found = []
    for match in _REPLY.finditer(text):
        if match.group(1) == match.group(2):
            found.append(StatusCode(*map(int, match.groups()[1:])))
    return found


def basic_class(text: str) -> int | None:
    """The class of a bare SMTP reply code at the start ("553 too big", "smtp; 550 ...")."""
    match = _BASIC.match(text)
    return int(match.group(1)) if match else None


def worst(codes: list[StatusCode]) -> StatusCode | None:
    """The code that weighs most: a hard one first, then a permanent one, then the first."""
    if not codes:
        return None
    return min(codes, key=lambda code: (code.severity != Severity.HARD, code.klass != 5))

"""What a permanent refusal at RCPT says about the mailbox: gone, full, or policy.

Only a mailbox the server says does not exist (or is disabled) is a bounce that suppresses
the address at once; a policy refusal (spam, a blocklist, authentication) says nothing
about the mailbox and must not cost a reader their subscription. The enhanced status code
(RFC 3463) decides where the server gives one; otherwise the usual wordings do, and a
reply that also speaks of policy is never taken for a missing mailbox.
"""

from __future__ import annotations

import re
from enum import StrEnum

# The reply codes a server uses for a recipient it will not take (RFC 5321 4.2.2).
_RECIPIENT_CODES = frozenset({550, 551, 553})
_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?:\s|$)")
_GONE_STATUSES = frozenset({"5.1.0", "5.1.1", "5.1.10", "5.2.1"})
_FULL_STATUSES = frozenset({"5.2.2"})
_GONE_WORDS = re.compile(r"user unknown|unknown user|no such user|mailbox unavailable"
                         r"|does not exist|doesn't exist", re.IGNORECASE)
_POLICY_WORDS = re.compile(r"spam|block|policy|denied|reputation|auth|relay", re.IGNORECASE)


class Refusal(StrEnum):
    """What a permanent refusal of a recipient means for its address."""

    MAILBOX_GONE = "mailbox gone"  # no such mailbox, or disabled: suppress (bounced)
    MAILBOX_FULL = "mailbox full"  # 5.2.2: the reader is still there
    POLICY = "policy"  # 5.7.x or policy words: about us or the message, not the mailbox
    OTHER = "other"  # anything else: failed, not suppressed


def enhanced_status(text: str) -> str | None:
    """The enhanced status code (`5.1.1`) a reply's text starts with, if any."""
    match = _ENHANCED.match(text.lstrip())
    return ".".join(match.groups()) if match else None


def classify(code: int, text: str) -> Refusal:
    """What a permanent (5xx) refusal of RCPT TO, with its reply text, says."""
    status = enhanced_status(text)
    if status is not None:
        if status.startswith("5.7."):
            return Refusal.POLICY
        if status in _FULL_STATUSES:
            return Refusal.MAILBOX_FULL
        if status in _GONE_STATUSES and code in _RECIPIENT_CODES:
            return Refusal.MAILBOX_GONE
        return Refusal.OTHER
    if _POLICY_WORDS.search(text):
        return Refusal.POLICY
    if code in _RECIPIENT_CODES and _GONE_WORDS.search(text):
        return Refusal.MAILBOX_GONE
    return Refusal.OTHER


def mailbox_gone(code: int, text: str) -> bool:
    """Whether a 5xx refusal of RCPT TO says the mailbox does not exist (or is disabled)."""
    return 500 <= code < 600 and classify(code, text) is Refusal.MAILBOX_GONE

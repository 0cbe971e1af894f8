"""Feedback reports (ARF, RFC 5965): what mailbox providers send back through their
feedback loops when a reader presses "this is spam".

A report is a multipart/report (report-type=feedback-report) with a message/feedback-report
part of fields and, after it, the original message or its header:

    Feedback-Type: abuse
    User-Agent: Yahoo!-Mail-Feedback/1.0
    Version: 1
    Original-Mail-From: <bounces+tkn...@news.example.org>
    Original-Rcpt-To: <ann@example.org>

Original-Mail-From is the envelope sender the provider received, our return path; the
original's Return-Path says the same. Providers may redact the recipient (Microsoft's
JMRP does), so neither Original-Rcpt-To nor the original's To is relied on.

Which feedback types are complaints: abuse (spam), fraud (phishing), and opt-out (early
ARF drafts' "unsubscribe me"). Not complaints: auth-failure (a DKIM/SPF/DMARC failure
report, RFC 6591: about our mail setup, not about a reader), not-spam (RFC 6430: a reader
rescued it), virus and other; those are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from digest.feedback.parts import field_blocks, one_line, parts_of, typed_address

REPORT_TYPES = ("message/feedback-report",)
COMPLAINT_TYPES = frozenset({"abuse", "fraud", "opt-out"})


@dataclass(frozen=True)
class FeedbackReport:
    feedback_type: str  # lower case; "" when the report names none
    user_agent: str
    original_mail_from: str
    original_rcpt_to: tuple[str, ...]

    @property
    def complaint(self) -> bool:
        return self.feedback_type in COMPLAINT_TYPES


def read_feedback_report(message: Message) -> FeedbackReport | None:
    """The feedback fields of `message`, or None when it has no feedback-report part."""
    part = (next(parts_of(message, *REPORT_TYPES), None)
            or next(parts_of(message, *REPORT_TYPES, nested=True), None))
    if part is None:
        return None
    fields = Message()
    for block in field_blocks(part):  # one block, but be lenient about empty lines
        for name, value in block.items():
            fields[name] = value
    return FeedbackReport(
        feedback_type=one_line(fields.get("Feedback-Type", "")).lower(),
        user_agent=one_line(fields.get("User-Agent", "")),
        original_mail_from=typed_address(fields.get("Original-Mail-From", "")),
        original_rcpt_to=tuple(typed_address(value)
                               for value in fields.get_all("Original-Rcpt-To", [])))

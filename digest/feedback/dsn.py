"""Delivery status notifications (RFC 3464) read field by field.

A DSN is a multipart/report (report-type=delivery-status) whose message/delivery-status
part holds one block of fields about the message, then one block per recipient:

    Final-Recipient: rfc822; ann@example.org
    Action: failed
    Status: 5.1.1
    Diagnostic-Code: smtp; 550 5.1.1 <ann@example.org>... User Unknown

flufl.bounce tells permanent from temporary failures by the Action alone, so a full
mailbox reported as "Action: failed" counts as permanent there. This reader keeps the
Status code, and the code inside the Diagnostic-Code when the Status is a bare x.0.0, so
that status_codes.py can tell a gone mailbox from a full one. Servers that write
"Action: failure" or "error", or comments after the action, are read as failed. The
report part may sit anywhere in the message (some servers wrap the report in a
multipart/mixed); message/global-delivery-status (RFC 6533) is read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from enum import StrEnum

from digest.feedback.parts import field_blocks, one_line, parts_of, typed_address
from digest.feedback.status_codes import StatusCode, basic_class, codes_in_replies, parse_status

REPORT_TYPES = ("message/delivery-status", "message/global-delivery-status")
_RECIPIENT_FIELDS = ("final-recipient", "original-recipient", "action", "status")


class Action(StrEnum):
    FAILED = "failed"
    DELAYED = "delayed"  # still trying: a warning, not a bounce
    DELIVERED = "delivered"
    RELAYED = "relayed"
    EXPANDED = "expanded"
    MISSING = "missing"  # no Action field, or one no server should write


@dataclass(frozen=True)
class RecipientStatus:
    """One per-recipient block of a DSN."""

    final_recipient: str
    original_recipient: str
    action: Action
    status: StatusCode | None  # None: no code could be read
    permanent: bool | None  # the class of a bare SMTP reply when there is no code
    diagnostic: str  # the Diagnostic-Code, on one line ("" when none)


@dataclass(frozen=True)
class DeliveryReport:
    recipients: tuple[RecipientStatus, ...]
    envelope_senders: tuple[str, ...]  # the returned message's MAIL FROM, where reported

    def failed(self) -> list[RecipientStatus]:
        return [r for r in self.recipients if r.action == Action.FAILED]

    def delayed(self) -> list[RecipientStatus]:
        return [r for r in self.recipients if r.action == Action.DELAYED]


def read_delivery_report(message: Message) -> DeliveryReport | None:
    """The DSN fields of `message`, or None when it has no delivery-status part."""
    parts = (list(parts_of(message, *REPORT_TYPES))
             or list(parts_of(message, *REPORT_TYPES, nested=True)))
    if not parts:
        return None
    recipients: list[RecipientStatus] = []
    senders: list[str] = []
    for part in parts:
        for block in field_blocks(part):
            names = {name.lower() for name in block}
            if names & set(_RECIPIENT_FIELDS):
                recipients.append(_recipient(block))
            # Postfix names the returned message's envelope sender (our return path).
            senders += [typed_address(v) for v in block.get_all("X-Postfix-Sender", [])]
    return DeliveryReport(tuple(recipients), tuple(s for s in senders if s))


def _recipient(block: Message) -> RecipientStatus:
    diagnostic = one_line(block.get("Diagnostic-Code", ""))
    status_text = one_line(block.get("Status", ""))
    status = parse_status(status_text)
    if status is None or status.vague:
        # "Status: 5.0.0" with "Diagnostic-Code: smtp; 550 5.1.1 ..." says more.
        named = codes_in_replies(diagnostic)
        if named and (status is None or named[0].klass == status.klass):
            status = named[0]
    permanent = None
    if status is None:  # "Status: 553 Exceeded maximum..." or only a bare reply code
        klass = basic_class(status_text) or basic_class(diagnostic)
        permanent = None if klass is None else klass == 5
    return RecipientStatus(
        final_recipient=typed_address(block.get("Final-Recipient", "")),
        original_recipient=typed_address(block.get("Original-Recipient", "")),
        action=_action(one_line(block.get("Action", ""))),
        status=status, permanent=permanent, diagnostic=diagnostic)


def _action(text: str) -> Action:
    word = text.lower().split(" ", 1)[0].split("(", 1)[0]
    if word.startswith(("fail", "error")):  # "failure" and "error" are seen in the wild
        return Action.FAILED
    try:
        return Action(word)
    except ValueError:
        return Action.MISSING

"""One verdict per message read from the bounce mailbox: hard, soft, complaint or unknown.

    1. a feedback report (arf.py): a complaint, or unknown for the types that are not
    2. a DSN (dsn.py): the worst failed recipient decides, by its status code
       (status_codes.py); a DSN that only reports delays or deliveries is unknown
    3. anything else goes to flufl.bounce (Mailman's detectors for Exim, qmail, old
       Postfix, Microsoft and other non-standard bounces): a permanent failure is hard
       only when the text names a hard status code after an SMTP reply ("553 5.1.1");
       without a code it is soft, so a heuristic alone never suppresses at once.
       Temporary failures it finds are delay warnings: unknown.
    4. unknown: auto-replies, replies, spam, anything else.

Unknown messages are left alone: no suppression, no count towards the soft rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from enum import StrEnum

from flufl.bounce import all_failures

from digest.feedback.arf import read_feedback_report
from digest.feedback.dsn import Action, DeliveryReport, RecipientStatus, read_delivery_report
from digest.feedback.parts import text_of
from digest.feedback.status_codes import Severity, codes_in_replies, worst

DETAIL_CHARS = 200


class VerdictKind(StrEnum):
    HARD = "hard"
    SOFT = "soft"
    COMPLAINT = "complaint"
    UNKNOWN = "unknown"


class Detector(StrEnum):
    ARF = "arf"
    DSN = "dsn"
    FLUFL = "flufl.bounce"
    NONE = "none"


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    status: str = ""  # "5.1.1", a feedback type, "" when there is none
    detail: str = ""  # why, in a few words (a diagnostic, or the reason it is unknown)
    detector: Detector = Detector.NONE
    dsn: DeliveryReport | None = None  # the report's fields, for finding its row
    mail_from: str = ""  # ARF Original-Mail-From: the return path the provider received


def classify(message: Message) -> Verdict:
    feedback = read_feedback_report(message)
    if feedback is not None:
        if feedback.complaint:
            return Verdict(VerdictKind.COMPLAINT, feedback.feedback_type,
                           feedback.user_agent[:DETAIL_CHARS], Detector.ARF,
                           mail_from=feedback.original_mail_from)
        named = feedback.feedback_type or "no type"
        return Verdict(VerdictKind.UNKNOWN, feedback.feedback_type,
                       f"feedback report ({named}), not a complaint", Detector.ARF)
    report = read_delivery_report(message)
    if report is not None and report.recipients:
        return _from_dsn(report)
    return _from_detectors(message)


def _from_dsn(report: DeliveryReport) -> Verdict:
    failed = report.failed() + [r for r in report.recipients
                                if r.action == Action.MISSING and _permanent(r)]
    if not failed:
        why = ("delay warning: the server is still trying" if report.delayed()
               else "delivery notice, not a failure")
        return Verdict(VerdictKind.UNKNOWN, detail=why, detector=Detector.DSN, dsn=report)
    codes = [r.status for r in failed if r.status is not None]
    code = worst(codes)
    chosen = next((r for r in failed if r.status == code), failed[0])
    hard = code is not None and code.severity == Severity.HARD
    return Verdict(VerdictKind.HARD if hard else VerdictKind.SOFT,
                   str(code) if code else "", chosen.diagnostic[:DETAIL_CHARS],
                   Detector.DSN, dsn=report)


def _permanent(recipient: RecipientStatus) -> bool:
    if recipient.status is not None:
        return recipient.status.klass == 5
    return bool(recipient.permanent)


def _from_detectors(message: Message) -> Verdict:
    # flufl.bounce's detectors are heuristics over free text; one that stumbles on an
    # odd message must not stop the reading of a whole mailbox.
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # any detector fault means "not understood"
        return Verdict(VerdictKind.UNKNOWN, detail="the bounce detectors could not read it")
    if permanent:
        code = worst(codes_in_replies(text_of(message)))
        hard = code is not None and code.severity == Severity.HARD
        detail = "permanent failure" + ("" if code else " with no status code")
        return Verdict(VerdictKind.HARD if hard else VerdictKind.SOFT,
                       str(code) if code else "", detail, Detector.FLUFL)
    if temporary:
        return Verdict(VerdictKind.UNKNOWN, detail="delay warning: the server is still trying",
                       detector=Detector.FLUFL)
    return Verdict(VerdictKind.UNKNOWN, detail="not a bounce or a feedback report")

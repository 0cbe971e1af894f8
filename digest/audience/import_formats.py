"""Which tool wrote an export, told by its header, and what each status in it means.

    Mailchimp   "Email Address" with MEMBER_RATING, OPTIN_TIME, LEID...; which export it is
                (subscribed, unsubscribed, cleaned) shows in UNSUB_TIME or CLEAN_TIME
    Substack    email with active_subscription or email_disabled
    Buttondown  email or email_address with subscriber_type, or type beside notes,
                metadata, referrer_url...
    plain CSV   anything else with an email column: email[, name][, status]

Every status word maps to what import does with the row: subscribe it, suppress its
mailbox (an opt-out, with the reason kept), or leave it out (never confirmed, or paused:
not an opt-out, so nothing is recorded). A word not in the table is an error, not a guess.
Header names arrive normalised (`normalise_column`: "Email Address" is `email_address`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum

from digest.audience.suppressions import STOP_REASONS, SuppressionReason
from digest.errors import RecordProblem


class ExportFormat(StrEnum):
    MAILCHIMP = "Mailchimp"
    SUBSTACK = "Substack"
    BUTTONDOWN = "Buttondown"
    PLAIN = "plain CSV"


class Action(Enum):
    SUBSCRIBE = "subscribe"
    SUPPRESS = "suppress"
    LEAVE_OUT = "leave out"


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: SuppressionReason | None = None  # why, for SUPPRESS


SUBSCRIBED = "subscribed"
EMAIL_DISABLED = "email_disabled"  # Substack's opt-out, counted under its own name
_SUBSCRIBE = Verdict(Action.SUBSCRIBE)
_LEAVE_OUT = Verdict(Action.LEAVE_OUT)
_MANUAL = Verdict(Action.SUPPRESS, SuppressionReason.MANUAL)
# Status words of our lists, Mailchimp, Substack, Buttondown and listmonk.
VERDICTS: dict[str, Verdict] = {
    **dict.fromkeys(("", SUBSCRIBED, "active", "confirmed", "enabled", "regular", "premium",
                     "gifted", "trialed", "churning", "past_due", "unpaid"), _SUBSCRIBE),
    **{word: Verdict(Action.SUPPRESS, reason) for word, reason in STOP_REASONS.items()},
    "undeliverable": Verdict(Action.SUPPRESS, SuppressionReason.BOUNCED),
    "spam": Verdict(Action.SUPPRESS, SuppressionReason.COMPLAINED),
    # The reader turned mail off at Substack: their own opt-out, as an unsubscribe is.
    EMAIL_DISABLED: Verdict(Action.SUPPRESS, SuppressionReason.UNSUBSCRIBED),
    **dict.fromkeys(("removed", "blocklisted", "blocked", "disabled", "deleted", "spammy"),
                    _MANUAL),
    **dict.fromkeys(("pending", "unconfirmed", "unactivated", "paused"), _LEAVE_OUT),
}

EMAIL_COLUMNS = ("email", "email_address", "e_mail", "e_mail_address")
_MAILCHIMP_MARKS = {"member_rating", "optin_time", "confirm_time", "last_changed", "leid",
                    "euid"}
_BUTTONDOWN_MARKS = {"notes", "metadata", "referrer_url", "secondary_id", "creation_date"}
# Columns that track readers rather than describe them: dropped unless asked for.
TRACKING: dict[ExportFormat, frozenset[str]] = {
    ExportFormat.MAILCHIMP: frozenset(
        ("member_rating", "optin_time", "confirm_time", "latitude", "longitude", "gmtoff",
         "dstoff", "timezone", "cc", "region", "last_changed", "leid", "euid", "unsub_time",
         "unsub_campaign_title", "unsub_campaign_id", "unsub_reason", "unsub_reason_other",
         "clean_time", "clean_campaign_title", "clean_campaign_id")),
    ExportFormat.SUBSTACK: frozenset(("created_at", "expiry", "subscription_created_at")),
    ExportFormat.BUTTONDOWN: frozenset(("creation_date", "referrer_url", "secondary_id",
                                        "source", "upgrade_date")),
    ExportFormat.PLAIN: frozenset(),
}
_ANY_TRACKING = frozenset(("id", "uuid", "ip", "ip_address", "latitude", "longitude"))
_TRACKING_PATTERN = re.compile(r"^utm_|_ip$")
_TRUE, _FALSE = frozenset(("true", "yes", "1", "t")), frozenset(("false", "no", "0", "f", ""))


def detect(header: Sequence[str]) -> ExportFormat:
    names = set(header)
    if "email_address" in names and names & _MAILCHIMP_MARKS:
        return ExportFormat.MAILCHIMP
    if "email" in names and names & {"active_subscription", EMAIL_DISABLED}:
        return ExportFormat.SUBSTACK
    if names & {"email", "email_address"} and (
            "subscriber_type" in names or ("type" in names and names & _BUTTONDOWN_MARKS)):
        return ExportFormat.BUTTONDOWN
    return ExportFormat.PLAIN


def mailchimp_export(header: Sequence[str]) -> str:
    """Which of Mailchimp's audience exports this is, where its columns say; "" where
    they do not (the subscribed export, or one whose columns were trimmed)."""
    if "unsub_time" in header:
        return "unsubscribed"
    if "clean_time" in header:
        return "cleaned"
    return ""


def is_tracking(column: str, export: ExportFormat) -> bool:
    return (column in TRACKING[export] or column in _ANY_TRACKING
            or _TRACKING_PATTERN.search(column) is not None)


def status_column(export: ExportFormat, header: Sequence[str]) -> str | None:
    """The column a row's own status is read from, if the format has one."""
    if export is ExportFormat.SUBSTACK:
        return EMAIL_DISABLED if EMAIL_DISABLED in header else None
    if export is ExportFormat.BUTTONDOWN:
        return "subscriber_type" if "subscriber_type" in header else "type"
    if export is ExportFormat.PLAIN:
        return next((name for name in ("status", "subscriber_status", "member_status")
                     if name in header), None)
    return None


def row_status(export: ExportFormat, column: str | None, values: dict[str, str]) -> str:
    """The status word the row itself gives ("" where it gives none)."""
    if column is None:
        return ""
    text = values.get(column, "").strip().lower()
    if export is not ExportFormat.SUBSTACK:
        return text
    if text in _TRUE:
        return EMAIL_DISABLED
    if text in _FALSE:
        return SUBSCRIBED if text else ""
    raise RecordProblem(f"{EMAIL_DISABLED} is {text!r}: true or false expected")


def verdict(word: str) -> Verdict:
    try:
        return VERDICTS[word]
    except KeyError:
        known = ", ".join(sorted(w for w in VERDICTS if w))
        raise RecordProblem(f"unknown status {word!r} (known: {known})") from None


def chosen_status(own: str, given: str | None) -> str:
    """The row's status: its own, else `--status`, else subscribed. `--status` fills in
    what the file leaves unsaid and never overrides it: a contradiction is a problem."""
    if given is not None and own and own != given:
        raise RecordProblem(f"the file says {own!r} but --status says {given!r}")
    return own or given or SUBSCRIBED

"""One subscriber record, from whatever file it came: validated address, tags and status.

CSV and YAML readers both hand their rows here, so a record means the same thing in
either format, and import uses the same rules as the weekly run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from digest.errors import RecordProblem
from digest.models import Subscriber

# Statuses that mean "send" and "do not send"; the names cover Mailchimp, Substack and
# listmonk exports as well as our own lists. Anything else is an error, not a guess.
ACTIVE_STATUSES = frozenset({"", "subscribed", "active", "confirmed", "enabled"})
INACTIVE_STATUSES = frozenset({
    "unsubscribed", "bounced", "cleaned", "complained", "blocklisted", "blocked",
    "pending", "unconfirmed", "disabled", "deleted",
})
TAG_COLUMNS = ("lists", "tags")
_TAG_SPLIT = re.compile(r"[;,|]")


@dataclass(frozen=True)
class Entry:
    """A subscriber as listed in one file, before deduplication and audience selection."""

    subscriber: Subscriber
    list_name: str  # the list file's name without suffix, e.g. "readers"
    tags: frozenset[str]
    status: str  # lower-cased; "" means subscribed
    where: str  # "subscribers/readers.csv:4", safe to print: no address in it

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def key(self) -> str:
        return self.subscriber.key


def check_address(address: str) -> str:
    """The address in its normal form (domain lower-cased), or ValueError saying why."""
    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return str(result.normalized)


def split_tags(text: str) -> set[str]:
    """`weekly;food`, `weekly, food` and `weekly|food` all mean two tags."""
    return {tag.strip().lower() for tag in _TAG_SPLIT.split(text) if tag.strip()}


def normalise_column(name: str) -> str:
    """Header cells compare case-insensitively, with spaces and dashes as underscores."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def make_entry(values: dict[str, str], tags: set[str], list_name: str, where: str) -> Entry:
    """Build an entry from a record's text values; RecordProblem says what is wrong."""
    raw = values.get("email", "").strip()
    if not raw:
        raise RecordProblem("no email address")
    try:
        email = check_address(raw)
    except ValueError as error:
        # The reason, not the address: problems are printed and may end up in logs.
        raise RecordProblem(f"invalid email address: {error}") from None
    status = values.get("status", "").strip().lower()
    if status not in ACTIVE_STATUSES | INACTIVE_STATUSES:
        known = ", ".join(sorted((ACTIVE_STATUSES | INACTIVE_STATUSES) - {""}))
        raise RecordProblem(f"unknown status {status!r} (use one of: {known})")
    fields = {k: v.strip() for k, v in values.items() if k not in ("email", "name")}
    return Entry(
        subscriber=Subscriber(email=email, name=values.get("name", "").strip(), fields=fields,
                              source=where),
        list_name=list_name,
        tags=frozenset(tags),
        status=status,
        where=where,
    )

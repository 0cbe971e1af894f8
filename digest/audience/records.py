"""One subscriber record, from whatever file it came: validated address, tags and status.

CSV and YAML readers both hand their rows here, so a record means the same thing in
either format, and import uses the same rules as the weekly run.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from digest.audience.addresses import check_address
from digest.errors import RecordProblem
from digest.models import Subscriber, mailbox_key

# Statuses that mean "send" and "do not send"; the names cover Mailchimp, Substack and
# listmonk exports as well as our own lists. Anything else is an error, not a guess.
ACTIVE_STATUSES = frozenset({"", "subscribed", "active", "confirmed", "enabled"})
INACTIVE_STATUSES = frozenset({
    "unsubscribed", "bounced", "cleaned", "complained", "blocklisted", "blocked",
    "pending", "unconfirmed", "disabled", "deleted",
})
KNOWN_STATUSES = ACTIVE_STATUSES | INACTIVE_STATUSES
TAG_COLUMNS = ("lists", "tags")
_TAG_SPLIT = re.compile(r"[;,|]")


class Entry(NamedTuple):
    """A subscriber as listed in one file, before deduplication and audience selection.
    A named tuple, not a dataclass: a million of them are made in a run, one at a time."""

    email: str  # in its normal form
    name: str
    fields: dict[str, str]  # every other column, stripped
    list_name: str  # the list file's name without suffix, e.g. "readers"
    tags: frozenset[str]
    status: str  # lower-cased; "" means subscribed
    where: str  # "subscribers/readers.csv:4", safe to print: no address in it

    @property
    def subscriber(self) -> Subscriber:
        return Subscriber(email=self.email, name=self.name, fields=self.fields,
                          source=self.where)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def key(self) -> str:
        """One key per mailbox, as Subscriber.key."""
        return mailbox_key(self.email)


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
    if status not in KNOWN_STATUSES:
        known = ", ".join(sorted(KNOWN_STATUSES - {""}))
        raise RecordProblem(f"unknown status {status!r} (use one of: {known})")
    fields = {k: v.strip() for k, v in values.items() if k != "email" and k != "name"}
    return Entry(email, values.get("name", "").strip(), fields, list_name, frozenset(tags),
                 status, where)

"""Subscriber lists (`subscribers/*.csv|yaml|yml`) -> validated, deduplicated recipients.

A *list* is one file in `subscribers/`, named without its suffix (`readers` for
`subscribers/readers.csv`). A *tag* is a value of a record's `lists` or `tags` field.
The audience of an edition is the chosen lists (default: all), narrowed to the chosen tags.
A record whose status is unsubscribed, bounced and the like keeps that address out of
every list. The suppression store (unsubscribes from links) is applied by the sender.

Runs read the lists through `stage_lists` (staging.py), which holds them in a temporary
SQLite file, not in memory. `load_entries` and `load_subscribers` hand back lists of
objects, for the few uses that want them all at once (imports, exports, tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from digest.audience.addresses import check_address
from digest.audience.list_files import check_list_name, list_files, resolve_list
from digest.audience.records import Entry
from digest.audience.selection import Audience
from digest.audience.staging import StagedAudience, stage_lists
from digest.errors import SubscriberError
from digest.models import Subscriber

__all__ = ["Audience", "StagedAudience", "SubscriberList", "check_address", "check_audience",
           "check_list_name", "list_files", "load_entries", "load_subscribers", "resolve_list",
           "stage_lists"]


@dataclass
class SubscriberList:
    entries: list[Entry] = field(default_factory=list)  # everyone listed, in file order
    chosen: list[Entry] = field(default_factory=list)  # the audience, deduplicated and active
    errors: list[SubscriberError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def subscribers(self) -> list[Subscriber]:
        return [entry.subscriber for entry in self.chosen]


def load_entries(folder: Path) -> SubscriberList:
    """Every record of every list file, with every bad row reported; nothing chosen yet."""
    with stage_lists(folder) as staged:
        return SubscriberList(entries=list(staged.entries()), errors=staged.errors)


def load_subscribers(folder: Path, audience: Audience | None = None) -> SubscriberList:
    """Read every list (all must be valid), then pick the audience (default: everyone)."""
    audience = audience or Audience()
    check_audience(folder, audience)
    with stage_lists(folder, audience) as staged:
        return SubscriberList(entries=list(staged.entries()),
                              chosen=list(staged.entries(chosen_only=True)),
                              errors=staged.errors, warnings=staged.warnings())


def check_audience(folder: Path, audience: Audience) -> None:
    """Every list the audience names exists inside `folder` (DigestError if not)."""
    for name in audience.lists:
        resolve_list(folder, name, "list")

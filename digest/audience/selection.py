"""Which lists, and which tags within them, receive an edition.

A *tag* is a value of a record's `lists` or `tags` field. The audience of an edition is
the chosen lists (default: all), narrowed to the chosen tags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from digest.audience.list_files import check_list_name, list_stem
from digest.audience.records import Entry
from digest.errors import DigestError


@dataclass(frozen=True)
class Audience:
    """Which lists, and which tags within them, receive an edition."""

    lists: tuple[str, ...] = ()  # list names; empty means every list
    tag_groups: tuple[tuple[str, ...], ...] = ()  # a subscriber needs a tag from each group

    def narrowed(self, lists: Sequence[str] = (), tags: Sequence[str] = ()) -> Audience:
        """Narrow to command-line --list/--tag: never wider than the configured audience."""
        for name in lists:
            check_list_name(name, "--list")
        chosen = tuple(lists) or self.lists
        if lists and self.lists:
            outside = [name for name in lists
                       if list_stem(name) not in map(list_stem, self.lists)]
            if outside:
                raise DigestError(f"--list {outside[0]}: not in audience.lists of digest.yaml "
                                  f"({', '.join(self.lists)}); --list can only narrow it")
        groups = self.tag_groups + ((tuple(t.lower() for t in tags),) if tags else ())
        return replace(self, lists=chosen, tag_groups=groups)

    def __str__(self) -> str:
        """"lists: readers; tags: weekly or boats", "lists: all; tags: any"."""
        tags = " and ".join(" or ".join(group) for group in self.tag_groups)
        return f"lists: {', '.join(self.lists) or 'all'}; tags: {tags or 'any'}"

    def includes(self, entry: Entry) -> bool:
        if self.lists and entry.list_name not in self._stems:
            return False
        return all(not entry.tags.isdisjoint(group) for group in self.tag_groups)

    @cached_property
    def _stems(self) -> frozenset[str]:
        return frozenset(map(list_stem, self.lists))

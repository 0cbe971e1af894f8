"""Subscriber lists (`subscribers/*.csv|yaml|yml`) -> validated, deduplicated recipients.

A *list* is one file in `subscribers/`, named without its suffix (`readers` for
`subscribers/readers.csv`). A *tag* is a value of a record's `lists` or `tags` field.
The audience of an edition is the chosen lists (default: all), narrowed to the chosen tags.
A record whose status is unsubscribed, bounced and the like keeps that address out of
every list. The suppression store (unsubscribes from links) is applied by the sender.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from digest.audience.csv_lists import read_csv_list
from digest.audience.records import Entry, check_address
from digest.audience.yaml_lists import read_yaml_list
from digest.errors import DigestError, SubscriberError
from digest.models import Subscriber

__all__ = ["Audience", "SubscriberList", "check_address", "check_list_name", "list_files",
           "load_entries", "load_subscribers", "resolve_list"]

SUFFIXES = (".csv", ".yaml", ".yml")


@dataclass
class SubscriberList:
    entries: list[Entry] = field(default_factory=list)  # everyone listed, in file order
    chosen: list[Entry] = field(default_factory=list)  # the audience, deduplicated and active
    errors: list[SubscriberError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def subscribers(self) -> list[Subscriber]:
        return [entry.subscriber for entry in self.chosen]


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
            outside = [name for name in lists if _stem(name) not in map(_stem, self.lists)]
            if outside:
                raise DigestError(f"--list {outside[0]}: not in audience.lists of digest.yaml "
                                  f"({', '.join(self.lists)}); --list can only narrow it")
        groups = self.tag_groups + ((tuple(t.lower() for t in tags),) if tags else ())
        return replace(self, lists=chosen, tag_groups=groups)

    def includes(self, entry: Entry) -> bool:
        if self.lists and entry.list_name not in map(_stem, self.lists):
            return False
        return all(entry.tags & set(group) for group in self.tag_groups)


def _stem(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def list_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()
                  and not p.name.startswith("."))


def check_list_name(name: str, origin: str) -> None:
    """Refuse any list name that would leave `subscribers/`."""
    candidate = Path(name)
    if (not name or candidate.is_absolute() or len(candidate.parts) != 1
            or "\\" in name or name.startswith(".")):
        raise DigestError(f"{origin} {name!r}: a list name must be a file name inside "
                          "subscribers/ (such as readers or readers.csv), not a path")


def resolve_list(folder: Path, name: str, origin: str) -> Path:
    """The file of list `name`; refuses any name that would leave `subscribers/`."""
    check_list_name(name, origin)
    options = [folder / name] if Path(name).suffix in SUFFIXES else [
        folder / f"{name}{suffix}" for suffix in SUFFIXES]
    for path in options:
        if path.is_file():
            if not path.resolve().is_relative_to(folder.resolve()):
                raise DigestError(f"{origin} {name!r}: points outside subscribers/ (a link); "
                                  "refused")
            return path
    known = ", ".join(p.stem for p in list_files(folder)) if folder.is_dir() else ""
    raise DigestError(f"{origin} {name!r}: no such list in subscribers/"
                      + (f" (lists: {known})" if known else ""))


def read_list(path: Path) -> tuple[list[Entry], list[SubscriberError]]:
    return read_csv_list(path) if path.suffix == ".csv" else read_yaml_list(path)


def load_entries(folder: Path) -> SubscriberList:
    """Every record of every list file, with every bad row reported; nothing chosen yet."""
    result = SubscriberList()
    if not folder.is_dir():
        result.errors.append(SubscriberError(folder, "subscribers folder does not exist"))
        return result
    for path in list_files(folder):
        entries, errors = read_list(path)
        result.entries += entries
        result.errors += errors
    return result


def choose(entries: Iterable[Entry], audience: Audience) -> tuple[list[Entry], list[str]]:
    """The audience, one entry per address; warnings name both places of a duplicate."""
    entries = list(entries)
    # An unsubscribed (or bounced...) row anywhere keeps the address out of every list.
    stopped = {entry.key for entry in entries if not entry.active}
    seen: dict[str, str] = {}
    chosen: list[Entry] = []
    warnings: list[str] = []
    for entry in entries:
        if not entry.active or entry.key in stopped or not audience.includes(entry):
            continue
        if entry.key in seen:
            warnings.append(f"{entry.where}: duplicate of {seen[entry.key]}; sending once")
            continue
        seen[entry.key] = entry.where
        chosen.append(entry)
    return chosen, warnings


def load_subscribers(folder: Path, audience: Audience | None = None) -> SubscriberList:
    """Read every list (all must be valid), then pick the audience (default: everyone)."""
    result = load_entries(folder)
    audience = audience or Audience()
    for name in audience.lists:
        resolve_list(folder, name, "list")
    result.chosen, result.warnings = choose(result.entries, audience)
    return result

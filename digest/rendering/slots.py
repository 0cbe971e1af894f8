"""Per-subscriber values in a once-rendered edition.

The edition is rendered and compiled once with a slot marker wherever a subscriber value
goes; each message then only fills the slots. Markers carry a random nonce per render, so
article content cannot forge one (and, say, leak subscriber addresses into a tracking link).
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def escape_html(value: str) -> str:
    """For the HTML part: safe in text and in double- or single-quoted attributes."""
    return html.escape(value, quote=True)


def one_line(value: str) -> str:
    """Control characters and line breaks become spaces, each run of spaces one space.

    The escape for the text part, so a value cannot forge lines such as a fake link, and
    for every header value we build, so none can inject a header (see headers.py).
    """
    return " ".join(_CONTROL.sub(" ", value).split())


@dataclass(frozen=True)
class Slot:
    name: str
    default: str = ""
    in_url: bool = False  # percent-encode the value first: it sits inside a URL

    def value(self, values: Mapping[str, str]) -> str:
        raw = values.get(self.name) or self.default
        return quote(raw, safe="@") if self.in_url else raw


@dataclass(frozen=True)
class Personalisable:
    """A text split into literal pieces and slots; `fill` joins them for one subscriber."""

    pieces: tuple[str | Slot, ...]

    def fill(self, values: Mapping[str, str], escape: Callable[[str], str]) -> str:
        return "".join(
            piece if isinstance(piece, str) else escape(piece.value(values))
            for piece in self.pieces
        )

    @property
    def slot_names(self) -> set[str]:
        return {piece.name for piece in self.pieces if isinstance(piece, Slot)}


@dataclass
class SlotTable:
    """Hands out slot markers during rendering and splits rendered text at them afterwards."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(6))
    slots: list[Slot] = field(default_factory=list)

    def marker(self, name: str, default: str = "", in_url: bool = False) -> str:
        self.slots.append(Slot(name, default, in_url))
        return f"%%DIGEST-{self.nonce}-{len(self.slots) - 1}%%"

    def split(self, text: str) -> Personalisable:
        pattern = re.compile(rf"%%DIGEST-{self.nonce}-(\d+)%%")
        pieces: list[str | Slot] = []
        position = 0
        for match in pattern.finditer(text):
            pieces.append(text[position : match.start()])
            pieces.append(self.slots[int(match.group(1))])
            position = match.end()
        pieces.append(text[position:])
        return Personalisable(tuple(p for p in pieces if p != ""))


class SubscriberSlots:
    """What templates see as `subscriber`: every attribute is a slot for a per-subscriber value.

    `{{ subscriber.name }}` fills in the name; `{{ subscriber.name.otherwise("reader") }}`
    fills in "reader" for subscribers without one; `{{ subscriber.email.in_url }}` fills in
    the value percent-encoded, for use inside a link.
    """

    def __init__(self, table: SlotTable) -> None:
        self._table = table

    def __getattr__(self, name: str) -> SlotMarker:
        if name.startswith("_"):
            raise AttributeError(name)
        return SlotMarker(self._table, name)


class SlotMarker:
    """`subscriber.<name>` in a template: written out, it becomes the marker of a new slot."""

    def __init__(self, table: SlotTable, name: str) -> None:
        self._table = table
        self._name = name

    def otherwise(self, default: str) -> str:
        return self._table.marker(self._name, default)

    @property
    def in_url(self) -> str:
        return self._table.marker(self._name, in_url=True)

    def __str__(self) -> str:
        return self._table.marker(self._name)

    def __html__(self) -> str:  # the marker is markup-safe; its value is escaped when filled
        return str(self)

"""Per-subscriber values in a once-rendered edition.

The edition is rendered and compiled once with a slot marker wherever a subscriber value
goes; each message then only fills the slots. Markers carry a random nonce per render, so
article content cannot forge one (and, say, leak subscriber addresses into a tracking link).

A value can be printed, given a default, have its case changed or be put in a URL: those
happen per subscriber, when the slot is filled. Anything that would decide on the value
while rendering (a condition, a comparison, another filter) would decide once for everyone,
so it stops the render instead, saying what is supported (`SUPPORTED`);
`personalisation.py` finds such uses in branches the render did not take.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import quote

from jinja2 import TemplateRuntimeError
from jinja2.filters import do_capitalize, do_lower, do_title, do_trim, do_upper

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


# Filters applied to a value when its slot is filled, as Jinja would apply them.
CASE_FILTERS: dict[str, Callable[[str], str]] = {
    "upper": do_upper, "lower": do_lower, "title": do_title,
    "capitalize": do_capitalize, "trim": do_trim,
}
DEFAULT_FILTERS = ("default", "d")
SUPPORTED = ("supported are {{ subscriber.<column> }}, a default with "
             '.otherwise("text") or | default("text"), the filters upper, lower, title, '
             "capitalize and trim, and .in_url inside a link; the edition is rendered once "
             "for all subscribers, so a condition or another filter on their values would "
             "decide once for everyone")


@dataclass(frozen=True)
class Slot:
    name: str
    default: str = ""
    in_url: bool = False  # percent-encode the value, after any steps: it sits inside a URL
    steps: tuple[tuple[str, str], ...] = ()  # ("upper", "") or ("default", "there"), in order

    def value(self, values: Mapping[str, str]) -> str:
        raw = values.get(self.name) or self.default
        for step, argument in self.steps:
            raw = (raw or argument) if step in DEFAULT_FILTERS else CASE_FILTERS[step](raw)
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

    def marker(self, name: str, default: str = "", in_url: bool = False,
               steps: tuple[tuple[str, str], ...] = ()) -> str:
        self.slots.append(Slot(name, default, in_url, steps))
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

    def damaged(self, text: str) -> int | None:
        """Where a marker was changed by something done to it while rendering (a filter
        that upper-cased or cut it), or None: such a slot could never be filled."""
        whole = re.compile(rf"%%DIGEST-{self.nonce}-\d+%%")
        for match in re.finditer(rf"(?i)(?:%%)?digest-{self.nonce}", text):
            if not whole.match(text, match.start()):
                return match.start()
        return None


def refuse(what: str) -> NoReturn:
    """Stop the render; the template's file and line are added from the traceback."""
    raise TemplateRuntimeError(f"{what} is not supported: {SUPPORTED}")


class SubscriberSlots:
    """What templates see as `subscriber`: every attribute is a slot for a per-subscriber value.

    `{{ subscriber.name }}` fills in the name; `{{ subscriber.name.otherwise("reader") }}`
    fills in "reader" for subscribers without one; `{{ subscriber.email.in_url }}` fills in
    the value percent-encoded, for use inside a link. With `known` fields (the columns of
    the subscriber lists), any other field is an error rather than an empty value.
    """

    def __init__(self, table: SlotTable, known: Collection[str] | None = None) -> None:
        self._table = table
        self._known = known

    def __getattr__(self, name: str) -> SlotMarker:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._known is not None and name not in self._known:
            raise TemplateRuntimeError(unknown_field(name, self._known))
        return SlotMarker(self._table, name)

    def __str__(self) -> str:
        refuse("`subscriber` on its own (write subscriber.<column>)")

    __html__ = __str__

    def __bool__(self) -> bool:
        refuse("a condition on `subscriber`")


def unknown_field(name: str, known: Collection[str]) -> str:
    return (f"subscriber.{name} is not a column of any list in subscribers/ "
            f"(columns: {', '.join(sorted(known))}); it would print nothing")


class SlotMarker:
    """`subscriber.<name>` in a template: written out, it becomes the marker of a new slot.

    It refuses every use that would need its value while rendering."""

    def __init__(self, table: SlotTable, name: str, steps: tuple[tuple[str, str], ...] = (),
                 in_url: bool = False) -> None:
        self._table = table
        self._name = name
        self._steps = steps
        self._in_url = in_url

    def then(self, step: str, argument: str = "") -> SlotMarker:
        """This value with one more filter applied when it is filled in."""
        if step not in CASE_FILTERS and step not in DEFAULT_FILTERS:
            refuse(f"the filter `{step}` on subscriber.{self._name}")
        return SlotMarker(self._table, self._name, (*self._steps, (step, str(argument))),
                          self._in_url)

    def otherwise(self, default: str) -> SlotMarker:
        return self.then("default", default)

    @property
    def in_url(self) -> SlotMarker:
        return SlotMarker(self._table, self._name, self._steps, in_url=True)

    def __str__(self) -> str:
        return self._table.marker(self._name, in_url=self._in_url, steps=self._steps)

    def __html__(self) -> str:  # the marker is markup-safe; its value is escaped when filled
        return str(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        refuse(f"subscriber.{self._name}.{name}")

    def _decide(self, *_: object) -> NoReturn:
        refuse(f"a condition, comparison or calculation on subscriber.{self._name}")

    __bool__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _decide
    __len__ = __iter__ = __contains__ = __getitem__ = _decide
    __add__ = __radd__ = __mul__ = __rmul__ = __mod__ = _decide
    __hash__ = None  # type: ignore[assignment]

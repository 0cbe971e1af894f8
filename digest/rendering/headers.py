"""Header fields we build: cleaned, encoded, then folded (RFC 5322, RFC 2047, RFC 6532).

Every value first passes `one_line` (slots.py): Python's own folding has let a newline
through encoded words (CVE-2024-6923), so nothing reaches a header with a CR, LF or control
character in it, whatever Python runs us. A value is then cut into words that may not be
broken (an atom, a piece of a quoted string, an encoded word, a <URL>), and a field is
folded between words: a CRLF goes before the space that would take a line past 78 octets.
A single word longer than that stays whole (a long URL); none comes near the 998-octet
limit servers enforce, except from settings `check` refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from string import ascii_letters, digits

from digest.rendering.encoded_words import encoded_words
from digest.rendering.slots import one_line
from digest.settings import Mailbox, parse_mailbox

LINE = 78  # RFC 5322 section 2.1.1: lines SHOULD be at most 78 characters
LIMIT = 998  # ... and MUST be at most 998; servers refuse longer ones ("Line too long")
# RFC 5322 atext: what a display name may hold without quotes.
_ATEXT = frozenset(ascii_letters + digits + "!#$%&'*+-/=?^_`{|}~")


def _octets(text: str) -> int:
    return len(text.encode("utf-8", "replace"))


def fold(name: str, words: Sequence[str]) -> str:
    """`Name: word word ...` folded: each line at most 78 octets unless one word is longer."""
    lines: list[str] = []
    line = f"{name}:"
    for word in words:
        if line != f"{name}:" and _octets(line) + 1 + _octets(word) > LINE:
            lines.append(line)
            line = ""
        line += " " + word
    lines.append(line)
    return "\r\n".join(lines)


def longest_line(field: str) -> int:
    return max(_octets(line) for line in field.split("\r\n"))


def _first_room(name: str) -> int:
    """Characters an encoded word may take on the field's first line, after `Name: `."""
    return LINE - len(name) - 2


def text_words(value: str, first: int = LINE) -> list[str]:
    """An unstructured value (Subject): plain words where they fold, else encoded words.

    Non-ASCII text, a word too long to fold, and anything that looks like an encoded word
    (`=?`) are encoded, so the reader sees exactly the text we meant."""
    value = one_line(value)
    words = value.split(" ") if value else []
    if value.isascii() and "=?" not in value and all(len(word) < LINE for word in words):
        return words
    return encoded_words(value, first, phrase=False)


def phrase_words(value: str, utf8: bool = False, first: int = LINE) -> list[str]:
    """A display name or List-Id phrase: atoms, else one quoted string, else encoded words.

    `utf8`: the message goes out with SMTPUTF8 (RFC 6532), so non-ASCII may stand as it is
    and only needs quoting like any other text. A name that holds `=?` is encoded, so that
    `=?utf-8?q?...?=` shows as those characters rather than as what they would decode to.
    """
    value = one_line(value)
    if not value:
        return []
    words = value.split(" ")
    if "=?" not in value and (utf8 or value.isascii()):
        if all(char in _ATEXT or ord(char) > 127 for char in value.replace(" ", "")):
            candidate = words
        else:
            quoted = value.replace("\\", "\\\\").replace('"', '\\"')
            candidate = f'"{quoted}"'.split(" ")  # a quoted string may fold at its spaces
        if all(_octets(word) < LINE for word in candidate):
            return candidate
    return encoded_words(value, first)


def address_words(name: str, address: str, first: int = LINE) -> list[str]:
    """`name <address>` as words; an address outside ASCII means an SMTPUTF8 message."""
    name, address = one_line(name), one_line(address)
    if not name:
        return [address]
    return [*phrase_words(name, not address.isascii(), first), f"<{address}>"]


def address_field(header: str, name: str, address: str) -> str:
    """From, To, Reply-To: one mailbox, folded."""
    return fold(header, address_words(name, address, _first_room(header)))


def text_field(header: str, value: str) -> str:
    """Subject: folded, encoded where it must be."""
    return fold(header, text_words(value, _first_room(header)))


def list_id_field(name: str, list_id: str, domain: str) -> str:
    """List-Id (RFC 2919): `phrase <list-id.domain>`, the phrase quoted or encoded."""
    return fold("List-Id", [*phrase_words(name, first=_first_room("List-Id")),
                            f"<{one_line(list_id)}.{domain}>"])


def url_list_field(header: str, urls: Sequence[str]) -> str:
    """List-Unsubscribe (RFC 2369): `<url>, <url>`, folded between the URLs, never inside."""
    bracketed = [f"<{one_line(url)}>" for url in urls]
    return fold(header, [word + "," for word in bracketed[:-1]] + bracketed[-1:])


def encode_text(value: str) -> str:
    """An unstructured value on one line (the words `text_field` folds)."""
    return " ".join(text_words(value))


def encode_address(name: str, address: str) -> str:
    """A mailbox on one line (the words `address_field` folds)."""
    return " ".join(address_words(name, address))


def split_address(value: str) -> tuple[str, str]:
    """'Name <a@b>' -> ('Name', 'a@b'), read by the parser that validated the setting."""
    mailbox: Mailbox = parse_mailbox(value)
    return mailbox.name, mailbox.address


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower() or "localhost"

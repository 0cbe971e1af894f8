"""Header values we build: stripped of CR, LF and control characters, then encoded.

Python's own folding has let a newline through encoded words (CVE-2024-6923), so nothing
reaches a header before `one_line` (slots.py) has run, whatever Python runs us.
"""

from __future__ import annotations

from email.header import Header
from email.utils import formataddr, parseaddr

from digest.rendering.slots import one_line


def encode_text(value: str) -> str:
    """An unstructured header value (Subject): ASCII as is, else RFC 2047 encoded words."""
    value = one_line(value)
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=10_000).encode(linesep=" ")


def encode_address(name: str, address: str) -> str:
    name, address = one_line(name), one_line(address)
    if not address.isascii():  # SMTPUTF8 mail carries UTF-8 headers as they are
        return f"{name} <{address}>" if name else address
    return formataddr((name, address), charset="utf-8") if name else address


def split_address(value: str) -> tuple[str, str]:
    """'Name <a@b>' -> ('Name', 'a@b'), both cleaned."""
    name, address = parseaddr(one_line(value))
    return name, address


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower() or "localhost"

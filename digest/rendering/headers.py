"""Header values we build: stripped of CR, LF and control characters, then encoded.

Python's own folding has let a newline through encoded words (CVE-2024-6923), so nothing
reaches a header before `clean_header` has run, whatever Python runs us.
"""

from __future__ import annotations

import re
from email.header import Header
from email.utils import formataddr, parseaddr

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def clean_header(value: str) -> str:
    return " ".join(_CONTROL.sub(" ", value).split())


def encode_text(value: str) -> str:
    """An unstructured header value (Subject): ASCII as is, else RFC 2047 encoded words."""
    value = clean_header(value)
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=10_000).encode(linesep=" ")


def encode_address(name: str, address: str) -> str:
    name, address = clean_header(name), clean_header(address)
    if not address.isascii():  # SMTPUTF8 mail carries UTF-8 headers as they are
        return f"{name} <{address}>" if name else address
    return formataddr((name, address), charset="utf-8") if name else address


def split_address(value: str) -> tuple[str, str]:
    """'Name <a@b>' -> ('Name', 'a@b'), both cleaned."""
    name, address = parseaddr(clean_header(value))
    return name, address


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower() or "localhost"

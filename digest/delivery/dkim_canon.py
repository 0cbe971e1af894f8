"""RFC 6376 canonicalisation (relaxed and simple), with plain bytes operations.

Written here rather than taken from dkimpy for speed: dkimpy parses the message again and
canonicalises the body with regular expressions on every call (about 2 ms for a 45 KB
message), while these bytes operations take a fraction of that. The differential tests in
tests/test_dkim_canon.py show both give the same bytes on many generated and real messages,
and dkimpy verifies every signature made with them.

Input is a message with CRLF line ends (lone LF is turned into CRLF first, as SMTP would).
"""

from __future__ import annotations

from enum import StrEnum

_WSP_RUN_TABLE = bytes.maketrans(b"\t", b" ")


class Canon(StrEnum):
    """The two canonicalisation algorithms of RFC 6376 section 3.4."""

    SIMPLE = "simple"
    RELAXED = "relaxed"


def to_crlf(message: bytes) -> bytes:
    """Lone LF (and lone CR) become CRLF, as they would on the wire."""
    if b"\r" not in message:
        return message.replace(b"\n", b"\r\n")
    if message.count(b"\r\n") * 2 == message.count(b"\r") + message.count(b"\n"):
        return message
    return message.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")


def split_message(message: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Header fields as (name, raw field incl. its final CRLF) in order, and the body."""
    end = message.find(b"\r\n\r\n")
    if end < 0:
        head, body = message + (b"" if message.endswith(b"\r\n") else b"\r\n"), b""
    else:
        head, body = message[: end + 2], message[end + 4:]
    fields: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t") and fields:
            name, raw = fields[-1]
            fields[-1] = (name, raw + line + b"\r\n")
        else:
            fields.append((line.split(b":", 1)[0].strip().lower(), line + b"\r\n"))
    return fields, body


def _collapse_wsp(text: bytes) -> bytes:
    """Every run of spaces and tabs becomes one space."""
    text = text.translate(_WSP_RUN_TABLE)
    while b"  " in text:
        text = text.replace(b"  ", b" ")
    return text


def header_relaxed(raw_field: bytes) -> bytes:
    """Relaxed header canonicalisation of one raw field (RFC 6376 3.4.2), CRLF-terminated."""
    name, _, value = raw_field.partition(b":")
    value = value.replace(b"\r\n", b"")  # unfold
    value = _collapse_wsp(value).strip(b" ")
    return name.strip(b" \t").lower() + b":" + value + b"\r\n"


def canonical_header(raw_field: bytes, canon: Canon) -> bytes:
    return raw_field if canon is Canon.SIMPLE else header_relaxed(raw_field)


def canonical_body(body: bytes, canon: Canon) -> bytes:
    """Body canonicalisation (RFC 6376 3.4.3 and 3.4.4, with erratum 3192 for empty bodies).

    In CRLF-only text, trailing CR and LF bytes come in pairs, so stripping them removes
    exactly the empty lines at the end."""
    if canon is Canon.SIMPLE:
        return body.rstrip(b"\r\n") + b"\r\n"
    # Whitespace is dropped before line breaks only: a last line without one keeps it, as
    # dkimpy does (the signer adds the final CRLF SMTP would add, so this never differs).
    body = _collapse_wsp(body).replace(b" \r\n", b"\r\n").rstrip(b"\r\n")
    return body + b"\r\n" if body else b""

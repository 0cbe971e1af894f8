"""The pieces of a report message that the DSN and ARF readers share: its parts by type,
the field blocks of a report part, the original message it carries, and header values
read as one line of text.

Reports are parsed with the email package's lenient compat32 policy: mail servers write
them loosely, and a broken header must not stop the reading of a whole mailbox.
"""

from __future__ import annotations

import contextlib
import email
import email.utils
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser

# Parts that carry the original message, or only its header.
_ORIGINAL = ("message/rfc822", "message/global")
_ORIGINAL_HEADERS = ("text/rfc822-headers", "message/rfc822-headers",
                     "message/global-headers")


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw)


def parts_of(message: Message, *types: str, nested: bool = False) -> Iterator[Message]:
    """Every part of `message` whose content type is one of `types`, in order. Messages it
    carries are entered only when `nested` is true: a report forwarded as an attachment
    (some relays forward bounces so) is read, but not by default."""
    stack = [message]
    while stack:
        part = stack.pop(0)
        if part.get_content_type() in types:
            yield part
        if part.get_content_type() in _ORIGINAL and not nested:
            continue
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            stack[:0] = [item for item in payload if isinstance(item, Message)]


def field_blocks(part: Message) -> list[Message]:
    """The blocks of fields of a report part (message/delivery-status and its kin): one per
    message, then one per recipient. Blocks are separated by empty lines."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the parser split them already, or nested one message
        text = "\n\n".join(_block_text(item) for item in payload if isinstance(item, Message))
    else:
        text = _text(part)
    blocks = [block for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return [HeaderParser().parsestr(block.strip("\n") + "\n") for block in blocks]


def _block_text(block: Message) -> str:
    """A parsed block back as text; what the parser took for its body (the further blocks
    of a part it read as one message) follows it."""
    fields = "\n".join(f"{name}: {value}" for name, value in block.items())
    rest = block.get_payload()
    return f"{fields}\n\n{rest}" if isinstance(rest, str) and rest.strip() else fields


def original_headers(message: Message) -> Message | None:
    """The header of the original message a report carries, whole or headers only."""
    for part in parts_of(message, *_ORIGINAL, *_ORIGINAL_HEADERS):
        payload = part.get_payload()
        if isinstance(payload, list):
            inner = next((item for item in payload if isinstance(item, Message)), None)
            if inner is not None:
                return inner
        elif payload:
            return HeaderParser().parsestr(_text(part))
    return None


def text_of(message: Message) -> str:
    """The text parts of the report itself (the original it carries left out), decoded."""
    return "\n".join(_text(part) for part in parts_of(message, "text/plain", "text/html")
                     if not part.is_multipart())


def _text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return str(part.get_payload() or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", errors="replace")


def one_line(value: object) -> str:
    """A header value as text on one line: encoded words decoded, spaces collapsed."""
    text = str(value or "")
    with contextlib.suppress(UnicodeDecodeError, LookupError, ValueError):  # as it came
        text = str(make_header(decode_header(text)))
    return " ".join(text.split())


def addresses(message: Message, *names: str) -> list[str]:
    """The addresses in the named headers of `message`, in header order."""
    values = [one_line(value) for name in names for value in message.get_all(name, [])]
    return [address for _, address in email.utils.getaddresses(values) if "@" in address]


def typed_address(value: object) -> str:
    """The address of a DSN or ARF address field ("rfc822; ann@example.org",
    "<ann@example.org>"); the value as given for other address types."""
    text = one_line(value)
    kind, semicolon, address = text.partition(";")
    if semicolon and kind.strip().lower() in ("rfc822", "utf-8"):
        text = address
    elif semicolon:
        return text
    return text.strip().strip("<>").strip()

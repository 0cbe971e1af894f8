"""Per-recipient MIME bytes from a once-rendered edition.

Everything shared is encoded once: each literal piece of the HTML and text parts is
quoted-printable encoded ahead of time, and per subscriber only the filled-in values are
encoded and joined with soft line breaks, which quoted-printable allows anywhere. A part
mostly outside ASCII (Greek, Cyrillic, CJK), which quoted-printable makes three to four
times its size, goes as base64 instead, encoded whole per message.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from email import quoprimime
from email.utils import format_datetime
from urllib.parse import quote

from digest.audience.unsubscribe_tokens import make_token
from digest.errors import RenderError
from digest.models import Subscriber
from digest.rendering.compose import SIZE_LIMIT, RenderedEdition
from digest.rendering.headers import (
    LIMIT,
    address_field,
    domain_of,
    fold,
    list_id_field,
    longest_line,
    split_address,
    text_field,
    url_list_field,
)
from digest.rendering.slots import Personalisable, Slot, escape_html, one_line
from digest.rendering.web_copy import view_url
from digest.settings import Settings

CRLF = "\r\n"
SOFT_BREAK = "=" + CRLF
# Whom the checks at the start build for: a typical name, and the longest address there is
# (RFC 5321), whose token makes the longest List-Unsubscribe line.
_TYPICAL = Subscriber(email="reader@example.org", name="Sample Reader")
_LONGEST = Subscriber(email="x" * 64 + "@" + "d" * 185 + ".org")


def _qp(text: str) -> str:
    # quoprimime encodes characters, not bytes: hand it the UTF-8 bytes one char per byte.
    utf8_bytes = text.replace("\r\n", "\n").encode("utf-8").decode("latin-1")
    return quoprimime.body_encode(utf8_bytes, maxlinelen=76, eol=CRLF)


class _EncodedPart:
    """One body part, quoted-printable with its literal pieces encoded ahead of time, or
    base64 where that is shorter for `sample` (the values of a typical subscriber)."""

    def __init__(self, part: Personalisable, escape: Callable[[str], str],
                 sample: dict[str, str]) -> None:
        self._part = part
        self._pieces: list[str | Slot] = [
            _qp(piece) if isinstance(piece, str) else piece for piece in part.pieces
        ]
        self._escape = escape
        self.base64 = len(self._base64(sample)) < len(self._quoted_printable(sample))

    @property
    def transfer_encoding(self) -> str:
        return "base64" if self.base64 else "quoted-printable"

    def encode(self, values: dict[str, str]) -> str:
        return self._base64(values) if self.base64 else self._quoted_printable(values)

    def _base64(self, values: dict[str, str]) -> str:
        text = self._part.fill(values, self._escape).replace("\r\n", "\n").replace("\n", CRLF)
        return base64.encodebytes(text.encode("utf-8")).decode("ascii").replace(
            "\n", CRLF).rstrip()

    def _quoted_printable(self, values: dict[str, str]) -> str:
        out = []
        for piece in self._pieces:
            if isinstance(piece, str):
                out.append(piece)
            else:
                out.append(_qp(self._escape(piece.value(values))))
        return SOFT_BREAK.join(p for p in out if p)


def message_id_for(list_id: str, week: str, address: str, domain: str) -> str:
    """Stable per edition and recipient, so a resend carries the same Message-ID."""
    digest = hashlib.sha256(f"{list_id}\x00{week}\x00{address}".encode()).hexdigest()[:20]
    return f"<{week}.{digest}@{domain}>"


class MessageFactory:
    def __init__(self, rendered: RenderedEdition, settings: Settings, secret: str) -> None:
        self.settings = settings
        self.secret = secret
        self.rendered = rendered
        self.week = rendered.edition.week
        newsletter = settings.newsletter
        sender_name, self.sender = split_address(newsletter.sender)
        self.domain = domain_of(self.sender)
        sample = self.values_for(_TYPICAL)
        self._html = _EncodedPart(rendered.html, escape_html, sample)
        self._text = _EncodedPart(rendered.text, one_line, sample)
        static = [
            address_field("From", sender_name, self.sender),
            text_field("Subject", rendered.subject),
            "MIME-Version: 1.0",
            list_id_field(newsletter.name, newsletter.list_id, self.domain),
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        ]
        if newsletter.reply_to:
            name, address = split_address(newsletter.reply_to)
            static.append(address_field("Reply-To", name, address))
        self._static_headers = CRLF.join(static)
        self._refuse_what_cannot_be_sent()

    def _refuse_what_cannot_be_sent(self) -> None:
        """Servers refuse a header line over 998 octets, and Gmail clips a message whose
        HTML passes ~102 KB as it travels, encoded for mail: refuse both now."""
        for field in (self._static_headers, self._list_unsubscribe(self.values_for(_LONGEST))):
            if longest_line(field) > LIMIT:
                name = field.partition(":")[0]
                raise RenderError(f"the {name} header would have a line of "
                                  f"{longest_line(field)} characters; servers refuse lines "
                                  f"over {LIMIT}: shorten it in digest.yaml")
        size = self.html_part_size()
        if size > SIZE_LIMIT:
            raise RenderError(
                f"the email's HTML part is {size // 1000} KB as sent "
                f"({self._html.transfer_encoding}), over the {SIZE_LIMIT // 1000} KB limit "
                "(Gmail clips near 102 KB): the edition has "
                f"{len(self.rendered.edition.items)} articles; drop some (lower "
                "selection.max_articles) or shorten the longest excerpts")

    def html_part_size(self, subscriber: Subscriber = _TYPICAL) -> int:
        """Octets of the HTML part's body as sent to `subscriber`, encoded for mail."""
        return len(self._html.encode(self.values_for(subscriber)))

    def unsubscribe_url(self, token: str) -> str:
        return f"{self.settings.newsletter.public_url}/unsubscribe/{token}"

    def values_for(self, subscriber: Subscriber) -> dict[str, str]:
        token = make_token(self.secret, self.settings.newsletter.list_id, subscriber.email)
        values = dict(subscriber.fields)
        values.update(
            name=subscriber.name,
            email=subscriber.email,
            unsubscribe_url=self.unsubscribe_url(token),
            view_url=view_url(self.settings, self.week),
            token=token,
        )
        return values

    def _list_unsubscribe(self, values: dict[str, str]) -> str:
        urls = [values["unsubscribe_url"]]
        mailto = self.settings.newsletter.unsubscribe_mailto
        if mailto:
            subject = quote("unsubscribe " + values["token"])
            urls.append(f"mailto:{mailto}?subject={subject}")
        return url_list_field("List-Unsubscribe", urls)

    def message_id(self, subscriber: Subscriber) -> str:
        return message_id_for(self.settings.newsletter.list_id, self.week, subscriber.key,
                              self.domain)

    def build(self, subscriber: Subscriber, message_id: str | None = None,
              now: datetime | None = None) -> bytes:
        values = self.values_for(subscriber)
        boundary = "=_digest_" + secrets.token_hex(12)
        headers = [
            self._static_headers,
            address_field("To", subscriber.name, subscriber.email),
            f"Date: {format_datetime(now or datetime.now(UTC))}",
            fold("Message-ID", [one_line(message_id or self.message_id(subscriber))]),
            self._list_unsubscribe(values),
            fold("Content-Type", ["multipart/alternative;", f'boundary="{boundary}"']),
        ]
        parts = [
            (f"--{boundary}{CRLF}Content-Type: text/plain; charset=\"utf-8\"{CRLF}"
             f"Content-Transfer-Encoding: {self._text.transfer_encoding}{CRLF}{CRLF}"
             f"{self._text.encode(values)}{CRLF}"),
            (f"--{boundary}{CRLF}Content-Type: text/html; charset=\"utf-8\"{CRLF}"
             f"Content-Transfer-Encoding: {self._html.transfer_encoding}{CRLF}{CRLF}"
             f"{self._html.encode(values)}{CRLF}"),
            f"--{boundary}--{CRLF}",
        ]
        message = CRLF.join(headers) + CRLF + CRLF + "".join(parts)
        return message.encode("utf-8")

"""Per-recipient MIME bytes from a once-rendered edition.

Everything shared is encoded once: each literal piece of the HTML and text parts is
quoted-printable encoded ahead of time, and per subscriber only the filled-in values are
encoded and joined with soft line breaks, which quoted-printable allows anywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from email import quoprimime
from email.utils import format_datetime
from urllib.parse import quote

from digest.audience.unsubscribe_tokens import make_token
from digest.models import Subscriber
from digest.rendering.compose import RenderedEdition
from digest.rendering.headers import domain_of, encode_address, encode_text, split_address
from digest.rendering.slots import Personalisable, Slot, escape_html, one_line
from digest.settings import Settings

CRLF = "\r\n"
SOFT_BREAK = "=" + CRLF


def _qp(text: str) -> str:
    # quoprimime encodes characters, not bytes: hand it the UTF-8 bytes one char per byte.
    utf8_bytes = text.replace("\r\n", "\n").encode("utf-8").decode("latin-1")
    return quoprimime.body_encode(utf8_bytes, maxlinelen=76, eol=CRLF)


class _EncodedPart:
    """One body part with its literal pieces already quoted-printable encoded."""

    def __init__(self, part: Personalisable, escape: Callable[[str], str]) -> None:
        self._pieces: list[str | Slot] = [
            _qp(piece) if isinstance(piece, str) else piece for piece in part.pieces
        ]
        self._escape = escape

    def encode(self, values: dict[str, str]) -> str:
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
        self._html = _EncodedPart(rendered.html, escape_html)
        self._text = _EncodedPart(rendered.text, one_line)
        static = [
            f"From: {encode_address(sender_name, self.sender)}",
            f"Subject: {encode_text(rendered.subject)}",
            "MIME-Version: 1.0",
            f"List-Id: {encode_text(newsletter.name)} <{one_line(newsletter.list_id)}"
            f".{self.domain}>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        ]
        if newsletter.reply_to:
            name, address = split_address(newsletter.reply_to)
            static.append(f"Reply-To: {encode_address(name, address)}")
        self._static_headers = CRLF.join(static)

    def unsubscribe_url(self, token: str) -> str:
        return f"{self.settings.newsletter.public_url}/unsubscribe/{token}"

    def values_for(self, subscriber: Subscriber) -> dict[str, str]:
        token = make_token(self.secret, self.settings.newsletter.list_id, subscriber.email)
        values = dict(subscriber.fields)
        values.update(
            name=subscriber.name,
            email=subscriber.email,
            unsubscribe_url=self.unsubscribe_url(token),
            view_url=f"{self.settings.newsletter.public_url}/archive/{self.week}/",
            token=token,
        )
        return values

    def message_id(self, subscriber: Subscriber) -> str:
        return message_id_for(self.settings.newsletter.list_id, self.week, subscriber.key,
                              self.domain)

    def build(self, subscriber: Subscriber, message_id: str | None = None,
              now: datetime | None = None) -> bytes:
        values = self.values_for(subscriber)
        list_unsubscribe = f"<{values['unsubscribe_url']}>"
        mailto = self.settings.newsletter.unsubscribe_mailto
        if mailto:
            subject = quote(f"unsubscribe {values['token']}")
            list_unsubscribe += f", <mailto:{one_line(mailto)}?subject={subject}>"
        boundary = "=_digest_" + secrets.token_hex(12)
        headers = [
            self._static_headers,
            f"To: {encode_address(subscriber.name, subscriber.email)}",
            f"Date: {format_datetime(now or datetime.now(UTC))}",
            f"Message-ID: {one_line(message_id or self.message_id(subscriber))}",
            f"List-Unsubscribe: {one_line(list_unsubscribe)}",
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
        ]
        parts = [
            (f"--{boundary}{CRLF}Content-Type: text/plain; charset=\"utf-8\"{CRLF}"
             f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}"
             f"{self._text.encode(values)}{CRLF}"),
            (f"--{boundary}{CRLF}Content-Type: text/html; charset=\"utf-8\"{CRLF}"
             f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}"
             f"{self._html.encode(values)}{CRLF}"),
            f"--{boundary}--{CRLF}",
        ]
        message = CRLF.join(headers) + CRLF + CRLF + "".join(parts)
        return message.encode("utf-8")

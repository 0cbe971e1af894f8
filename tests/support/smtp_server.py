"""A real SMTP server for tests: aiosmtpd on a free loopback port, in its own thread.

It records every accepted message. Tests that need faults pass `rcpt_reply` / `data_reply`
callables returning an SMTP reply line (e.g. "451 4.3.0 try later") or None to accept.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

Reply = Callable[[str], str | None]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    rcpt_reply: Reply | None = None
    data_reply: Reply | None = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        reply = self.rcpt_reply(address) if self.rcpt_reply else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        recipient = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        reply = self.data_reply(recipient) if self.data_reply else None
        if reply:
            return reply
        with self.lock:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos),
                                          envelope.original_content or b""))
        return "250 2.0.0 queued"

    def messages_to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Controller(Controller):
    """aiosmtpd's controller, serving with a subclass of its SMTP class."""

    def __init__(self, handler: Any, server_class: type[SMTP], **options: Any) -> None:
        self.server_class = server_class
        super().__init__(handler, **options)

    def factory(self) -> SMTP:
        return self.server_class(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    """Context manager: `with SmtpServer() as server:` then server.port, server.received.

    `server_class` replaces aiosmtpd's SMTP class (tests/support/pipelining.py has one
    that offers PIPELINING)."""

    def __init__(self, handler: RecordingHandler | None = None,
                 server_class: type[SMTP] = SMTP, **smtp_options: Any) -> None:
        self.handler = handler or RecordingHandler()
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller = _Controller(self.handler, server_class, hostname=self.host,
                                       port=self.port, enable_SMTPUTF8=True, **smtp_options)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._controller.stop()

"""A local SMTP server (aiosmtpd) that keeps what it receives in a Maildir.

The bundled sample and first tries need no mail server, yet still go through the real
SMTP path: `smtp.url: capture` starts this server on a free loopback port for the run.
"""

from __future__ import annotations

import asyncio
import mailbox
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class MaildirHandler:
    """Stores each message byte for byte, with a Delivered-To line per recipient."""

    def __init__(self, folder: Path) -> None:
        folder.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(folder, create=True)
        for sub in ("tmp", "new", "cur"):  # Maildir() skips these if the folder exists
            (folder / sub).mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        for recipient in envelope.rcpt_tos:
            self.maildir.add(f"Delivered-To: {recipient}\r\n".encode() + content)
        return "250 2.0.0 stored"


class CaptureServer:
    """`async with CaptureServer(folder) as server:` then send to server.host:server.port."""

    def __init__(self, folder: Path, host: str = "127.0.0.1") -> None:
        self.folder = folder
        self.host = host
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> CaptureServer:
        handler = MaildirHandler(self.folder)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(handler, enable_SMTPUTF8=True, data_size_limit=None,
                         hostname="digest-capture"),
            self.host,
            0,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: Any) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

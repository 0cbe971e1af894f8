"""An open SMTP connection's transport and the replies read from it, several at a time.

aiosmtplib opens the connection (connect, EHLO, STARTTLS, AUTH: connection.py) and then
hands its transport to `Wire`, a protocol of our own, for the mail transactions. Not
aiosmtplib's own protocol: it reads exactly one reply per command and drops any reply that
arrives while none is awaited, so it cannot pipeline (RFC 2920); and its commands parse
every address with email.utils.parseaddr and go out one write each, which with its reply
handling was about half of the sender's CPU per message. `Wire` writes what it is given
in one write (or one writev) and hands out replies in order as they come.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from digest.errors import WireFault

MAX_REPLY = 32_768  # bytes of one reply at most; a server sending more is broken
Piece = bytes | memoryview


@dataclass(frozen=True, slots=True)
class Reply:
    code: int
    text: str

    @property
    def positive(self) -> bool:
        return 200 <= self.code < 300


class Wire(asyncio.Protocol):
    """An open connection's transport and its replies, several at a time when pipelining."""

    def __init__(self, transport: asyncio.Transport, extensions: Sequence[str]) -> None:
        self.transport = transport
        self.extensions = frozenset(name.lower() for name in extensions)
        self.pipelining = "pipelining" in self.extensions
        self._loop = asyncio.get_running_loop()
        self._buffer = bytearray()
        self._lines: list[str] = []  # the lines so far of a multiline reply
        self._replies: deque[Reply] = deque()
        self._wanted = 0
        self._waiter: asyncio.Future[None] | None = None
        self._lost: str | None = None
        transport.set_protocol(self)

    @property
    def usable(self) -> bool:
        return self._lost is None and not self.transport.is_closing()

    @property
    def clean(self) -> bool:
        """Usable, and no reply waits unasked (a server closing an idle connection says
        421 first): the next reply read will answer the next command."""
        return self.usable and not self._replies and not self._lines and not self._buffer

    def offers(self, extension: str) -> bool:
        return extension in self.extensions

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        while (end := buffer.find(b"\n", start)) != -1:
            line = bytes(buffer[start:end]).rstrip(b"\r")
            start = end + 1
            if len(line) < 3 or not line[:3].isdigit():
                return self._fail(f"malformed reply from the server: {line[:80]!r}")
            self._lines.append(line[4:].decode("utf-8", "replace").strip())
            if line[3:4] != b"-":  # the last line of a reply
                self._replies.append(Reply(int(line[:3]), "\n".join(self._lines)))
                self._lines = []
        del buffer[:start]
        if len(buffer) > MAX_REPLY or sum(map(len, self._lines)) > MAX_REPLY:
            return self._fail("the server's reply is too long")
        if self._waiter is not None and len(self._replies) >= self._wanted:
            self._wake()

    def eof_received(self) -> bool:
        return False  # the server closed its side: close ours (connection_lost follows)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = self._lost or f"connection lost ({exc or 'closed by the server'})"
        self._wake()

    def _fail(self, reason: str) -> None:
        self._lost = reason
        self.transport.abort()
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def send(self, *pieces: Piece) -> None:
        """Write commands or message pieces (one writev); raises WireFault if lost."""
        if not self.usable:
            raise WireFault(self._lost or "connection lost (closed)")
        if len(pieces) == 1:
            self.transport.write(pieces[0])
        else:
            self.transport.writelines(pieces)

    async def replies(self, count: int, timeout: float) -> list[Reply]:
        """The next `count` replies, in order. Raises WireFault, carrying the replies that
        did come, if the connection is lost or `timeout` seconds pass first."""
        if len(self._replies) < count and self._lost is None:
            waiter = self._loop.create_future()
            self._waiter, self._wanted = waiter, count
            timer = self._loop.call_later(timeout, self._wake)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        got = [self._replies.popleft() for _ in range(min(count, len(self._replies)))]
        if len(got) < count:
            raise WireFault(self._lost or f"no reply within {timeout:g} s", got)
        return got

    async def command(self, line: bytes, timeout: float) -> Reply:
        self.send(line)
        return (await self.replies(1, timeout))[0]

    def close(self) -> None:
        self._lost = self._lost or "connection closed by us"
        self.transport.close()

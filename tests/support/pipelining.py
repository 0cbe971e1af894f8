"""aiosmtpd offering ESMTP PIPELINING (RFC 2920), and showing how the client's bytes came.

aiosmtpd reads commands line by line, so it handles pipelined commands already; it just
does not say so in its EHLO reply. `PipeliningSMTP` says so (unless told not to), records
each chunk the socket delivered (a pipelined MAIL, RCPT and DATA arrive as one), answers
DATA without a valid recipient with 554 as RFC 2920 describes (aiosmtpd says 503), and
closes the connection after any 421 it sends, as real servers do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.delivery import FaultHandler


@dataclass
class PipeliningHandler(FaultHandler):
    pipelining: bool = True
    chunks: list[bytes] = field(default_factory=list)
    sessions: int = 0  # EHLOs seen: connections opened

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        session.host_name = hostname  # aiosmtpd leaves this to a hook that replaces EHLO
        with self.lock:
            self.sessions += 1
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    def commands_in_one_chunk(self, *commands: bytes) -> bool:
        """Whether some chunk the server read held all these commands."""
        with self.lock:
            return any(all(command in chunk for command in commands) for chunk in self.chunks)


class PipeliningSMTP(SMTP):
    def data_received(self, data: bytes) -> None:
        handler = self.event_handler
        if isinstance(handler, PipeliningHandler):
            with handler.lock:
                handler.chunks.append(data)
        super().data_received(data)

    async def smtp_DATA(self, arg: str) -> None:
        if self.envelope.mail_from and not self.envelope.rcpt_tos:
            await self.push("554 5.5.1 Error: no valid recipients")
            return
        await super().smtp_DATA(arg)

    async def push(self, status: str) -> None:
        await super().push(status)
        if status.startswith("421") and self.transport is not None:
            self.transport.close()

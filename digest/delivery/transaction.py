"""One mail transaction on an open SMTP connection (wire.py), pipelined where offered.

The envelope lines are built once per address (`Envelope`). Where the server offers
PIPELINING (RFC 2920), MAIL FROM, RCPT TO and DATA leave in one write and their replies are
read in order; the message then leaves in one writelines with its final dot, dot-stuffed
without copying it, and the next transaction's envelope may ride in the same write behind
it (RFC 2920 lets message content start a group), so a busy connection makes one write and
one round trip per message. A transaction ends in a `Result` that says which command the
deciding reply answered and whether the message was handed over; connection.py turns
that into a ledger outcome.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from digest.delivery.wire import Piece, Reply, Wire
from digest.errors import WireFault

_LINE_ENDINGS = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"\n\.")


class Phase(StrEnum):
    """The command of a transaction a reply answers."""

    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"


@dataclass(frozen=True)
class Envelope:
    """MAIL FROM and RCPT TO lines, each address checked and encoded once."""

    mail: bytes
    rcpt: bytes
    needs_utf8: bool

    @classmethod
    def build(cls, sender: str, recipient: str) -> Envelope:
        """Addresses must have passed connection.check_envelope (nothing can end a line)."""
        utf8 = not (sender.isascii() and recipient.isascii())
        return cls(_mail_line(sender, utf8), b"RCPT TO:<" + recipient.encode() + b">\r\n",
                   utf8)


@functools.lru_cache(maxsize=4)
def _mail_line(sender: str, utf8: bool) -> bytes:
    """One sender per run: its MAIL line is made once."""
    return b"MAIL FROM:<" + sender.encode() + b">" + (b" SMTPUTF8" if utf8 else b"") + b"\r\n"


def stuffed(message: bytes, crlf: bool = False) -> list[Piece]:
    """The message as DATA carries it, in pieces for one writelines: CRLF line ends,
    leading dots doubled, and the final dot. Only lines that start with a dot cost
    anything: the message itself is never copied, only sliced around them.

    `crlf=True` says the caller built the message with CRLF line ends only (MessageFactory
    does: bodies are quoted-printable, header values cleaned), which skips the check.
    """
    if not crlf and _has_bare_line_ends(message):
        message = _LINE_ENDINGS.sub(b"\r\n", message)
    pieces: list[Piece] = [b"."] if message.startswith(b".") else []
    view = memoryview(message)
    start = 0
    for match in _LEADING_DOT.finditer(message):  # re scans faster than bytes.find here
        dot = match.start() + 1
        pieces += (view[start:dot], b".")  # the dot starts the next piece: doubled
        start = dot
    pieces.append(view[start:] if start else message)
    pieces.append(b".\r\n" if message.endswith(b"\r\n") else b"\r\n.\r\n")
    return pieces


def _has_bare_line_ends(message: bytes) -> bool:
    # CR and LF together exactly twice the CRLF pairs: no bare CR or LF anywhere.
    crlf_count = message.count(b"\r\n")
    return len(message) - len(message.translate(None, b"\r\n")) != 2 * crlf_count


@dataclass(frozen=True)
class Result:
    """What became of a transaction: the reply that decided it (None if the connection
    failed first), the command it answered, whether the whole message was written, and
    whether the connection can carry another transaction."""

    phase: Phase
    reply: Reply | None
    handed_over: bool = False
    fault: str | None = None
    reusable: bool = True


async def transact(wire: Wire, envelope: Envelope, message: Sequence[Piece],
                   timeout: float, final_timeout: float) -> Result:
    """MAIL, RCPT and DATA, then the message if the server said 354."""
    opened = await open_envelope(wire, envelope, timeout)
    return opened if opened is not None else await deliver(wire, message, final_timeout)


async def open_envelope(wire: Wire, envelope: Envelope, timeout: float,
                        written: bool = False) -> Result | None:
    """MAIL, RCPT and DATA (in one write when pipelining; already `written` behind the last
    message) and their replies. None when the server waits for the message (354); else
    why the transaction ended. A refusal leaves the connection reset for the next one."""
    if wire.pipelining:
        return await _pipelined_envelope(wire, envelope, timeout, written)
    return await _stepwise_envelope(wire, envelope, timeout)


def envelope_lines(envelope: Envelope) -> bytes:
    return envelope.mail + envelope.rcpt + b"DATA\r\n"


async def deliver(wire: Wire, message: Sequence[Piece], final_timeout: float,
                  then: Envelope | None = None) -> Result:
    """The message and its final dot, after a 354; with `then` (pipelining only), the next
    transaction's envelope in the same write. Once written, the message is the server's
    as far as we can tell: a lost connection or a late reply leaves it uncertain."""
    try:
        wire.send(*message, *((envelope_lines(then),) if then else ()))
        final = (await wire.replies(1, final_timeout))[0]
    except WireFault as fault:
        return Result(Phase.DATA, None, True, fault.reason, reusable=False)
    return Result(Phase.DATA, final, True, reusable=final.code != 421)


async def _pipelined_envelope(wire: Wire, envelope: Envelope, timeout: float,
                              written: bool) -> Result | None:
    fault: str | None = None
    try:
        if not written:
            wire.send(envelope_lines(envelope))
        replies = await wire.replies(3, timeout)
    except WireFault as error:
        replies, fault = cast(list[Reply], error.replies), error.reason
    for phase, reply in zip((Phase.MAIL, Phase.RCPT, Phase.DATA), replies, strict=False):
        if phase is Phase.DATA and reply.code == 354:
            return None
        if not reply.positive or phase is Phase.DATA:
            # A refused MAIL or RCPT leaves the DATA reply a refusal too (RFC 2920: 554
            # "no valid recipients", or 503), read and set aside. A server that still
            # says 354 waits for a message no one should get: only closing ends that.
            waiting = len(replies) == 3 and replies[2].code == 354
            reusable = fault is None and not waiting and reply.code != 421
            return await _reset(wire, Result(phase, reply, fault=fault, reusable=reusable),
                                timeout)
    missing = (Phase.MAIL, Phase.RCPT, Phase.DATA)[len(replies)]
    return Result(missing, None, fault=fault, reusable=False)


async def _stepwise_envelope(wire: Wire, envelope: Envelope, timeout: float) -> Result | None:
    """The same without pipelining: each command waits for its reply."""
    phase = Phase.MAIL
    try:
        for phase, line in ((Phase.MAIL, envelope.mail), (Phase.RCPT, envelope.rcpt),
                            (Phase.DATA, b"DATA\r\n")):
            reply = await wire.command(line, timeout)
            if phase is Phase.DATA and reply.code == 354:
                return None
            if not reply.positive or phase is Phase.DATA:
                result = Result(phase, reply, reusable=reply.code != 421)
                return await _reset(wire, result, timeout)
    except WireFault as fault:
        return Result(phase, None, fault=fault.reason, reusable=False)
    raise AssertionError("unreachable: DATA either opened or ended the transaction")


async def _reset(wire: Wire, result: Result, timeout: float) -> Result:
    """RSET after a refusal, so the connection can carry the next transaction."""
    if not result.reusable:
        return result
    try:
        reset = await wire.command(b"RSET\r\n", timeout)
    except WireFault:
        reset = None
    if reset is None or reset.code != 250:
        return Result(result.phase, result.reply, reusable=False)
    return result

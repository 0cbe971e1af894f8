"""Transactions pipelined (RFC 2920) where the server offers it, one command at a time where
it does not, against a real aiosmtpd server: the same outcome for every reply either way."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from digest.delivery.ledger import Delivery, Ledger
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import RecordedProgress
from digest.delivery.wire import Reply, Wire
from digest.errors import DigestError, WireFault
from tests.support.delivery import WEEK, fast_retries, plan_rows, smtp_for, wait_until
from tests.support.pipelining import PipeliningHandler, PipeliningSMTP
from tests.support.smtp_server import SmtpServer, free_port
from tests.test_delivery_stops import self_signed

SENDER = "notes@tidewater.example"
# Lines that start with a dot, and one that is a dot alone: DATA must carry them intact.
BODY = ".starts with a dot\r\n.\r\n..two dots\r\nlast line\r\n"
EXPECTED = {
    "ok1@tide.example": "sent",
    "r550@tide.example": "failed",  # RCPT refused: DATA gets 554, no message goes
    "r451x1@tide.example": "sent",  # refused once, then accepted
    "r421x1@tide.example": "sent",  # 421 and a closed connection mid-pipeline, then accepted
    "d554@tide.example": "failed",  # refused after the message
    "drop@tide.example": "uncertain",  # connection lost after the message
    "slow@tide.example": "uncertain",  # no final reply in time
    "ok2@tide.example": "sent",
}


def build(delivery: Delivery) -> bytes:
    return (f"From: {SENDER}\r\nTo: {delivery.subscriber.email}\r\nSubject: Notes\r\n"
            f"Message-ID: {delivery.message_id}\r\n\r\n{BODY}").encode()


def run_loop(coroutine: Coroutine[Any, Any, None], loop: str) -> None:
    if loop == "asyncio":
        asyncio.run(coroutine)
        return
    uvloop = pytest.importorskip("uvloop")  # the loop `digest send` runs on
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(coroutine)


def send_all(tmp_path: Path, handler: PipeliningHandler, emails: list[str],
             connections: int = 1, loop: str = "asyncio") -> Ledger:
    ledger = Ledger(tmp_path / "digest.db")
    plan_rows(ledger, emails)
    with SmtpServer(handler, server_class=PipeliningSMTP) as server:
        smtp = smtp_for(server.port, connections=connections, final_reply_timeout=0.6)
        pool = ConnectionPool(ledger, WEEK, smtp, SENDER, build, RecordedProgress(),
                              fast_retries())
        run_loop(pool.run(), loop)
        if "slow@tide.example" in emails:  # the server finishes its late reply
            assert wait_until(lambda: handler.count_to("slow@tide.example") == 1)
    return ledger


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
@pytest.mark.parametrize("pipelining", [True, False])
def test_each_reply_ends_in_its_state_pipelined_or_not(tmp_path: Path, pipelining: bool,
                                                       loop: str) -> None:
    handler = PipeliningHandler(pipelining=pipelining, slow_seconds=1.5)
    ledger = send_all(tmp_path, handler, list(EXPECTED), loop=loop)
    rows = {row.subscriber.email: row for row in ledger.rows(WEEK)}
    assert {email: row.state for email, row in rows.items()} == EXPECTED
    assert rows["r550@tide.example"].code == 550  # the RCPT reply decides, not DATA's 554
    assert rows["d554@tide.example"].code == 554
    assert "after DATA" in (rows["drop@tide.example"].reply or "")
    for email, state in EXPECTED.items():
        arrived = 1 if state == "sent" or email.startswith("slow") else 0
        assert handler.count_to(email) == arrived, email
    # Pipelined, the whole envelope came in one chunk; otherwise each command alone.
    together = handler.commands_in_one_chunk(b"MAIL FROM:<notes@tidewater.example>\r\n",
                                              b"RCPT TO:<ok1@tide.example>\r\n", b"DATA\r\n")
    assert together is pipelining
    # Dot-stuffed on the wire, the body arrives as it was written.
    received = handler.messages_to("ok1@tide.example")[0]
    assert received.data.endswith(BODY.encode())


def test_a_refused_rcpt_sends_no_message_and_keeps_the_connection(tmp_path: Path) -> None:
    handler = PipeliningHandler()
    emails = ["r550-a@tide.example", "ok@tide.example", "r553-b@tide.example",
              "ok2@tide.example"]
    ledger = send_all(tmp_path, handler, emails)
    states = {row.subscriber.email: row.state for row in ledger.rows(WEEK)}
    assert states == {"r550-a@tide.example": "failed", "ok@tide.example": "sent",
                      "r553-b@tide.example": "failed", "ok2@tide.example": "sent"}
    assert [r.rcpt_tos for r in handler.received] == [["ok@tide.example"],
                                                      ["ok2@tide.example"]]
    assert handler.sessions == 1  # RSET after each refusal: the same connection goes on
    assert handler.commands_in_one_chunk(b"RSET\r\n")


def test_421_mid_pipeline_defers_and_reconnects(tmp_path: Path) -> None:
    handler = PipeliningHandler()
    emails = ["ok1@tide.example", "r421x1@tide.example", "ok2@tide.example"]
    ledger = send_all(tmp_path, handler, emails)
    rows = {row.subscriber.email: row for row in ledger.rows(WEEK)}
    assert {email: row.state for email, row in rows.items()} == dict.fromkeys(emails, "sent")
    assert rows["r421x1@tide.example"].attempts == 2  # deferred once, nothing handed over
    assert handler.sessions == 2  # the server closed after 421: a new connection took over
    assert sorted(r.rcpt_tos[0] for r in handler.received) == sorted(emails)


def test_many_messages_over_several_pipelined_connections(tmp_path: Path) -> None:
    handler = PipeliningHandler()
    emails = [f"member{i}@tide.example" for i in range(60)]
    ledger = send_all(tmp_path, handler, emails, connections=4, loop="uvloop")
    assert ledger.counts(WEEK)["sent"] == 60
    assert sorted(r.rcpt_tos[0] for r in handler.received) == sorted(emails)
    # A busy connection writes the next envelope behind each message: one write each.
    assert handler.commands_in_one_chunk(b"last line\r\n.\r\nMAIL FROM:<notes@tidewater",
                                         b"DATA\r\n")


def test_421_to_a_message_resends_the_envelope_that_rode_behind_it(tmp_path: Path) -> None:
    handler = PipeliningHandler()
    emails = ["ok1@tide.example", "d421@tide.example", "ok2@tide.example",
              "ok3@tide.example"]
    ledger = send_all(tmp_path, handler, emails)
    rows = {row.subscriber.email: row for row in ledger.rows(WEEK)}
    assert {email: row.state for email, row in rows.items()} == {
        "ok1@tide.example": "sent", "d421@tide.example": "failed",  # 421 each time
        "ok2@tide.example": "sent", "ok3@tide.example": "sent"}
    assert "gave up after 4 attempts" in (rows["d421@tide.example"].reply or "")
    # ok2's envelope rode behind the refused message, then went anew on a new connection:
    # it was never deferred, nor received twice.
    assert handler.commands_in_one_chunk(b"last line\r\n.\r\nMAIL FROM:<notes@tidewater"
                                         b".example>\r\nRCPT TO:<ok2@tide.example>")
    assert rows["ok2@tide.example"].attempts == 1
    assert handler.sessions >= 2
    assert sorted(r.rcpt_tos[0] for r in handler.received) == sorted(
        ["ok1@tide.example", "ok2@tide.example", "ok3@tide.example"])


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_transactions_run_over_the_tls_transport_after_starttls(tmp_path: Path,
                                                                loop: str) -> None:
    handler = PipeliningHandler()
    emails = [f"member{i}@tide.example" for i in range(12)]
    ledger = Ledger(tmp_path / "digest.db")
    plan_rows(ledger, emails)
    with SmtpServer(handler, server_class=PipeliningSMTP,
                    tls_context=self_signed(tmp_path)) as server:
        smtp = smtp_for(server.port, connections=2, starttls=True, verify_tls=False)
        pool = ConnectionPool(ledger, WEEK, smtp, SENDER, build, RecordedProgress(),
                              fast_retries())
        run_loop(pool.run(), loop)
    assert ledger.counts(WEEK)["sent"] == len(emails)
    assert sorted(r.rcpt_tos[0] for r in handler.received) == sorted(emails)
    assert handler.sessions == 4  # EHLO before STARTTLS and again over TLS, per connection
    # The server reads TLS records decrypted: pipelined, the envelope still came as one.
    assert handler.commands_in_one_chunk(b"MAIL FROM:", b"RCPT TO:", b"DATA\r\n")


ScriptedReplies = Callable[[asyncio.StreamWriter], Coroutine[Any, Any, None]]


async def wire_against(script: ScriptedReplies) -> tuple[Wire, asyncio.Server]:
    """A Wire connected to a plain socket server that writes `script`'s bytes."""

    async def serve(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await script(writer)

    server = await asyncio.start_server(serve, "127.0.0.1", free_port())
    port = server.sockets[0].getsockname()[1]
    transport, _ = await asyncio.get_running_loop().create_connection(
        asyncio.Protocol, "127.0.0.1", port)
    return Wire(transport, ["PIPELINING"]), server  # type: ignore[arg-type]


def test_replies_split_across_reads_and_multiline_replies_are_read_in_order() -> None:
    async def script(writer: asyncio.StreamWriter) -> None:
        for piece in (b"250 2.1.0 O", b"k\r\n250-first line\r\n25", b"0 last line\r\n354 go\r\n"):
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.02)

    async def main() -> list[Reply]:
        wire, server = await wire_against(script)
        async with server:
            replies = await wire.replies(3, timeout=5)
            wire.close()
        return replies

    assert asyncio.run(main()) == [Reply(250, "2.1.0 Ok"), Reply(250, "first line\nlast line"),
                                   Reply(354, "go")]


def test_a_lost_connection_hands_back_the_replies_that_came() -> None:
    async def script(writer: asyncio.StreamWriter) -> None:
        writer.write(b"250 ok\r\n421 4.3.2 closing\r\n")
        await writer.drain()
        writer.close()

    async def main() -> WireFault:
        wire, server = await wire_against(script)
        async with server:
            with pytest.raises(WireFault) as caught:
                await wire.replies(3, timeout=5)
        return caught.value

    fault = asyncio.run(main())
    assert fault.replies == [Reply(250, "ok"), Reply(421, "4.3.2 closing")]
    assert "connection lost" in fault.reason


def test_no_reply_in_time_is_a_fault_not_a_wait() -> None:
    async def script(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(1)  # says nothing

    async def main() -> WireFault:
        wire, server = await wire_against(script)
        async with server:
            with pytest.raises(WireFault) as caught:
                await wire.replies(1, timeout=0.1)
            wire.close()
        return caught.value

    assert "no reply within 0.1 s" in asyncio.run(main()).reason


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_message_that_cannot_be_built_stops_the_run_and_blames_no_row(
        tmp_path: Path, pipelining: bool) -> None:
    emails = [f"member{i}@tide.example" for i in range(10)]

    def breaks_on_five(delivery: Delivery) -> bytes:
        if delivery.subscriber.email == "member5@tide.example":
            raise ValueError("template says no")
        return build(delivery)

    handler = PipeliningHandler(pipelining=pipelining)
    ledger = Ledger(tmp_path / "digest.db")
    plan_rows(ledger, emails)
    with SmtpServer(handler, server_class=PipeliningSMTP) as server:
        pool = ConnectionPool(ledger, WEEK, smtp_for(server.port, connections=2), SENDER,
                              breaks_on_five, RecordedProgress(), fast_retries())
        with pytest.raises(DigestError, match=r"member5@tide\.example: cannot build the "
                                              r"message: template says no"):
            asyncio.run(pool.run())
    counts = ledger.counts(WEEK)
    assert counts["sending"] == 0 and counts["failed"] == 0  # given back, not blamed
    assert counts["sent"] + counts["pending"] == len(emails)
    assert counts["sent"] == len(handler.received)
    assert handler.count_to("member5@tide.example") == 0

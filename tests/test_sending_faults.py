"""Each SMTP reply leads to the state DESIGN section 6 names, against a real aiosmtpd server,
with the ledger on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import random

import pytest

from digest.delivery.connection import state_for
from digest.delivery.ledger import Delivery, Ledger
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import RecordedProgress
from tests.support.backends import LedgerBackend
from tests.support.delivery import (
    WEEK,
    FaultHandler,
    fast_retries,
    plan_rows,
    small_message,
    smtp_for,
    wait_until,
)
from tests.support.smtp_server import SmtpServer

EXPECTED = {
    "ok1@tide.example": "sent",
    "ok2@tide.example": "sent",
    "r451x2@tide.example": "sent",  # greylisted twice, then accepted
    "r452x1@tide.example": "sent",  # mailbox busy once
    "r421x1@tide.example": "sent",  # closing: reconnect and retry
    "r552x1@tide.example": "sent",  # full mailbox after RCPT is temporary
    "r451@tide.example": "failed",  # never accepted: fails after max_attempts
    "r550@tide.example": "failed",
    "r554@tide.example": "failed",
    "d554@tide.example": "failed",  # refused after the message was sent
    "drop@tide.example": "uncertain",  # connection lost mid-DATA
    "slow@tide.example": "uncertain",  # no final reply within final_reply_timeout
}


def build(delivery: Delivery) -> bytes:
    return small_message(delivery.message_id, delivery.subscriber.email)


def run_pool(backend: LedgerBackend, port: int, emails: list[str], **delivery: object) -> Ledger:
    ledger = backend.ledger()
    plan_rows(ledger, emails)
    smtp = smtp_for(port, final_reply_timeout=0.3)
    pool = ConnectionPool(ledger, WEEK, smtp, "notes@tidewater.example", build,
                          RecordedProgress(), fast_retries(**delivery))
    asyncio.run(pool.run())
    return ledger


def test_every_reply_ends_in_its_state_and_accepted_mail_arrives_once(ledger_backend: LedgerBackend) -> None:
    handler = FaultHandler(slow_seconds=0.8)
    with SmtpServer(handler) as server:
        ledger = run_pool(ledger_backend, server.port, list(EXPECTED))
        states = {row.subscriber.email: row.state for row in ledger.rows(WEEK)}
        assert states == EXPECTED
        # The slow server still takes the message after the client gave up on the reply.
        assert wait_until(lambda: handler.count_to("slow@tide.example") == 1)
        for email, state in EXPECTED.items():
            expected = 1 if state == "sent" or email.startswith("slow") else 0
            assert handler.count_to(email) == expected, email
    rows = {row.subscriber.email: row for row in ledger.rows(WEEK)}
    assert rows["r550@tide.example"].code == 550
    assert rows["d554@tide.example"].code == 554
    assert rows["r451@tide.example"].attempts == 4
    assert "gave up after 4 attempts" in (rows["r451@tide.example"].reply or "")
    assert rows["r451x2@tide.example"].attempts == 3
    assert "after DATA" in (rows["drop@tide.example"].reply or "")


def test_random_temporary_refusals_all_end_sent_exactly_once(ledger_backend: LedgerBackend) -> None:
    chance = random.Random(7)

    class Flaky(FaultHandler):
        async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
            if chance.random() < 0.3:
                return chance.choice(["421 4.3.2 closing", "451 4.3.0 later",
                                      "452 4.2.2 busy"])
            return await super().handle_RCPT(server, session, envelope, address, options)

    emails = [f"member{i}@tide.example" for i in range(80)]
    handler = Flaky()
    with SmtpServer(handler) as server:
        ledger = run_pool(ledger_backend, server.port, emails, max_attempts=30)
    assert ledger.counts(WEEK)["sent"] == 80
    assert sorted(r.rcpt_tos[0] for r in handler.received) == sorted(emails)


def test_retry_window_leaves_rows_deferred_for_a_later_run(ledger_backend: LedgerBackend) -> None:
    with SmtpServer(FaultHandler()) as server:
        ledger = run_pool(ledger_backend, server.port, ["r451@tide.example", "ok@tide.example"],
                          retry_base=30, retry_cap=60, retry_window=1)
    rows = {row.subscriber.email: row for row in ledger.rows(WEEK)}
    assert rows["r451@tide.example"].state == "deferred"
    assert rows["r451@tide.example"].attempts == 1
    assert rows["ok@tide.example"].state == "sent"
    assert (ledger.next_retry(WEEK) or 0) > 0


def test_a_later_run_sends_only_what_is_still_owed(ledger_backend: LedgerBackend) -> None:
    handler = FaultHandler()
    emails = ["ok1@tide.example", "r451x1@tide.example", "r550@tide.example"]
    with SmtpServer(handler) as server:
        slow = {"retry_base": 30, "retry_cap": 60, "retry_window": 0}
        run_pool(ledger_backend, server.port, emails, **slow)
        ledger = run_pool(ledger_backend, server.port, emails, **slow)  # replans: idempotent
        assert ledger.counts(WEEK)["deferred"] == 1
        ledger.requeue(WEEK, "deferred")  # as `digest retry` does: due now
        ledger = run_pool(ledger_backend, server.port, emails)
    states = {row.subscriber.email: row.state for row in ledger.rows(WEEK)}
    assert states == {"ok1@tide.example": "sent", "r451x1@tide.example": "sent",
                      "r550@tide.example": "failed"}
    assert handler.count_to("ok1@tide.example") == 1
    assert handler.tries["r550@tide.example"] == 1  # a failed row is not tried again


@pytest.mark.parametrize(("code", "phase", "state"), [
    (250, "data", "sent"), (421, "rcpt", "deferred"), (451, "mail", "deferred"),
    (452, "rcpt", "deferred"), (552, "rcpt", "deferred"), (552, "data", "failed"),
    (550, "rcpt", "failed"), (554, "data", "failed"),
])
def test_state_for_reply(code: int, phase: str, state: str) -> None:
    assert state_for(code, phase) == state

"""At 50 messages per second the run achieves 50 within 5 percent and never bursts."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from delivery_fixtures import WEEK, FaultHandler, fast_retries, plan_rows, small_message, smtp_for
from smtp_server import SmtpServer

from digest.dispatcher import Dispatcher
from digest.ledger import Delivery, Ledger
from digest.report import Report

RATE = 50.0
MESSAGES = 120  # about two and a half seconds


def build(delivery: Delivery) -> bytes:
    return small_message(delivery.message_id, delivery.subscriber.email)


def test_rate_is_kept_over_the_run_without_bursts(tmp_path: Path) -> None:
    handler = FaultHandler()
    ledger = Ledger(tmp_path / "digest.db")
    plan_rows(ledger, [f"member{i}@tide.example" for i in range(MESSAGES)])
    with SmtpServer(handler) as server:
        dispatcher = Dispatcher(ledger, WEEK, smtp_for(server.port, connections=4),
                                "notes@tidewater.example", build, Report(stream=io.StringIO()),
                                fast_retries(rate=RATE, burst=1))
        asyncio.run(dispatcher.run())
    assert len(handler.received) == MESSAGES
    arrivals = sorted(handler.mail_times)  # when each transaction started at the server
    assert len(arrivals) == MESSAGES
    achieved = (MESSAGES - 1) / (arrivals[-1] - arrivals[0])
    print(f"achieved {achieved:.2f} msg/s")
    assert abs(achieved - RATE) / RATE <= 0.05, achieved
    # No burst beyond the bucket (burst 1): any k+1 arrivals span at least k/RATE, less a
    # little scheduling jitter of the server's thread.
    jitter = 0.5 / RATE
    for k in (1, 5, 25):
        spans = [arrivals[i + k] - arrivals[i] for i in range(MESSAGES - k)]
        assert min(spans) >= k / RATE - jitter, (k, min(spans))

"""Fixtures for delivery tests: the `delivery` workspace preset (one article, as many
subscribers as a test asks for) and a fault-injecting SMTP handler."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.smtp import SMTP, Envelope, Session

from digest.delivery.ledger import Ledger
from digest.models import Subscriber
from digest.settings import DeliverySettings, SmtpSettings
from tests.support.smtp_server import Received, RecordingHandler

WEEK = "2026-W48"

# digest.yaml: `smtp_url` and `delivery` (lines added to the delivery: block) are fields.
CONFIG = """\
newsletter:
  name: Tidewater Notes
  id: tidewater-notes
  from: "Tidewater Notes <notes@tidewater.example>"
  timezone: UTC
  public_url: https://tidewater.example/notes
smtp:
  url: {smtp_url}
  connections: 2
  timeout: 5
delivery:
  retry_base: 0.05
  retry_cap: 0.2
  retry_window: 10
{delivery}"""

ARTICLE = """\
---
title: "Tide Gauge Repaired at the Old Pier"
author: Ines Marlow
date: 2026-11-25T08:00:00
url: https://tidewater.example/2026/gauge
---
Engineers replaced the tide gauge at the old pier on Wednesday after a storm bent its
mast in October. Readings are online again for the first time in five weeks.

The harbour office said the new gauge reports every minute instead of every ten.
"""


def smtp_for(port: int, **changes: object) -> SmtpSettings:
    values: dict[str, object] = {"mode": "smtp", "host": "127.0.0.1", "port": port,
                                 "connections": 3, "timeout": 5.0,
                                 "final_reply_timeout": 2.0}
    values.update(changes)
    return SmtpSettings(**values)  # type: ignore[arg-type]


def fast_retries(**changes: object) -> DeliverySettings:
    values: dict[str, object] = {"retry_base": 0.02, "retry_cap": 0.1, "max_attempts": 4,
                                 "retry_window": 10.0, "pause_after_failures": 10_000}
    values.update(changes)
    return DeliverySettings(**values)  # type: ignore[arg-type]


def plan_rows(ledger: Ledger, emails: list[str], edition: str = WEEK) -> None:
    ledger.plan(edition, ((Subscriber(e), f"<{i}.{edition}@tidewater.example>")
                          for i, e in enumerate(emails)))


def small_message(message_id: str, to: str) -> bytes:
    return (f"From: notes@tidewater.example\r\nTo: {to}\r\nSubject: Notes\r\n"
            f"Message-ID: {message_id}\r\n\r\nHello.\r\n").encode()


@dataclass
class FaultHandler(RecordingHandler):
    """Replies chosen by the recipient's local part, e.g. `r451x2` refuses twice with 451.

    Prefixes: r<code>x<n> refuse RCPT n times (n omitted: always); d<code> refuse the
    message (4xx or 5xx); drop: close the connection mid-DATA; slow: hold the final reply `slow_seconds`.
    """

    slow_seconds: float = 1.0
    tries: Counter[str] = field(default_factory=Counter)
    arrivals: list[float] = field(default_factory=list)
    mail_times: list[float] = field(default_factory=list)
    on_message: Callable[[int], None] | None = None

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        local = address.split("@")[0]
        with self.lock:
            self.tries[address] += 1
            tries = self.tries[address]
        if local.startswith("r"):
            code, _, times = local[1:].partition("-")[0].partition("x")
            if not times or tries <= int(times):
                kind = "temporary" if code.startswith("4") else "permanent"
                return f"{code} {code[0]}.0.0 {kind} refusal for {address}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        self.mail_times.append(time.monotonic())
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        recipient = envelope.rcpt_tos[0]
        local = recipient.split("@")[0]
        if local.startswith("drop"):
            assert server.transport is not None
            server.transport.close()
            return "451 never seen"
        if local.startswith(("d4", "d5")):
            code = local[1:4]
            return f"{code} {code[0]}.7.1 message refused"
        with self.lock:
            self.arrivals.append(time.monotonic())
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos),
                                          envelope.original_content or b""))
            count = len(self.received)
        if self.on_message:
            self.on_message(count)
        if local.startswith("slow"):  # queued, but the reply comes late
            await asyncio.sleep(self.slow_seconds)
        return "250 2.0.0 queued"

    def count_to(self, address: str) -> int:
        return len(self.messages_to(address))


def wait_until(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll for something another thread does (a server finishing a delayed reply)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.02)
    return check()


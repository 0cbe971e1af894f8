"""Send a prepared edition: plan the ledger rows, then deliver what is still owed."""

from __future__ import annotations

import asyncio
import dataclasses
import math

from digest.capture import CaptureServer
from digest.config import CAPTURE, Settings, SmtpSettings
from digest.ledger import Delivery, Ledger
from digest.messages import MessageFactory
from digest.models import Subscriber
from digest.report import Report
from digest.runlock import sender_lock
from digest.sending import Dispatcher


def plan_and_send(settings: Settings, factory: MessageFactory, subscribers: list[Subscriber],
                  report: Report, connections: int | None = None) -> dict[str, int]:
    """Returns the ledger's counts for the edition after the run."""
    week = factory.week
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    with Ledger(settings.db_path) as ledger, sender_lock(settings.db_path):
        # Holding the lock, no other sender is alive: rows still `sending` were abandoned.
        recovered = ledger.recover_abandoned(week, now=math.inf)
        if recovered:
            report.stream.write(
                f"  {recovered} message(s) were in flight when an earlier run stopped; marked "
                "uncertain (see `digest status`)\n")
        ledger.plan(week, ((s, factory.message_id(s)) for s in subscribers))
        before = ledger.counts(week)
        owed = before["pending"] + before["deferred"]
        report.total = owed
        report.counts["skipped"] = sum(before.values()) - owed
        smtp = settings.smtp
        if connections:
            smtp = dataclasses.replace(smtp, connections=connections)
        asyncio.run(_deliver(ledger, week, smtp, factory, report, settings))
        return ledger.counts(week)


async def _deliver(ledger: Ledger, week: str, smtp: SmtpSettings, factory: MessageFactory,
                   report: Report, settings: Settings) -> None:
    def build(delivery: Delivery) -> bytes:
        return factory.build(delivery.subscriber, delivery.message_id)

    if smtp.mode == CAPTURE:
        async with CaptureServer(settings.out_dir / "maildir") as server:
            local = dataclasses.replace(smtp, host=server.host, port=server.port)
            await Dispatcher(ledger, week, local, factory.sender, build, report).run()
    else:
        await Dispatcher(ledger, week, smtp, factory.sender, build, report).run()

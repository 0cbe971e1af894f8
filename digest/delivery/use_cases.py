"""Use cases of sending a prepared edition: plan and send, resend, a test address, a dry run."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import signal
from collections.abc import Callable, Coroutine, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from digest.audience.lists import StagedAudience, check_address
from digest.audience.return_paths import return_token
from digest.delivery.builders import BuildProcesses, build_processes, message_builder
from digest.delivery.capture import CaptureServer
from digest.delivery.connection import send_single
from digest.delivery.departures import skip_departed
from digest.delivery.ledger import Delivery, Ledger, Outcome
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import Progress
from digest.delivery.run_lock import sender_lock
from digest.delivery.states import FINAL, OWED, DeliveryState
from digest.errors import DigestError
from digest.models import Subscriber
from digest.rendering.messages import MessageFactory
from digest.settings import DeliverySettings, Settings, SmtpMode, SmtpSettings
from digest.storage.locations import database_exists, workspace_database

Recipients = StagedAudience | Iterable[Subscriber]  # staged lists, or subscribers given


@dataclass(frozen=True)
class Overrides:
    """Command-line values that win over digest.yaml for one run."""

    connections: int | None = None
    rate: float | None = None


def plan_and_send(settings: Settings, factory: MessageFactory, audience: Recipients,
                  progress: Progress, connections: int | None = None,
                  rate: float | None = None) -> dict[DeliveryState, int]:
    """Write the edition's plan once, then send what is owed. Returns the ledger's counts.
    `audience` is the staged lists (prepare_edition's) or any iterable of subscribers."""
    return _run(settings, factory, progress, Overrides(connections, rate), plan=audience)


def resend(settings: Settings, factory: MessageFactory, progress: Progress,
           state: DeliveryState, overrides: Overrides | None = None,
           audience: StagedAudience | None = None) -> dict[DeliveryState, int]:
    """Make rows in `state` (deferred, failed or uncertain) owed again now, then send.
    With `audience` (the lists as they are now), rows whose address left it are skipped."""
    return _run(settings, factory, progress, overrides or Overrides(), requeue=state,
                audience=audience)


def _run(settings: Settings, factory: MessageFactory, progress: Progress, overrides: Overrides,
         plan: Recipients | None = None,
         requeue: DeliveryState | None = None,
         audience: StagedAudience | None = None) -> dict[DeliveryState, int]:
    week = factory.week
    build = message_builder(settings, factory)
    sender = _envelope_sender(factory)
    with Ledger(workspace_database(settings)) as ledger, _one_sender(ledger):
        # A run started by the editor goes on where a sender paused the edition.
        if (paused := ledger.resume(week)) is not None:
            progress.notice(f"sender {paused.worker} had paused this edition ({paused.reason});"
                            " the pause is lifted, sending goes on")
        # On SQLite, holding the lock, no other sender is alive: rows still `sending` were
        # abandoned. On a shared ledger only rows whose lease has run out were.
        recovered = ledger.recover_abandoned(week, now=None if ledger.shared else math.inf)
        if recovered.uncertain:
            progress.notice(
                f"{recovered.uncertain} message(s) were in flight when an earlier run "
                "stopped; marked uncertain (see `digest status`, resend with "
                "`digest retry --uncertain`)")
        if recovered.given_back:
            progress.notice(f"{recovered.given_back} message(s) an earlier run had not "
                            "started are owed again")

        def returned(key: str) -> str:
            return return_token(factory.secret, week, key)

        # A row gets a return token only when its message will carry it (bounces.domain);
        # rows without one are found by Message-ID when their bounce comes back.
        token = returned if settings.bounces.domain else None
        if isinstance(plan, StagedAudience):  # copied inside SQLite, never held in memory
            ledger.plan_staged(week, plan, lambda key: factory.message_id(Subscriber(key)), token)
        elif plan is not None:
            ledger.plan(week, ((s, factory.message_id(s)) for s in plan), token)
        if requeue is not None:
            again = ledger.requeue(week, requeue)
            progress.notice(f"{again} {requeue} message(s) queued again")
        before = ledger.counts(week)  # rows skipped next count among this run's outcomes
        staged = plan if isinstance(plan, StagedAudience) else audience
        if staged is not None and (departed := skip_departed(ledger, week, staged)):
            progress.notice(f"{departed} planned recipient(s) have left the audience since "
                            "(unsubscribed, removed or no longer selected): skipped, not sent")
        counts = ledger.counts(week)
        owed = sum(counts[state] for state in OWED)
        progress.planned(owed, sum(before.values()) - sum(before[state] for state in OWED))
        smtp, delivery = _with_overrides(settings, overrides)
        processes = build_processes(owed, signing=settings.dkim is not None)

        async def send(target: SmtpSettings) -> None:
            builders = BuildProcesses(settings, factory, processes) if processes else None
            try:
                if builders:
                    await builders.start()
                await ConnectionPool(ledger, week, target, sender, build, progress, delivery,
                                     crlf=True, builders=builders,
                                     bounces=settings.bounces).run()
            finally:
                if builders:
                    builders.close()

        try:
            _run_loop(_on_server(smtp, settings, send))
        finally:
            progress.finished(ledger.counts(week), _before_this_run(ledger, week, before))
        return ledger.counts(week)


def _before_this_run(ledger: Ledger, week: str,
                     before: dict[DeliveryState, int]) -> dict[DeliveryState, int]:
    """The counts this run's outcomes are told against: on a shared ledger, what other
    senders finished meanwhile counts with what was done before (this run's outcomes are
    the rows it claimed), and a run's summary says what it sent itself."""
    if not ledger.shared:
        return before
    after = ledger.counts(week)
    mine = ledger.by_worker(week).get(ledger.worker, {})
    others: dict[DeliveryState, int] = {  # rows skipped here were never claimed
        state: after[state] - before[state] - mine.get(state, 0) for state in FINAL
        if state != DeliveryState.SKIPPED}
    return {state: count + max(0, others.get(state, 0)) for state, count in before.items()}


def _one_sender(ledger: Ledger) -> AbstractContextManager[object]:
    """SQLite: one sender at a time per workspace (the file lock). A shared ledger admits
    many: each claims its own rows (SKIP LOCKED) under a lease in its name."""
    return nullcontext() if ledger.shared else sender_lock(ledger.path)


def send_to(settings: Settings, factory: MessageFactory, address: str,
            as_subscriber: Subscriber | None = None) -> Outcome:
    """The edition to one test address; the ledger is not touched. With `as_subscriber`
    the copy carries that subscriber's name and columns, but its address (and so its
    unsubscribe link) stays the test address."""
    try:
        email = check_address(address)
    except ValueError as error:
        raise DigestError(f"--to {address!r}: {error}") from None
    subscriber = Subscriber(email=email, name=as_subscriber.name if as_subscriber else "",
                            fields=dict(as_subscriber.fields) if as_subscriber else {})
    delivery = Delivery(factory.week, subscriber, factory.message_id(subscriber),
                        DeliveryState.SENDING, 1)
    message = message_builder(settings, factory)(delivery)
    sender = _envelope_sender(factory)
    smtp, _ = _with_overrides(settings, Overrides())
    result: list[Outcome] = []

    async def send(target: SmtpSettings) -> None:
        result.append(await send_single(target, sender, delivery, message))

    _run_loop(_on_server(smtp, settings, send))
    return result[0]


@dataclass(frozen=True)
class DryRun:
    recipients: int
    already_done: int
    owed: int
    largest: int
    total_bytes: int


def dry_run(settings: Settings, factory: MessageFactory, audience: Recipients) -> DryRun:
    """Plan and build (and sign) every message without storing, connecting or sending."""
    build = message_builder(settings, factory)
    _envelope_sender(factory)
    location = workspace_database(settings)
    ledger = Ledger(location, readonly=True) if database_exists(location) else None
    recipients = largest = total = already = 0
    try:
        for subscriber in (audience.chosen() if isinstance(audience, StagedAudience)
                           else audience):
            delivery = Delivery(factory.week, subscriber, factory.message_id(subscriber),
                                DeliveryState.PENDING, 1)
            size = len(build(delivery))  # builds one at a time: memory stays flat
            recipients, largest, total = recipients + 1, max(largest, size), total + size
            state = ledger.state_of(factory.week, subscriber.key) if ledger else None
            already += (state or DeliveryState.PENDING) not in OWED
    finally:
        if ledger:
            ledger.close()
    return DryRun(recipients, already, recipients - already, largest, total)


def _envelope_sender(factory: MessageFactory) -> str:
    try:
        return check_address(factory.sender)
    except ValueError as error:
        raise DigestError(f"newsletter.from {factory.sender!r}: {error}") from None


def _with_overrides(settings: Settings,
                    overrides: Overrides) -> tuple[SmtpSettings, DeliverySettings]:
    smtp, delivery = settings.smtp, settings.delivery
    if overrides.connections is not None:
        if overrides.connections < 1:
            raise DigestError(f"--connections {overrides.connections}: must be at least 1")
        smtp = dataclasses.replace(smtp, connections=overrides.connections)
    if overrides.rate is not None:
        if overrides.rate < 0:
            raise DigestError(f"--rate {overrides.rate}: must be 0 (unlimited) or more")
        delivery = dataclasses.replace(delivery, rate=overrides.rate)
    return smtp, delivery


async def _on_server(smtp: SmtpSettings, settings: Settings,
                     job: Callable[[SmtpSettings], Coroutine[Any, Any, None]]) -> None:
    """Run `job` against the configured server, or a capture server started for the run."""
    if smtp.mode is not SmtpMode.CAPTURE:
        await job(smtp)
        return
    async with CaptureServer(settings.out_dir / "maildir") as server:
        await job(dataclasses.replace(smtp, host=server.host, port=server.port))


def _run_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where it is installed (markedly less overhead per SMTP round trip)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(_until_terminated(coroutine))
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_until_terminated(coroutine))


async def _until_terminated(coroutine: Coroutine[Any, Any, None]) -> None:
    """SIGTERM stops a run as Ctrl-C does (KeyboardInterrupt): claimed rows no connection
    has started on go back to the ledger, instead of dying with them still `sending`."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    terminated = False

    def terminate() -> None:
        nonlocal terminated
        terminated = True
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, terminate)
    except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
        await coroutine
        return
    try:
        await coroutine
    except asyncio.CancelledError:
        if terminated:
            raise KeyboardInterrupt from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)

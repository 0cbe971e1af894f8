"""A pause holds for the edition as a whole: a sender that sees too many refusals in a row
pauses the edition for every sender of the ledger, each of which stops at its next claim
with the same message (naming the sender that paused, and why); `digest send`, `weekly`
and `retry` lift it as they start. On SQLite and on PostgreSQL; two `digest send`
processes against one PostgreSQL ledger and a server that refuses everything."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from digest.cli.main import main
from digest.delivery.ledger import Delivery, Ledger
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import RecordedProgress
from digest.errors import DeliveryPaused, ExitCode, LedgerError
from digest.storage.database import open_database
from digest.storage.locations import Engine
from digest.storage.schema import migrate
from tests.support.backends import LedgerBackend
from tests.support.delivery import (
    CONFIG,
    WEEK,
    FaultHandler,
    fast_retries,
    plan_rows,
    small_message,
    smtp_for,
)
from tests.support.postgres import PostgresTestDatabase
from tests.support.senders import SECRET, finish, start_sender, wait_for, worker_name
from tests.support.smtp_server import RecordingHandler, SmtpServer
from tests.support.workspaces import WorkspaceFactory

REFUSED = [f"r554-{n}@tide.example" for n in range(60)]  # FaultHandler refuses each for good


def build(delivery: Delivery) -> bytes:
    return small_message(delivery.message_id, delivery.subscriber.email)


def run_pool(ledger: Ledger, port: int, pause_after: int) -> None:
    pool = ConnectionPool(ledger, WEEK, smtp_for(port, connections=2), "notes@tidewater.example",
                          build, RecordedProgress(), fast_retries(pause_after_failures=pause_after))
    asyncio.run(pool.run())


def test_the_first_pause_holds_for_every_sender_until_resumed(
        ledger_backend: LedgerBackend) -> None:
    with ledger_backend.ledger("a") as first, ledger_backend.ledger("b") as second:
        plan_rows(first, REFUSED[:6])
        assert first.claim(WEEK, 2, 60).paused is None
        held = first.pause(WEEK, "5 messages in a row were not accepted")
        assert (held.worker, held.reason) == ("a", "5 messages in a row were not accepted")
        assert second.pause(WEEK, "a later reason") == held  # the first pause stays
        claim = second.claim(WEEK, 4, 60)
        assert claim.paused == held and claim.deliveries == [] and claim.empty
        assert second.counts(WEEK)["pending"] == 4  # nothing was taken
        assert first.paused("2026-W49") is None  # another edition goes on
        assert second.resume(WEEK) == held and second.resume(WEEK) is None
        assert len(second.claim(WEEK, 4, 60).deliveries) == 4


def test_a_paused_sender_pauses_the_others_before_they_send(
        ledger_backend: LedgerBackend) -> None:
    handler = FaultHandler()
    with SmtpServer(handler) as server:
        with ledger_backend.ledger("host-a:1") as first:
            plan_rows(first, REFUSED)
            with pytest.raises(DeliveryPaused) as paused:
                run_pool(first, server.port, pause_after=5)
        tried = sum(handler.tries.values())
        assert 5 <= tried < len(REFUSED)
        message = str(paused.value)
        assert "5 messages in a row were not accepted (last: 554" in message
        assert f"sender host-a:1 paused edition {WEEK} for every sender" in message

        # Another sender, which would itself go on for 10,000 refusals, stops at its claim.
        with ledger_backend.ledger("host-b:2") as second:
            with pytest.raises(DeliveryPaused) as also:
                run_pool(second, server.port, pause_after=10_000)
            assert str(also.value) == message
            assert sum(handler.tries.values()) == tried  # it tried nobody
            counts = second.counts(WEEK)
            assert counts["sending"] == 0 and counts["pending"] == len(REFUSED) - tried


# retry asks nothing: it resends what was sent (or tried) before.
@pytest.mark.parametrize("command", [("send", "--yes", "--force"), ("weekly", "--yes", "--force"),
                                     ("retry", "--failed")])
def test_send_weekly_and_retry_lift_the_pause_and_go_on(
        command: tuple[str, ...], ledger_backend: LedgerBackend, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        make_workspace: WorkspaceFactory) -> None:
    monkeypatch.setenv("DIGEST_SECRET", SECRET)
    readers = [f"reader{n}@tide.example" for n in range(4)]
    with SmtpServer() as server:
        workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=readers,
                                   smtp_url=server.url, database=ledger_backend.database)
        with ledger_backend.ledger("host-a:1") as ledger:
            if command[0] == "retry":  # what it resends: rows failed before the pause
                plan_rows(ledger, readers)
                ledger.db.execute("UPDATE deliveries SET state='failed'")
            ledger.pause(WEEK, "25 messages in a row were not accepted (last: 421 busy)")
        capsys.readouterr()
        code = main([*command, "--workspace", str(workspace), "--week", WEEK])
        err = capsys.readouterr().err
        assert code == ExitCode.OK, err
        assert ("sender host-a:1 had paused this edition (25 messages in a row were not "
                "accepted (last: 421 busy)); the pause is lifted, sending goes on") in err
        assert sorted(r.rcpt_tos[0] for r in server.received) == readers
    with ledger_backend.ledger() as ledger:
        assert ledger.paused(WEEK) is None


def test_a_version_2_database_made_before_the_pause_table_gets_it(
        ledger_backend: LedgerBackend) -> None:
    """SQLite adds it on opening, as it migrates; PostgreSQL waits for `digest db migrate`."""
    ledger_backend.ledger().close()  # every table of version 2
    with open_database(ledger_backend.location) as database:
        database.execute("DROP TABLE edition_pauses")
    if ledger_backend.engine == Engine.POSTGRESQL:
        with pytest.raises(LedgerError, match=r"lacks the table\(s\) edition_pauses, this "
                           r"digest needs version 2: run `digest db migrate"):
            ledger_backend.ledger()
        with open_database(ledger_backend.location) as database:
            assert migrate(database) == []
    with ledger_backend.ledger() as ledger:
        plan_rows(ledger, REFUSED[:1])
        assert ledger.claim(WEEK, 1, 60).paused is None


@dataclass
class GatedRefusals(RecordingHandler):
    """Holds every RCPT until `gate` opens, then refuses it for good while `refusing`; the
    accepted recipients are recorded as RecordingHandler does."""

    gate: threading.Event = field(default_factory=threading.Event)
    refusing: bool = True
    refused: int = 0

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        while not self.gate.is_set():
            await asyncio.sleep(0.02)
        if self.refusing:
            with self.lock:
                self.refused += 1
            return "554 5.7.1 refused for now"
        return await super().handle_RCPT(server, session, envelope, address, options)


@pytest.mark.slow
def test_two_sender_processes_on_postgresql_both_stop_paused_and_a_rerun_goes_on(
        tmp_path: Path, postgres: PostgresTestDatabase,
        make_workspace: WorkspaceFactory) -> None:
    backend = LedgerBackend.at(postgres.url)
    readers = [f"reader{n}@tide.example" for n in range(300)]
    handler = GatedRefusals()
    with SmtpServer(handler) as server:
        # The same edition in two workspaces on one database; only the first sender would
        # pause by itself. Replies wait for the gate: a long SMTP timeout.
        config = CONFIG.replace("timeout: 5", "timeout: 120")
        workspaces = [make_workspace(
            tmp_path / name, "delivery", subscribers=readers, database=postgres.url,
            config=config.format(smtp_url=server.url,
                                 delivery=f"  pause_after_failures: {limit}\n"))
            for name, limit in (("a", 5), ("b", 100_000))]
        first, _ = senders = [start_sender(workspace) for workspace in workspaces]
        wait_for(lambda: len({w for w in backend.workers().values() if w}) == 2, senders,
                 "both senders to claim rows (each has lifted any pause and planned)")
        handler.gate.set()  # both run: now every recipient is refused
        outputs = finish(senders)
        paused_by = f"sender {worker_name(first)} paused edition {WEEK}"
        for code, err in outputs:
            assert code == ExitCode.PAUSED, err
            assert paused_by in err and "Traceback" not in err
        # The same line from both: the second sender stopped on the first one's pause.
        said = [{line for line in err.splitlines() if paused_by in line} for _, err in outputs]
        assert len(said[0]) == 1 and said[0] == said[1]
        counts = ledger_counts(backend)
        assert counts["sending"] == 0
        assert counts["failed"] == handler.refused < 100  # the list was not burnt through
        with backend.ledger() as ledger:
            pause = ledger.paused(WEEK)
            assert pause is not None and pause.worker == worker_name(first)

        handler.refusing = False  # the server is fixed: the editor reruns one sender
        [(code, err)] = finish([start_sender(workspaces[1])])
        assert code == ExitCode.OK, err  # the refused rows stay failed
        assert f"sender {worker_name(first)} had paused this edition" in err
    received = sorted(r.rcpt_tos[0] for r in handler.received)
    final = ledger_counts(backend)
    assert final["pending"] == 0 and final["sent"] == len(received) == 300 - counts["failed"]
    assert len(set(received)) == len(received)
    with backend.ledger() as ledger:
        assert ledger.paused(WEEK) is None


def ledger_counts(backend: LedgerBackend) -> dict[str, int]:
    with backend.ledger() as ledger:
        return {str(state): count for state, count in ledger.counts(WEEK).items()}

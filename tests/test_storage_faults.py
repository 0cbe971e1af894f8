"""A failing workspace database mid-send (disk full, a lock held too long, a PostgreSQL
server that ends the connection) ends the run with one line that names the database, what
happened and what to do, never a traceback; the rows stay consistent, and a rerun once the
cause is gone finishes the edition with no message sent twice.

The disk-full and lock cases are SQLite's: its file is on a disk of ours (a small tmpfs,
or its own max_page_count) and its lock is a file lock another program can take. A
PostgreSQL server's disk and locks are the server's (a full disk there is a failed query,
said as the connection lost below is); what a sender meets of PostgreSQL is its
connection ending mid-send."""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from digest.delivery.ledger import Delivery, Ledger
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import RecordedProgress
from digest.errors import LedgerError
from tests.support.backends import LedgerBackend
from tests.support.delivery import WEEK, fast_retries, plan_rows, small_message, smtp_for
from tests.support.pipelining import PipeliningHandler, PipeliningSMTP
from tests.support.postgres import PostgresTestDatabase
from tests.support.smtp_server import SmtpServer, free_port
from tests.support.workspaces import WorkspaceFactory

CONNECTIONS = 3
BOUND = 2 * CONNECTIONS  # rows in flight at once: docs/DELIVERY.md, tests/test_crash_recovery.py
DISK = 4 * 1024 * 1024  # the small disk the database lives on
ROOM = 256 * 1024  # what is left free on it once the edition is planned


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of DISK bytes (root only; CI runs as root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(disk)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({mounted.stderr.strip()}): the disk-full case "
                    "runs on SQLite's max_page_count only (test_ledger_full_by_max_page_count_mid_send)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """A file taking all the free space on `disk` but `leave` bytes."""
    stats = os.statvfs(disk)
    filler = disk / "filler"
    with open(filler, "wb") as out:
        out.truncate(0)
        size = stats.f_bavail * stats.f_frsize - leave
        chunk = b"\0" * (1 << 20)
        while size > 0:
            size -= out.write(chunk[:size])
    return filler


def digest(workspace: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", "send", "--yes", "--force", "--workspace",
         str(workspace), "--week", WEEK, *args],
        env={**os.environ, "DIGEST_SECRET": "storage-secret", **env},
        capture_output=True, text=True, timeout=120, check=False)


def rows(database: Path) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(database) as db:
        return {email: (state, in_flight) for email, state, in_flight in db.execute(
            "SELECT email, state, in_flight FROM deliveries WHERE edition=?", (WEEK,))}


def check_consistent(left: dict[str, tuple[str, int]], received: Counter[str]) -> set[str]:
    """What the stopped run left: every message the server has is recorded sent or marked
    in flight, and no more rows are marked than can be in flight. The marked rows."""
    assert all(left[email] in (("sent", 0), ("sending", 1)) for email in received), left
    marked = {email for email, row in left.items() if row == ("sending", 1)}
    assert len(marked) <= BOUND, marked
    return marked


@pytest.mark.slow
def test_disk_full_on_a_small_tmpfs_mid_send_says_so_and_a_rerun_finishes(
        tmp_path: Path, small_disk: Path, make_workspace: WorkspaceFactory) -> None:
    emails = [f"member{i}@tide.example" for i in range(300)]
    database = small_disk / "digest.db"
    handler = PipeliningHandler()
    with SmtpServer(handler, server_class=PipeliningSMTP) as server:
        workspace = make_workspace(tmp_path / "news", "delivery", subscribers=emails,
                                   smtp_url=server.url,
                                   extra_config=f"storage:\n  database: {database}\n")
        # Planned by a run the server refused: every row is written and still pending.
        planned = digest(workspace, DIGEST_SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
        assert planned.returncode == 3, planned.stderr
        assert Counter(state for state, _ in rows(database).values()) == {"pending": 300}

        filler = fill(small_disk, ROOM)
        full = digest(workspace, "--connections", str(CONNECTIONS))
        print(f"disk full on a tmpfs of {DISK // 1024} KB, {ROOM // 1024} KB left free: "
              f"{len(handler.received)} of {len(emails)} messages went before it filled")
        assert full.returncode == 1, full.stderr
        assert f"{database}: the disk is full" in full.stderr
        assert "free space, then rerun `digest send`: rows already sent are not sent again" \
            in full.stderr
        assert "Traceback" not in full.stderr
        assert 0 < len(handler.received) < len(emails)  # it filled mid-send

        filler.unlink()
        marked = check_consistent(rows(database), Counter(r.rcpt_tos[0] for r in handler.received))
        again = digest(workspace, "--connections", str(CONNECTIONS))
        assert again.returncode in (0, 1), again.stderr  # 1: the rows in flight are uncertain
        assert "Traceback" not in again.stderr
    final = rows(database)
    received = Counter(r.rcpt_tos[0] for r in handler.received)
    assert all(n == 1 for n in received.values())  # no message sent twice
    uncertain = {email for email, (state, _) in final.items() if state == "uncertain"}
    assert uncertain == marked
    assert set(received) | uncertain == set(emails)  # nothing lost
    assert all(state in ("sent", "uncertain") for state, _ in final.values())


def build(delivery: Delivery) -> bytes:
    return small_message(delivery.message_id, delivery.subscriber.email)


@dataclass
class WordyHandler(PipeliningHandler):
    """Says more than `queued` in each 250, which the ledger keeps: its rows grow."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        return f"{reply} as {'q' * 400}" if reply.startswith("250") else reply


def send(ledger: Ledger, port: int) -> None:
    pool = ConnectionPool(ledger, WEEK, smtp_for(port, connections=CONNECTIONS),
                          "notes@tidewater.example", build, RecordedProgress(), fast_retries())
    asyncio.run(pool.run())


def finish_after_fault(ledger: Ledger, server: SmtpServer, handler: PipeliningHandler,
                       emails: list[str]) -> None:
    """The rows the failed run left, then a rerun: nothing lost, nothing sent twice."""
    rows_now = LedgerBackend(ledger.location.engine, str(ledger.location), ledger.location).rows
    marked = check_consistent(rows_now(), Counter(r.rcpt_tos[0] for r in handler.received))
    assert ledger.recover_abandoned(WEEK, now=math.inf).uncertain == len(marked)
    send(ledger, server.port)
    final = rows_now()
    received = Counter(r.rcpt_tos[0] for r in handler.received)
    assert all(n == 1 for n in received.values())
    assert {email for email, (state, _) in final.items() if state == "uncertain"} == marked
    assert set(received) | marked == set(emails)
    assert all(state in ("sent", "uncertain") for state, _ in final.values())


def test_ledger_full_by_max_page_count_mid_send(tmp_path: Path) -> None:
    """Full as SQLite's max_page_count makes it: no tmpfs needed."""
    emails = [f"member{i}@tide.example" for i in range(300)]
    handler = WordyHandler()
    with SmtpServer(handler, server_class=PipeliningSMTP) as server:
        ledger = Ledger(tmp_path / "digest.db")
        plan_rows(ledger, emails)
        pages = ledger.db.execute("PRAGMA page_count").fetchone()[0]
        ledger.db.execute(f"PRAGMA max_page_count={pages + 4}")
        with pytest.raises(LedgerError, match=f"{tmp_path / 'digest.db'}: the disk is full"):
            send(ledger, server.port)
        print(f"ledger full at {pages + 4} pages (max_page_count): "
              f"{len(handler.received)} of {len(emails)} messages went before it filled")
        assert 0 < len(handler.received) < len(emails)
        ledger.db.execute("PRAGMA max_page_count=1073741823")
        finish_after_fault(ledger, server, handler, emails)


def test_ledger_locked_too_long_mid_send(tmp_path: Path) -> None:
    """Another program takes the write lock mid-send and keeps it past the busy timeout."""
    emails = [f"member{i}@tide.example" for i in range(120)]
    database = tmp_path / "digest.db"
    ledger = Ledger(database)
    plan_rows(ledger, emails)
    ledger.db.execute("PRAGMA busy_timeout=200")  # 30 s in a real run
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)

    def on_message(count: int) -> None:
        if count == 20:
            other.execute("BEGIN IMMEDIATE")

    handler = PipeliningHandler(on_message=on_message)
    with SmtpServer(handler, server_class=PipeliningSMTP) as server:
        with pytest.raises(LedgerError,
                           match=f"{database}: another program kept the database locked"):
            send(ledger, server.port)
        other.execute("ROLLBACK")
        other.close()
        assert 20 <= len(handler.received) < len(emails)
        finish_after_fault(ledger, server, handler, emails)


@pytest.mark.slow
def test_postgresql_connection_ended_mid_send(postgres: PostgresTestDatabase) -> None:
    """The server ends the sender's connections mid-send, as a restart or a failover does."""
    emails = [f"member{i}@tide.example" for i in range(120)]
    backend = LedgerBackend.at(postgres.url)
    ledger = backend.ledger()
    plan_rows(ledger, emails)

    def on_message(count: int) -> None:
        if count == 20:
            with postgres.server.admin() as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE datname = %s AND pid <> pg_backend_pid()", (postgres.name,))

    handler = PipeliningHandler(on_message=on_message)
    with SmtpServer(handler, server_class=PipeliningSMTP) as server:
        with pytest.raises(LedgerError) as ended:
            send(ledger, server.port)
        message = str(ended.value)
        assert message.startswith(f"{postgres.url}: ") and "\n" not in message
        assert "terminating connection" in message and "run the command again" in message
        ledger.close()
        assert 20 <= len(handler.received) < len(emails)
        with backend.ledger() as rerun:  # the server is back: a new connection
            finish_after_fault(rerun, server, handler, emails)

"""The scale benchmark's view of a ledger (benchmarks/scale.py): a SQLite file or a
PostgreSQL database read beside the senders, the database server's CPU from /proc, what
the ledger holds and writes, and a poller that catches the first claim."""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from send import WEEK

if TYPE_CHECKING:
    from tests.support.postgres import PostgresServer

POLL = 0.01  # seconds between looks for the first claim
TICKS = os.sysconf("SC_CLK_TCK")
FIRST_CLAIM = ("SELECT MIN(updated_at) FROM deliveries WHERE edition={mark}"
               " AND state IN ('sending', 'sent')")


@dataclass(frozen=True)
class Footprint:
    """What the database holds and wrote for the edition (None: SQLite cannot tell)."""

    size: int  # bytes: the ledger table with its indexes, or the SQLite file and its WAL
    wal: int | None = None
    commits: int | None = None


class Ledger:
    """The benchmark's view of one edition's ledger: SQLite file or PostgreSQL database."""

    def __init__(self, path: Path | None = None, server: PostgresServer | None = None,
                 dbname: str = "") -> None:
        self.path, self.server, self.dbname = path, server, dbname
        self.mark = "%s" if server else "?"

    @property
    def engine(self) -> str:
        return "PostgreSQL" if self.server else "SQLite"

    def connect(self) -> Any:
        """A DB-API connection (sqlite3 read-only, or psycopg in autocommit)."""
        if self.server:
            return psycopg.connect(self.server.url(self.dbname), autocommit=True)
        assert self.path is not None
        if not self.path.exists():
            raise sqlite3.OperationalError("no ledger yet")
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of `sql`, whose `{mark}` is the edition."""
        connection = self.connect()
        try:
            parameters = (WEEK,) if "{mark}" in sql else ()
            return list(connection.execute(sql.format(mark=self.mark), parameters).fetchall())
        finally:
            connection.close()

    def cpu(self) -> float | None:
        """CPU seconds of the cluster: the postmaster, its live children, and (through the
        postmaster's children's times) the backends that have exited."""
        if self.server is None:
            return None
        postmaster = int((self.server.data / "postmaster.pid").read_text().split()[0])
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                # After the command's closing parenthesis: ppid is [1], then utime, stime,
                # cutime, cstime are [11:15].
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(entry.name) == postmaster or int(fields[1]) == postmaster:
                ticks += sum(int(value) for value in fields[11:15])
        return ticks / TICKS

    def counters(self) -> tuple[int, int]:
        """WAL position (bytes) and transactions committed in the edition's database, read
        from the `postgres` database, so the reading adds nothing to either."""
        assert self.server is not None
        with self.server.admin() as admin:
            row = admin.execute(
                "SELECT pg_current_wal_lsn() - '0/0', xact_commit FROM pg_stat_database"
                " WHERE datname=%s", (self.dbname,)).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def footprint(self, before: tuple[int, int] | None, polls: int) -> Footprint:
        if self.server is None:
            assert self.path is not None
            files = (self.path, self.path.with_name(self.path.name + "-wal"))
            return Footprint(sum(f.stat().st_size for f in files if f.exists()))
        assert before is not None
        wal, commits = self.counters()
        ((size,),) = self.query("SELECT pg_total_relation_size('deliveries')")
        return Footprint(int(size), wal - before[0], commits - before[1] - polls)


class FirstClaim(threading.Thread):
    """Looks for the first claimed or sent row and keeps the time it was claimed; counts
    its own queries (each one a transaction) and takes the database's CPU when found."""

    def __init__(self, ledger: Ledger) -> None:
        super().__init__(daemon=True)
        self.ledger = ledger
        self.at: float | None = None
        self.cpu_then: float | None = None
        self.polls = 0
        self.done = threading.Event()

    def run(self) -> None:
        connection = None
        while not self.done.wait(POLL):
            try:
                connection = connection or self.ledger.connect()
                self.polls += 1
                row = connection.execute(FIRST_CLAIM.format(mark=self.ledger.mark),
                                         (WEEK,)).fetchone()
            except (sqlite3.Error, psycopg.Error):  # no file or table yet
                connection = None
                continue
            if row and row[0] is not None:
                self.at, self.cpu_then = float(row[0]), self.ledger.cpu()
                break
        if connection is not None:
            connection.close()

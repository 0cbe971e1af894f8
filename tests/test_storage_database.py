"""The same promises from both engines: a SQLite file and a real PostgreSQL (started by the
`postgres` fixture). Transactions, placeholders, ON CONFLICT, rows by name, errors, and
claims that never hand one row to two senders."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from digest.errors import LedgerError
from digest.storage.database import Database, open_database
from digest.storage.dialects import insert_ignoring
from digest.storage.locations import Engine, parse_location
from digest.storage.schema import migrate
from tests.support.postgres import PostgresTestDatabase

ENGINES = [Engine.SQLITE, pytest.param(Engine.POSTGRESQL, marks=pytest.mark.slow)]
_ROW = ("INSERT INTO deliveries (edition, email, message_id, state, created_at, updated_at)"
        " VALUES (?, ?, ?, 'pending', 0, 0)")


@pytest.fixture
def location_text(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the parametrised engine's database is: a file, or a fresh PostgreSQL one."""
    if request.param == Engine.SQLITE:
        return str(tmp_path / "digest.db")
    postgres: PostgresTestDatabase = request.getfixturevalue("postgres")
    return postgres.url


@pytest.fixture
def database(location_text: str, tmp_path: Path) -> Iterator[Database]:
    with open_database(parse_location(location_text, tmp_path, {})) as opened:
        migrate(opened)
        yield opened


def second(database: Database) -> Database:
    """Another connection to the same database, as another sender would have."""
    return open_database(database.location)


def plan(database: Database, count: int, edition: str = "2026-W48") -> None:
    database.executemany(_ROW, [(edition, f"r{n}@tide.example", f"<{n}@tide>")
                                for n in range(count)])


def emails(database: Database) -> list[str]:
    return [row["email"] for row in database.execute("SELECT email FROM deliveries"
                                                     " ORDER BY email")]


pytestmark = pytest.mark.parametrize("location_text", ENGINES, indirect=True)


def test_a_transaction_commits_together_or_not_at_all(database: Database) -> None:
    with pytest.raises(RuntimeError), database.transaction():
        plan(database, 3)
        raise RuntimeError("the run stopped")
    assert emails(database) == []
    with database.transaction():
        plan(database, 2)
    with second(database) as other:
        assert emails(other) == ["r0@tide.example", "r1@tide.example"]


def test_a_failed_statement_rolls_back_its_transaction(database: Database) -> None:
    # A broken constraint is a bug, raised as the engine's own IntegrityError.
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)), database.transaction():
        plan(database, 1)
        database.execute(_ROW, ("2026-W48", "r0@tide.example", "<again>"))  # same key
    assert emails(database) == []
    plan(database, 1)  # the connection is usable again
    assert emails(database) == ["r0@tide.example"]


def test_a_statement_outside_a_transaction_commits_on_its_own(database: Database) -> None:
    database.execute(insert_ignoring("suppressions", ("email", "reason", "created_at")),
                     ("una@example.org", "unsubscribed", 1.5))
    with second(database) as other:
        row = other.execute("SELECT email, reason, created_at FROM suppressions").fetchone()
    assert row == ("una@example.org", "unsubscribed", 1.5)


def test_question_marks_and_percent_signs_in_literals_are_text(database: Database) -> None:
    row = database.execute("SELECT 'why? 100%' AS said, ? AS given, 'it''s ?' AS quoted",
                           ("what? 50%",)).fetchone()
    assert row == ("why? 100%", "what? 50%", "it's ?")
    database.execute("UPDATE deliveries SET reply='a?b' WHERE email=?", ("none",))
    plan(database, 1)
    database.execute("UPDATE deliveries SET reply=? || ' -- ?' WHERE email=? /* ? */",
                     ("550 why?", "r0@tide.example"))
    assert database.execute("SELECT reply FROM deliveries").fetchone() == ("550 why? -- ?",)


def test_on_conflict_do_nothing_keeps_the_first_row(database: Database) -> None:
    insert = insert_ignoring("suppressions", ("email", "reason", "source", "created_at"))
    added = database.executemany(insert, [("una@example.org", "bounced", "first", 1.0),
                                          ("vic@example.net", "manual", "", 2.0),
                                          ("una@example.org", "manual", "second", 3.0)])
    assert added == 2
    assert database.execute(insert, ("una@example.org", "manual", "third", 4.0)).rowcount == 0
    row = database.execute("SELECT reason, source FROM suppressions WHERE email=?",
                           ("una@example.org",)).fetchone()
    assert row == ("bounced", "first")


def test_rows_are_read_by_name_and_by_position(database: Database) -> None:
    plan(database, 1)
    row = database.execute("SELECT email, state, attempts, lease_until FROM deliveries"
                           ).fetchone()
    assert row is not None
    assert (row["email"], row["state"], row["attempts"], row["lease_until"]) == (
        "r0@tide.example", "pending", 0, None)
    assert row[1] == "pending" and row.keys() == ["email", "state", "attempts", "lease_until"]
    with pytest.raises(IndexError):
        row["nope"]


def test_times_keep_their_fractions(database: Database) -> None:
    plan(database, 1)
    database.execute("UPDATE deliveries SET lease_until=?", (1_795_000_000.123456,))
    lease = database.execute("SELECT lease_until FROM deliveries").fetchone()
    assert lease == (1_795_000_000.123456,)  # 8-byte floats on both engines


def test_driver_errors_name_the_database_and_what_to_do(database: Database) -> None:
    with pytest.raises(LedgerError) as unknown:
        database.execute("SELECT * FROM feedback_nothing")
    assert str(unknown.value).startswith(f"{database.location}: query failed: ")
    assert "digest db migrate" in str(unknown.value)
    # A broken constraint is the code's mistake: the engine's own error, not explained.
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError), match="state"):
        database.execute(_ROW.replace("'pending'", "'lost'"), ("w", "x@y", "<z>"))


def test_claims_from_many_connections_never_share_a_row(database: Database) -> None:
    """Four senders, each on its own connection and thread, claim batches until nothing
    is left: every row is claimed exactly once."""
    plan(database, 120)
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(4)

    def sender(worker: str) -> None:
        mine = claimed.setdefault(worker, [])
        with second(database) as connection:
            start.wait()
            while batch := claim(connection, worker, 7):
                mine.extend(batch)

    threads = [threading.Thread(target=sender, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [email for batch in claimed.values() for email in batch]
    assert sorted(everything) == emails(database) and len(set(everything)) == 120
    owners = database.execute("SELECT worker, COUNT(*) FROM deliveries GROUP BY worker")
    assert sum(count for _, count in owners) == 120


def claim(database: Database, worker: str, limit: int) -> list[str]:
    """The ledger's claim: pending rows under a lease, in one transaction."""
    with database.transaction():
        rows = database.execute(
            "SELECT email FROM deliveries WHERE edition=? AND state='pending' ORDER BY email"
            f" LIMIT ? {database.dialect.claim_clause()}", ("2026-W48", limit)).fetchall()
        database.executemany("UPDATE deliveries SET state='sending', worker=?,"
                             " lease_until=? WHERE edition=? AND email=?",
                             [(worker, 100.0, "2026-W48", row["email"]) for row in rows])
    return [row["email"] for row in rows]

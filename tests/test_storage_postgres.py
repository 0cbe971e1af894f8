"""What only PostgreSQL does: claims that skip rows another sender holds, the password from
DIGEST_DB_PASSWORD, explicit schema versions, migrations that take turns, read-only use."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from digest.errors import LedgerError
from digest.storage.database import Database, open_database
from digest.storage.locations import parse_location
from digest.storage.schema import VERSION, ensure_schema, migrate, schema_version
from tests.support.postgres import ROLE_PASSWORD, PostgresTestDatabase, free_port

pytestmark = pytest.mark.slow  # a PostgreSQL cluster is started for the session

WEEK = "2026-W48"


def opened(url: str, env: dict[str, str] | None = None, readonly: bool = False) -> Database:
    return open_database(parse_location(url, Path("/"), env or {}), readonly)


@pytest.fixture
def no_libpq_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """libpq would otherwise find a password of its own (PGPASSWORD, ~/.pgpass)."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


def test_a_claim_skips_the_rows_another_sender_holds(postgres: PostgresTestDatabase) -> None:
    with opened(postgres.url) as first, opened(postgres.url) as other:
        migrate(first)
        first.executemany("INSERT INTO deliveries (edition, email, message_id, state,"
                          " created_at, updated_at) VALUES (?, ?, ?, 'pending', 0, 0)",
                          [(WEEK, f"r{n}@tide.example", f"<{n}>") for n in range(8)])
        other.execute("SET lock_timeout = '20s'")  # a wait would fail the test, not hang it
        select = ("SELECT email FROM deliveries WHERE state='pending' ORDER BY email LIMIT 5 "
                  + first.dialect.claim_clause("deliveries"))
        with first.transaction():
            held = {row["email"] for row in first.execute(select)}
            with other.transaction():
                taken = {row["email"] for row in other.execute(select)}
        assert len(held) == 5 and len(taken) == 3 and not held & taken


def test_the_password_comes_from_digest_db_password(
        postgres: PostgresTestDatabase, no_libpq_password: None) -> None:
    with opened(postgres.password_url, {"DIGEST_DB_PASSWORD": ROLE_PASSWORD}) as database:
        assert migrate(database) == [VERSION]
    with pytest.raises(LedgerError) as missing:
        opened(postgres.password_url)
    assert str(missing.value).startswith(f"{postgres.password_url}: cannot connect: ")
    assert "set DIGEST_DB_PASSWORD" in str(missing.value)
    with pytest.raises(LedgerError) as wrong:
        opened(postgres.password_url, {"DIGEST_DB_PASSWORD": "not-" + ROLE_PASSWORD})
    assert "password authentication failed" in str(wrong.value)
    assert ROLE_PASSWORD not in str(wrong.value)


def test_a_server_that_is_not_there_is_one_clear_line(no_libpq_password: None) -> None:
    url = f"postgresql://digest@127.0.0.1:{free_port()}/news"
    with pytest.raises(LedgerError) as refused:
        opened(url, {"DIGEST_DB_PASSWORD": ROLE_PASSWORD})
    message = str(refused.value)
    assert message.startswith(f"{url}: cannot connect: ") and "\n" not in message
    assert "is the PostgreSQL server running" in message and ROLE_PASSWORD not in message


def test_an_unmigrated_or_older_database_is_refused_until_migrated(
        postgres: PostgresTestDatabase) -> None:
    with opened(postgres.url) as database:
        with pytest.raises(LedgerError, match=r"has no digest tables yet.*digest db migrate"):
            ensure_schema(database)
        assert database.tables() == set()  # it was only looked at
        migrate(database)
        database.execute("UPDATE schema_version SET version=1")
        with pytest.raises(LedgerError, match=r"is at schema version 1, this digest needs "
                           f"version {VERSION}: run `digest db migrate"):
            ensure_schema(database)
        assert migrate(database) == [VERSION]
        ensure_schema(database)


def test_two_migrations_at_once_take_turns(postgres: PostgresTestDatabase) -> None:
    applied: list[list[int]] = []
    failures: list[BaseException] = []
    start = threading.Barrier(3)

    def run() -> None:
        with opened(postgres.url) as database:
            start.wait()
            try:
                applied.append(migrate(database))
            except LedgerError as error:
                failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(applied) == [[], [], [VERSION]]


def test_a_read_only_connection_changes_nothing(postgres: PostgresTestDatabase) -> None:
    with opened(postgres.url) as writer:
        migrate(writer)
    with opened(postgres.url, readonly=True) as reader:
        assert schema_version(reader) == VERSION
        with pytest.raises(LedgerError, match="read-only"), reader.transaction():
            reader.execute("DELETE FROM suppressions")


def test_times_are_double_precision_columns(postgres: PostgresTestDatabase) -> None:
    with opened(postgres.url) as database:
        migrate(database)
        types = dict(database.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = 'deliveries'").fetchall())
    assert {types[c] for c in ("lease_until", "retry_at", "created_at", "updated_at")} == {
        "double precision"}

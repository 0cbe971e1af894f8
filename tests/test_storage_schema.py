"""storage/schema.py: one description of the tables for both engines, the same tables the
ledger has made on SQLite so far, and the schema versions."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from digest.audience.suppressions import SuppressionReason
from digest.delivery.schema import create_tables
from digest.delivery.states import DeliveryState
from digest.errors import LedgerError
from digest.storage.database import Database, open_database
from digest.storage.locations import Engine, parse_location
from digest.storage.schema import (
    DELIVERY_STATES,
    SUPPRESSION_REASONS,
    TABLES,
    VERSION,
    ensure_schema,
    migrate,
    schema_version,
)
from tests.support.postgres import PostgresTestDatabase

ENGINES = [Engine.SQLITE, pytest.param(Engine.POSTGRESQL, marks=pytest.mark.slow)]
_V1_COMMIT = "cb964a6^"  # the last commit whose ledger was at version 1

# A value the schema refuses is a bug: the engine's own IntegrityError.
BROKEN_CONSTRAINT = (sqlite3.IntegrityError, psycopg.IntegrityError)


@pytest.fixture
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == Engine.SQLITE:
        text = str(tmp_path / "digest.db")
    else:
        postgres: PostgresTestDatabase = request.getfixturevalue("postgres")
        text = postgres.url
    with open_database(parse_location(text, tmp_path, {})) as database:
        yield database


def test_the_states_and_reasons_are_the_ledgers() -> None:
    assert tuple(DeliveryState) == DELIVERY_STATES
    assert tuple(SuppressionReason) == SUPPRESSION_REASONS


@pytest.mark.parametrize("empty", ENGINES, indirect=True)
def test_migrate_makes_every_table_of_an_empty_database(empty: Database) -> None:
    assert schema_version(empty) == 0
    assert migrate(empty) == [VERSION]
    assert schema_version(empty) == VERSION
    assert {table.name for table in TABLES} <= empty.tables()
    for table in TABLES:
        assert empty.columns(table.name) == table.column_names
    assert migrate(empty) == []
    ensure_schema(empty)


@pytest.mark.parametrize("empty", ENGINES, indirect=True)
def test_every_state_is_allowed_and_no_other(empty: Database) -> None:
    migrate(empty)
    insert = ("INSERT INTO deliveries (edition, email, message_id, state, created_at,"
              " updated_at) VALUES ('w', ?, ?, ?, 0, 0)")
    assert empty.executemany(insert, [(s, s, s) for s in DELIVERY_STATES]) == 10
    with pytest.raises(BROKEN_CONSTRAINT):
        empty.execute(insert, ("x", "x", "delivered"))
    insert = "INSERT INTO suppressions (email, reason, created_at) VALUES (?, ?, 0)"
    assert empty.executemany(insert, [(r, r) for r in SUPPRESSION_REASONS]) == 4
    with pytest.raises(BROKEN_CONSTRAINT):
        empty.execute(insert, ("x", "bored"))


@pytest.mark.parametrize("empty", ENGINES, indirect=True)
def test_a_database_from_a_newer_digest_is_refused(empty: Database) -> None:
    migrate(empty)
    if empty.dialect.engine == Engine.SQLITE:
        empty.execute(f"PRAGMA user_version={VERSION + 1}")
    else:
        empty.execute("INSERT INTO schema_version VALUES (?, 0)", (VERSION + 1,))
    with pytest.raises(LedgerError, match="made by a newer digest"):
        ensure_schema(empty)


def test_sqlite_tables_are_the_ones_the_ledger_made(tmp_path: Path) -> None:
    ours = sqlite3.connect(tmp_path / "ours.db")
    with open_database(parse_location(str(tmp_path / "storage.db"), tmp_path, {})) as database:
        migrate(database)
    theirs = sqlite3.connect(tmp_path / "storage.db")
    create_tables(ours)
    for table in ("deliveries", "suppressions"):
        assert _shape(theirs, table) == _shape(ours, table)
    assert theirs.execute("PRAGMA user_version").fetchone() == (VERSION,)


def _shape(db: sqlite3.Connection, table: str) -> tuple[object, ...]:
    columns = [(name, kind, default, key, bool(not_null or key))
               for _, name, kind, not_null, default, key in db.execute(
                   f"PRAGMA table_info({table})")]
    indexes = sorted((name, unique, tuple(column for *_, column in db.execute(
        f"PRAGMA index_info({name})"))) for _, name, unique, origin, _ in db.execute(
        f"PRAGMA index_list({table})") if origin == "c")
    return tuple(columns), tuple(indexes)


def test_a_version_1_sqlite_ledger_migrates_with_its_keys_folded(
        tmp_path: Path) -> None:
    old = subprocess.run(["git", "show", f"{_V1_COMMIT}:digest/delivery/schema.py"],
                         capture_output=True, text=True, check=False,
                         cwd=Path(__file__).parent)
    if old.returncode:
        pytest.skip("the version 1 schema is read from the repository's history")
    states = ",".join(f"'{state}'" for state in DeliveryState)
    ddl = old.stdout.split('_SCHEMA = f"""', 1)[1].split('"""', 1)[0]
    ddl = ddl.replace("{_STATE_CHECK}", states).replace("{{}}", "{}")
    rows = [("2026-W10", "Ann@Example.ORG", "sent"), ("2026-W10", "ann@example.org", "pending"),
            ("2026-W10", "bo@tide.example", "sending"), ("2026-W11", "ann@example.org", "failed")]
    db = sqlite3.connect(tmp_path / "storage.db")
    db.executescript(ddl + "CREATE TABLE suppressions (email TEXT PRIMARY KEY, reason TEXT"
                     " NOT NULL, source TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL);")
    db.executemany("INSERT INTO deliveries (edition, email, message_id, state, created_at,"
                   " updated_at) VALUES (?, ?, '<m>', ?, 1, 1)", rows)
    db.execute("INSERT INTO suppressions VALUES ('Vic@Example.NET', 'bounced', '', 1)")
    db.commit()
    db.close()
    with open_database(parse_location(str(tmp_path / "storage.db"), tmp_path, {})) as database:
        assert schema_version(database) == 1
        ensure_schema(database)  # SQLite migrates by itself
        assert schema_version(database) == VERSION
        migrated = [tuple(row) for row in database.execute(
            "SELECT edition, email, address, state, in_flight FROM deliveries"
            " ORDER BY edition, email")]
        suppressions = [tuple(row) for row in database.execute(
            "SELECT email, reason FROM suppressions")]
    # Keys folded: Ann's two rows of one week are one, the one furthest along (sent) kept,
    # with the address as it was written; a row left `sending` by a version 1 sender, which
    # kept no in-flight mark, counts as in flight (uncertain on the next run, never resent).
    assert migrated == [
        ("2026-W10", "ann@example.org", "Ann@Example.ORG", "sent", 0),
        ("2026-W10", "bo@tide.example", "bo@tide.example", "sending", 1),
        ("2026-W11", "ann@example.org", "ann@example.org", "failed", 0)]
    assert suppressions == [("vic@example.net", "bounced")]

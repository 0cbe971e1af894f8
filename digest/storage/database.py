"""One small interface over the two engines the ledger and the suppression store run on:
a SQLite file, or a PostgreSQL database through psycopg 3.

SQL is written once, with `?` placeholders and `INSERT ... ON CONFLICT DO NOTHING` (both
engines read it); the few differences are the `Dialect`'s: the claim clause, the floating
point type, SQLite's index hints. Rows are read by position or by column name on both.

Outside `transaction()` every statement commits on its own (an unsubscribe is durable when
the call returns); inside it, everything commits together or not at all. Driver errors come
out as `LedgerError`s naming the location (never the password) and what to do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

from digest.errors import LedgerError
from digest.storage.dialects import DIALECTS, Dialect, Row, quoted, row_class
from digest.storage.locations import DatabaseLocation, Engine
from digest.storage.problems import driver_problem, is_known_sqlite_fault, storage_fault

if TYPE_CHECKING:
    import psycopg

Parameters = Sequence[Any]
SQLITE_TIMEOUT = 30.0  # seconds a writer waits for another's lock before "database is locked"
CONNECT_TIMEOUT = "10"  # seconds, unless the URL says otherwise (connect_timeout=...)


class Cursor(Protocol):
    """What a query gives back: rows (`Row`s) and, for a change, how many rows it made."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Row | None: ...
    def fetchmany(self, size: int) -> list[Row]: ...
    def fetchall(self) -> list[Row]: ...
    def __iter__(self) -> Iterator[Row]: ...


class Database(Protocol):
    location: DatabaseLocation
    dialect: Dialect

    def execute(self, sql: str, parameters: Parameters = ()) -> Cursor:
        """Run one statement (`?` placeholders)."""
        ...

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> int:
        """Run one statement per row; returns the rows changed (inserted, updated)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """SQLite's BEGIN IMMEDIATE (no other writer until it ends), PostgreSQL's BEGIN;
        commit at the end, roll back on any exception. Transactions do not nest."""
        ...

    @property
    def in_transaction(self) -> bool:
        """Inside `transaction()`: a caller's own transaction would be a part of it."""
        ...

    def tables(self) -> set[str]: ...
    def columns(self, table: str) -> tuple[str, ...]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *_: object) -> None: ...


def open_database(location: DatabaseLocation, readonly: bool = False) -> Database:
    """A connection to `location`, opened (tables are schema.py's business)."""
    if location.engine == Engine.SQLITE:
        return SqliteDatabase(location, readonly)
    return PostgresDatabase(location, readonly)


class _Connected:
    """What both backends share: the transaction guard and the error translation."""

    location: DatabaseLocation
    dialect: Dialect
    _in_transaction = False

    @contextmanager
    def _mapped(self, action: str) -> Iterator[None]:
        try:
            yield
        except LedgerError:
            raise
        except Exception as error:
            if is_known_sqlite_fault(error):
                raise storage_fault(self.location, error) from error  # type: ignore[arg-type]
            problem = driver_problem(error, self.location)
            if problem is None:
                raise
            raise LedgerError(f"{self.location}: {action}: {problem}") from error

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    def _begin(self) -> None:
        if self._in_transaction:
            raise RuntimeError("transactions do not nest: one transaction() at a time")
        self._in_transaction = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


def _sqlite_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    return row_class(tuple(column[0] for column in cursor.description))(values)


class SqliteDatabase(_Connected):
    def __init__(self, location: DatabaseLocation, readonly: bool = False) -> None:
        assert location.path is not None
        self.location, self.dialect = location, DIALECTS[Engine.SQLITE]
        path: Path = location.path
        with self._mapped("cannot open the database"):
            if readonly:
                self.connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro",
                                                  uri=True, timeout=SQLITE_TIMEOUT,
                                                  isolation_level=None, check_same_thread=False)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Used from one thread at a time, not always the one that opened it.
                self.connection = sqlite3.connect(path, timeout=SQLITE_TIMEOUT,
                                                  isolation_level=None, check_same_thread=False)
                self.connection.execute("PRAGMA journal_mode=WAL")
                self.connection.execute("PRAGMA synchronous=FULL")  # a commit, once made, stays
            self.connection.row_factory = _sqlite_row

    def execute(self, sql: str, parameters: Parameters = ()) -> Cursor:
        with self._mapped("query failed"):
            return self.connection.execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> int:
        with self._mapped("query failed"):
            return self.connection.executemany(sql, rows).rowcount

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._begin()
        try:
            with self._mapped("cannot start a transaction"):
                self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                with suppress(sqlite3.Error):  # the error that got us here says more
                    self.connection.execute("ROLLBACK")
                raise
            with self._mapped("cannot commit"):
                self.connection.execute("COMMIT")
        finally:
            self._in_transaction = False

    def tables(self) -> set[str]:
        rows = self.execute("SELECT name FROM sqlite_master WHERE type='table'"
                            " AND name NOT LIKE 'sqlite~_%' ESCAPE '~'")
        return {row[0] for row in rows}

    def columns(self, table: str) -> tuple[str, ...]:
        return tuple(row["name"] for row in self.execute(f"PRAGMA table_info({quoted(table)})"))

    def close(self) -> None:
        self.connection.close()


class PostgresDatabase(_Connected):
    def __init__(self, location: DatabaseLocation, readonly: bool = False) -> None:
        self.location, self.dialect = location, DIALECTS[Engine.POSTGRESQL]
        try:
            import psycopg
            from psycopg.conninfo import make_conninfo
        except ImportError:
            raise LedgerError(f"{location}: PostgreSQL needs psycopg: pip install "
                              "'digest-newsletter[postgresql]'") from None
        parameters = {"application_name": "digest", "connect_timeout": CONNECT_TIMEOUT,
                      **location.connection_parameters()}
        with self._mapped("cannot connect"):
            # Autocommit, as SQLite's connections: transaction() opens the transactions.
            self.connection: psycopg.Connection[Row] = psycopg.Connection.connect(
                make_conninfo(**parameters), autocommit=True, row_factory=_postgres_rows)
            if readonly:
                self.connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    def execute(self, sql: str, parameters: Parameters = ()) -> Cursor:
        with self._mapped("query failed"):
            return self.connection.execute(self.dialect.sql(sql), parameters)

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> int:
        with self._mapped("query failed"):
            cursor = self.connection.cursor()
            cursor.executemany(self.dialect.sql(sql), rows)
            return max(cursor.rowcount, 0)  # -1 when no row was given

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._begin()
        try:
            with self._mapped("transaction failed"), self.connection.transaction():
                yield
        finally:
            self._in_transaction = False

    def tables(self) -> set[str]:
        rows = self.execute("SELECT table_name FROM information_schema.tables"
                            " WHERE table_schema = current_schema()")
        return {row[0] for row in rows}

    def columns(self, table: str) -> tuple[str, ...]:
        rows = self.execute("SELECT column_name FROM information_schema.columns WHERE"
                            " table_schema = current_schema() AND table_name = ?"
                            " ORDER BY ordinal_position", (table,))
        return tuple(row[0] for row in rows)

    def close(self) -> None:
        self.connection.close()


def _postgres_rows(cursor: psycopg.Cursor[Any]) -> type[Row]:
    """psycopg's row factory: one Row class per result, by its column names."""
    return row_class(tuple(column.name for column in cursor.description or ()))

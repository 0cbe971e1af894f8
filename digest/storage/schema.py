"""The tables of the workspace database, described once and written out for either engine,
and the schema versions: what a database holds, and how it gets to this digest's version.

    deliveries     the ledger: one row per edition and mailbox (delivery/ledger.py)
    suppressions   addresses that must not be mailed (audience/suppressions.py)
    edition_pauses an edition whose sending is paused, for every sender (delivery/ledger.py)
    schema_version PostgreSQL only: one row per version applied (SQLite: PRAGMA user_version)

SQLite migrates by itself when a database is opened, as it always has. A PostgreSQL
database may be shared by several senders, so it changes only when the editor says so
(`digest db migrate`); opening one at another version than this digest's is an error.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from digest.errors import LedgerError
from digest.storage.database import Database, SqliteDatabase
from digest.storage.dialects import Dialect, quoted
from digest.storage.locations import DatabaseLocation, Engine
from digest.storage.sqlite_upgrade import fold_suppression_keys, upgrade_version_1

VERSION = 2
# DeliveryState's and SuppressionReason's values, which storage (below both) cannot import;
# tests/test_storage_schema.py keeps them equal.
DELIVERY_STATES = ("pending", "sending", "sent", "deferred", "failed", "uncertain",
                   "suppressed", "bounced", "complained", "skipped")
SUPPRESSION_REASONS = ("unsubscribed", "bounced", "complained", "manual")
# Held across a migration, so that two `digest db migrate` runs take turns.
_MIGRATION_LOCK = 0x646967657374  # "digest"


class ColumnType(StrEnum):
    TEXT = "TEXT"
    INTEGER = "INTEGER"
    DOUBLE = "DOUBLE"  # seconds since the epoch: REAL on SQLite, DOUBLE PRECISION on PostgreSQL


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    not_null: bool = False
    default: str | None = None  # an SQL literal
    allowed: tuple[str, ...] = ()  # CHECK (name IN (...))

    def definition(self, dialect: Dialect) -> str:
        kind = dialect.double if self.type == ColumnType.DOUBLE else str(self.type)
        parts = [quoted(self.name), kind]
        if self.not_null:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if self.allowed:
            values = ", ".join(f"'{value}'" for value in self.allowed)
            parts.append(f"CHECK ({quoted(self.name)} IN ({values}))")
        return " ".join(parts)


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[Index, ...] = ()

    def create_table(self, dialect: Dialect) -> str:
        lines = [column.definition(dialect) for column in self.columns]
        lines.append(f"PRIMARY KEY ({', '.join(quoted(c) for c in self.primary_key)})")
        body = ",\n    ".join(lines)
        return f"CREATE TABLE IF NOT EXISTS {quoted(self.name)} (\n    {body}\n)"

    def create_indexes(self) -> list[str]:
        return [f"CREATE {'UNIQUE ' if index.unique else ''}INDEX IF NOT EXISTS"
                f" {quoted(index.name)} ON {quoted(self.name)}"
                f" ({', '.join(quoted(c) for c in index.columns)})" for index in self.indexes]

    def create(self, dialect: Dialect) -> list[str]:
        return [self.create_table(dialect), *self.create_indexes()]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


_TEXT, _INTEGER, _DOUBLE = ColumnType.TEXT, ColumnType.INTEGER, ColumnType.DOUBLE
DELIVERIES = Table("deliveries", (
    Column("edition", _TEXT, not_null=True),
    Column("email", _TEXT, not_null=True),  # the mailbox key (models.mailbox_key)
    Column("address", _TEXT, not_null=True, default="''"),  # as the list wrote it
    Column("name", _TEXT, not_null=True, default="''"),
    Column("fields", _TEXT, not_null=True, default="'{}'"),
    Column("message_id", _TEXT, not_null=True),
    Column("return_token", _TEXT),
    Column("state", _TEXT, not_null=True, allowed=DELIVERY_STATES),
    Column("attempts", _INTEGER, not_null=True, default="0"),
    Column("code", _INTEGER),
    Column("reply", _TEXT),
    Column("worker", _TEXT),  # who holds the lease
    Column("in_flight", _INTEGER, not_null=True, default="0"),  # 1: the data is being written
    Column("lease_until", _DOUBLE),
    Column("retry_at", _DOUBLE),
    Column("created_at", _DOUBLE, not_null=True),
    Column("updated_at", _DOUBLE, not_null=True),
), primary_key=("edition", "email"), indexes=(
    Index("deliveries_state", ("edition", "state", "retry_at")),
    Index("deliveries_return_token", ("return_token",), unique=True),
    Index("deliveries_message_id", ("message_id",)),
))
SUPPRESSIONS = Table("suppressions", (
    Column("email", _TEXT, not_null=True),
    Column("reason", _TEXT, not_null=True, allowed=SUPPRESSION_REASONS),
    Column("source", _TEXT, not_null=True, default="''"),
    Column("created_at", _DOUBLE, not_null=True),
), primary_key=("email",))
# One row per paused edition: a sender that saw too many refusals in a row wrote it, and
# every sender's claim stops on it until a send, weekly or retry run clears it.
EDITION_PAUSES = Table("edition_pauses", (
    Column("edition", _TEXT, not_null=True),
    Column("reason", _TEXT, not_null=True),
    Column("worker", _TEXT, not_null=True),  # the sender that paused it
    Column("paused_at", _DOUBLE, not_null=True),
), primary_key=("edition",))
# One row per planned edition: a digest of the recipients it was planned for, so a sender
# that finds the same recipients planned already (another sender of the edition, a rerun)
# does not plan them again.
EDITION_PLANS = Table("edition_plans", (
    Column("edition", _TEXT, not_null=True),
    Column("fingerprint", _TEXT, not_null=True),
    Column("planned_at", _DOUBLE, not_null=True),
), primary_key=("edition",))
# One row per bounce or complaint report acted on (feedback/store.py): reading a mailbox
# again skips them, and soft bounces are counted from them.
FEEDBACK_EVENTS = Table("feedback_events", (
    Column("message_key", _TEXT, not_null=True),
    Column("kind", _TEXT, not_null=True, allowed=("hard", "soft", "complaint")),
    Column("email", _TEXT, not_null=True),
    Column("edition", _TEXT, not_null=True),
    Column("status", _TEXT, not_null=True, default="''"),
    Column("at", _DOUBLE, not_null=True),
    Column("read_at", _DOUBLE, not_null=True),
), primary_key=("message_key",), indexes=(
    Index("feedback_events_email", ("email", "kind", "at")),
))
TABLES = (DELIVERIES, SUPPRESSIONS, EDITION_PAUSES, EDITION_PLANS, FEEDBACK_EVENTS)
SCHEMA_VERSION = Table("schema_version", (
    Column("version", _INTEGER, not_null=True),
    Column("applied_at", _DOUBLE, not_null=True),
), primary_key=("version",))


def _version_2(database: Database) -> None:
    """Version 2, from nothing (PostgreSQL) or from nothing or version 1 (SQLite)."""
    if isinstance(database, SqliteDatabase) and "deliveries" in database.tables():
        upgrade_version_1(database, DELIVERIES.create_table(database.dialect))
    for table in TABLES:
        for statement in table.create(database.dialect):
            database.execute(statement)
    if isinstance(database, SqliteDatabase):
        fold_suppression_keys(database)


# Each version's step from the one before; a new version adds one here.
MIGRATIONS: dict[int, Callable[[Database], None]] = {2: _version_2}


def schema_version(database: Database) -> int:
    """The version `database` is at: 0 when it holds no table of ours yet."""
    tables = database.tables()
    if database.dialect.engine == Engine.SQLITE:
        row = database.execute("PRAGMA user_version").fetchone()
        version = int(row[0]) if row else 0
        return 1 if version == 0 and "deliveries" in tables else version
    if SCHEMA_VERSION.name not in tables:
        return 0
    row = database.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def missing_tables(database: Database) -> list[str]:
    """Tables of this version the database lacks: a version 2 database made before
    edition_pauses, edition_plans and feedback_events joined version 2 (never released
    without them)."""
    present = database.tables()
    return [table.name for table in TABLES if table.name not in present]


def _create_missing(database: Database) -> None:
    for name in missing_tables(database):
        table = next(table for table in TABLES if table.name == name)
        for statement in table.create(database.dialect):
            database.execute(statement)


def migrate(database: Database) -> list[int]:
    """Bring `database` to VERSION, in one transaction; the versions applied (none when it
    was there already)."""
    with database.transaction():
        if database.dialect.engine == Engine.POSTGRESQL:
            database.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            database.execute(SCHEMA_VERSION.create_table(database.dialect))
        current = schema_version(database)
        applied = [version for version in sorted(MIGRATIONS) if version > current]
        if not applied and current == VERSION:
            _create_missing(database)
        for version in applied:
            MIGRATIONS[version](database)
            if database.dialect.engine == Engine.POSTGRESQL:
                database.execute("INSERT INTO schema_version (version, applied_at)"
                                 " VALUES (?, ?)", (version, time.time()))
        if applied and database.dialect.engine == Engine.SQLITE:
            database.execute(f"PRAGMA user_version={int(applied[-1])}")
    return applied


def ensure_schema(database: Database) -> None:
    """What opening a database does: SQLite is migrated on the spot; PostgreSQL must be at
    this digest's version already."""
    version = schema_version(database)
    if version > VERSION:
        raise LedgerError(f"{database.location}: schema version {version} was made by a "
                          f"newer digest (this one knows {VERSION}); upgrade digest")
    missing = missing_tables(database) if version == VERSION else []
    if version == VERSION and not missing:
        return
    if database.dialect.engine == Engine.SQLITE:
        migrate(database)
        return
    found = (f"lacks the table(s) {', '.join(missing)}" if missing else
             f"is at schema version {version}" if version else "has no digest tables yet")
    raise LedgerError(f"{database.location} {found}, this digest needs version {VERSION}:"
                      f" run `{migrate_command(database.location)}`")


def migrate_command(location: DatabaseLocation) -> str:
    """The command line that migrates `location`, quoted for a shell."""
    return f"digest db migrate --database {shlex.quote(str(location))}"

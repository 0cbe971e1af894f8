"""Every row of one workspace database copied into another: a SQLite ledger and its
suppressions moved over to PostgreSQL (`digest db copy --to postgresql://...`).

Tables are copied by their columns, so a table this module has never heard of moves too,
where the target has it. The copy is one transaction on the target: interrupted, it leaves
nothing behind. Without `merge` it refuses a target that already holds rows for the
editions being copied; with it, rows the target has already are kept as they are (ON
CONFLICT DO NOTHING), so running it again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from digest.errors import LedgerError
from digest.storage.database import Database
from digest.storage.dialects import insert_ignoring, quoted
from digest.storage.locations import Engine
from digest.storage.schema import TABLES, VERSION, migrate, migrate_command, schema_version

BATCH_ROWS = 1000
# Each database keeps its own history; a pause is a sender's passing state (the next run
# clears it), and a plan's digest only saves work (the target's first run plans again and
# finds every row there): not data to move.
_NOT_COPIED = frozenset({"schema_version", "edition_pauses", "edition_plans"})
# Copied first, in this order; any other table after them, by name.
_FIRST = tuple(table.name for table in TABLES if table.name not in _NOT_COPIED)
_EDITION = "edition"

Progress = Callable[[str, int, int], None]  # (table, rows done, rows in all)


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int  # rows in the source
    added: int  # rows the target did not have
    left_out: tuple[str, ...] = ()  # source columns the target's table lacks

    @property
    def already_there(self) -> int:
        return self.rows - self.added


@dataclass(frozen=True)
class CopyReport:
    tables: tuple[TableCopy, ...]
    not_on_target: tuple[str, ...]  # source tables the target lacks: not copied
    migrated: tuple[int, ...]  # schema versions applied to an empty target first


def row_counts(database: Database) -> dict[str, int]:
    """Rows per table (our history table aside), in copy order."""
    return {table: _count(database, table) for table in _ordered(database.tables())}


def copy_database(source: Database, target: Database, merge: bool = False,
                  batch_rows: int = BATCH_ROWS, progress: Progress | None = None) -> CopyReport:
    if str(source.location) == str(target.location):
        raise LedgerError(f"{target.location}: source and target are the same database")
    if source.dialect.engine == Engine.SQLITE and schema_version(source) < VERSION:
        migrate(source)  # as any command opening it would
    migrated: list[int] = []
    if schema_version(target) == 0 and not target.tables() & set(_FIRST):
        migrated = migrate(target)
    elif schema_version(target) < VERSION:
        raise LedgerError(f"{target.location}: schema version {schema_version(target)} is "
                          f"older than this digest's {VERSION}: run "
                          f"`{migrate_command(target.location)}` first")
    target_tables = target.tables()
    tables = [table for table in _ordered(source.tables()) if table in target_tables]
    copies: list[TableCopy] = []
    # The source's transaction keeps its writers out, so the copy is one moment's state.
    with source.transaction(), target.transaction():
        if not merge:
            _refuse_overlap(source, target, tables)
        for table in tables:
            copies.append(_copy_table(source, target, table, batch_rows, progress))
    missing = tuple(sorted(set(_ordered(source.tables())) - target_tables))
    return CopyReport(tuple(copies), missing, tuple(migrated))


def _copy_table(source: Database, target: Database, table: str, batch_rows: int,
                progress: Progress | None) -> TableCopy:
    wanted = set(target.columns(table))
    columns = [column for column in source.columns(table) if column in wanted]
    left_out = tuple(column for column in source.columns(table) if column not in wanted)
    total = _count(source, table)
    insert = insert_ignoring(table, columns)
    cursor = source.execute(f"SELECT {', '.join(map(quoted, columns))} FROM {quoted(table)}")
    done = added = 0
    while batch := cursor.fetchmany(batch_rows):
        added += target.executemany(insert, batch)
        done += len(batch)
        if progress:
            progress(table, done, total)
    if target.dialect.engine == Engine.POSTGRESQL and done:
        _follow_sequences(target, table, columns)
    return TableCopy(table, done, added, left_out)


def _refuse_overlap(source: Database, target: Database, tables: list[str]) -> None:
    for table in tables:
        if _EDITION not in source.columns(table) or _EDITION not in target.columns(table):
            continue
        query = f"SELECT DISTINCT {_EDITION} FROM {quoted(table)}"
        shared = ({row[0] for row in source.execute(query)}
                  & {row[0] for row in target.execute(query)})
        if shared:
            editions = ", ".join(sorted(shared)[:5]) + (" ..." if len(shared) > 5 else "")
            raise LedgerError(
                f"{target.location}: already holds {table} rows for {editions}; pass "
                "--merge to add only the rows it lacks (rows already there stay as they are)")


def _follow_sequences(target: Database, table: str, columns: list[str]) -> None:
    """Identity and serial columns whose values were copied: their sequences move past
    the largest value, so the next row the target numbers itself does not collide."""
    for column in columns:
        row = target.execute("SELECT pg_get_serial_sequence(?, ?)",
                             (quoted(table), column)).fetchone()
        if row and row[0]:
            target.execute(f"SELECT setval(?, (SELECT MAX({quoted(column)}) FROM"
                           f" {quoted(table)}))", (row[0],))


def _count(database: Database, table: str) -> int:
    row = database.execute(f"SELECT COUNT(*) FROM {quoted(table)}").fetchone()
    return int(row[0]) if row else 0


def _ordered(tables: set[str]) -> list[str]:
    known = [name for name in _FIRST if name in tables]
    return known + sorted(tables - set(_FIRST) - _NOT_COPIED)

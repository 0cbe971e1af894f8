"""Opening the workspace database at this digest's schema version, for the ledger.

The tables are described once, for both engines, in storage/schema.py (deliveries,
suppressions, edition_pauses, edition_plans, feedback_events; their versions and the
SQLite upgrade from version 1). Every command creates every table it may later read: a
`digest subscribers count` makes a database holding the suppression store alone, and a
`status` or `send --dry-run` after it must not fail with "no such table: deliveries".
"""

from __future__ import annotations

import sqlite3

from digest.storage.database import Database, open_database
from digest.storage.dialects import DIALECTS
from digest.storage.locations import DatabaseLocation, Engine
from digest.storage.schema import TABLES as DESCRIBED
from digest.storage.schema import VERSION, ensure_schema, schema_version

TABLES = {table.name for table in DESCRIBED}


def create_tables(db: sqlite3.Connection) -> None:
    """Every table at the current version on a bare SQLite connection (a dry run's copy in
    memory), where missing; a file's older tables are upgraded by `open_ledger_database`."""
    for table in DESCRIBED:
        for statement in table.create(DIALECTS[Engine.SQLITE]):
            db.execute(statement)
    db.execute(f"PRAGMA user_version={VERSION}")


def open_ledger_database(location: DatabaseLocation, readonly: bool = False) -> Database:
    """The ledger's database at this digest's schema version. SQLite files are brought to
    it on the spot (a reader's file by a writer first); PostgreSQL must have been migrated
    (`digest db migrate`), or this says so."""
    if readonly and location.engine == Engine.SQLITE:
        db = open_database(location, readonly=True)
        if schema_version(db) >= VERSION and {t.name for t in DESCRIBED} <= db.tables():
            return db
        db.close()
        with open_database(location) as writer:
            ensure_schema(writer)
        return open_database(location, readonly=True)
    db = open_database(location, readonly)
    try:
        ensure_schema(db)
    except BaseException:
        db.close()
        raise
    return db

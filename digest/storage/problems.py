"""Driver errors (sqlite3, psycopg, the file system) as one line an editor can act on: what
the driver said, and what to do about it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from digest.errors import LedgerError
from digest.storage.locations import PASSWORD_VARIABLE, DatabaseLocation

_MIGRATE = "run `digest db migrate`"
_SCRUBBED_LENGTH = 6
_AGAIN = "run the command again"
# (what the driver's message holds, what to do), first match wins.
_HINTS_BY_TEXT = (
    ("password authentication failed", f"set {PASSWORD_VARIABLE} (or PGPASSWORD, or ~/.pgpass)"),
    ("no password supplied", f"set {PASSWORD_VARIABLE} (or PGPASSWORD, or ~/.pgpass)"),
    ("no pg_hba.conf entry", "the server does not admit this user from here (pg_hba.conf)"),
    ('role "', "check the user name in the URL"),
    ("database \"", "create the database (createdb), then " + _MIGRATE),
    ("ssl", "check sslmode and the certificates (sslrootcert, sslcert, sslkey)"),
    ("certificate", "check sslmode and the certificates (sslrootcert, sslcert, sslkey)"),
    ("refused", "is the PostgreSQL server running, and are host and port right?"),
    ("timeout expired", "is the PostgreSQL server running, and are host and port right?"),
    ("resolve host", "is the host name right?"),
    ("no such file or directory", "is the PostgreSQL server running, and is the socket "
     "folder right?"),
    ("database is locked", "another digest process is writing to it; " + _AGAIN
     + " when it is done"),
    ("unable to open database file", "check that its folder exists and can be written"),
    ("readonly database", "check the file's permissions"),
    ("file is not a database", "this is not a digest database, or it is damaged"),
    ("malformed", "this is not a digest database, or it is damaged"),
    ("no such table", _MIGRATE),
    ("disk", "check the disk: it may be full or failing"),
)
# PostgreSQL's SQLSTATE codes, by class (two characters) or in full.
_HINTS_BY_STATE = {
    "42P01": _MIGRATE,  # undefined table
    "42703": _MIGRATE,  # undefined column
    "42501": "grant the user rights on the database's tables, or connect as their owner",
    "25006": "this connection is read-only",
    "40": "another sender got in the way; " + _AGAIN,  # serialization failure, deadlock
    "08": "the connection to the server was lost; " + _AGAIN,
    "53": "the server is out of disk, memory or connections",
    "57": "the server is shutting down or cancelled the query; " + _AGAIN,
}


_RERUN = "rerun `digest send`: rows already sent are not sent again"
# Primary SQLite result codes (the low byte of an extended one): what it means, what to do.
_FAULTS: dict[int, tuple[str, str]] = {
    sqlite3.SQLITE_FULL: ("the disk is full", f"free space, then {_RERUN}"),
    sqlite3.SQLITE_IOERR: ("the disk could not be read or written",
                           f"check the disk and free space on it, then {_RERUN}"),
    sqlite3.SQLITE_READONLY: ("the database cannot be written",
                              f"make the file and its folder writable, then {_RERUN}"),
    sqlite3.SQLITE_PERM: ("the database cannot be written",
                          f"make the file and its folder writable, then {_RERUN}"),
    sqlite3.SQLITE_CANTOPEN: ("the database file cannot be opened",
                              f"check that its folder exists and is writable, then {_RERUN}"),
    sqlite3.SQLITE_BUSY: ("another program kept the database locked",
                          f"stop whatever holds it open, then {_RERUN}"),
    sqlite3.SQLITE_LOCKED: ("another program kept the database locked",
                            f"stop whatever holds it open, then {_RERUN}"),
    sqlite3.SQLITE_CORRUPT: ("the database is damaged",
                             "restore it from a backup before sending again"),
    sqlite3.SQLITE_NOTADB: ("the file is not a digest database",
                            "check storage.database in digest.yaml"),
}


def storage_fault(path: Path | DatabaseLocation, error: sqlite3.Error) -> LedgerError:
    """The LedgerError that says what `error` means for the database at `path`."""
    code = getattr(error, "sqlite_errorcode", None)
    what, todo = _FAULTS.get(code & 0xFF if isinstance(code, int) else -1,
                             ("the database failed", f"fix the cause, then {_RERUN}"))
    return LedgerError(f"{path}: {what} ({error}); {todo}")


def is_known_sqlite_fault(error: BaseException) -> bool:
    """A SQLite error with a result code this module explains (disk full, I/O, locks...)."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(error, sqlite3.Error) and isinstance(code, int) and (code & 0xFF) in _FAULTS


# What a statement got wrong (a constraint, the API's use): a bug to show, not a fault.
BUG_ERRORS: tuple[type[BaseException], ...] = (
    sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)


def driver_problem(error: BaseException, location: DatabaseLocation) -> str | None:
    """`error` as "what happened; what to do", or None if it is not a driver's error."""
    if not _is_driver_error(error):
        return None
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = " ".join(text.replace("connection failed: ", "", 1).replace("FATAL:", "").split())
    # libpq never repeats the password; should a message ever hold it, it is not shown
    # (a password short enough to occur in ordinary words could not be told apart).
    if location.password and len(location.password) >= _SCRUBBED_LENGTH:
        text = text.replace(location.password, "***")
    hint = _hint(text, getattr(error, "sqlstate", None))
    return f"{text}; {hint}" if hint else text


def _hint(text: str, sqlstate: str | None) -> str | None:
    hint = sqlstate and (_HINTS_BY_STATE.get(sqlstate) or _HINTS_BY_STATE.get(sqlstate[:2]))
    if hint:
        return hint
    lowered = text.lower()
    return next((hint for needle, hint in _HINTS_BY_TEXT if needle in lowered), None)


def _is_driver_error(error: BaseException) -> bool:
    if isinstance(error, BUG_ERRORS):
        return False
    if isinstance(error, (sqlite3.Error, OSError)):
        return True
    try:
        import psycopg
    except ImportError:
        return False
    # A broken constraint is the code's mistake on either engine: shown, not explained.
    return isinstance(error, psycopg.Error) and not isinstance(error, psycopg.IntegrityError)

"""A failing workspace database, said as one line: which file, what happened, what to do.

Disk full, I/O errors, a read-only file, a lock held past the timeout: any `sqlite3.Error`
the ledger, its writer thread or the suppression reader meets during a run (but a broken
constraint, which is a bug) ends the run with a `LedgerError`, never a traceback. What was
not committed leaves its rows consistent: a row is committed as in flight before its
message leaves, so the next run turns the rows whose outcome was lost into `uncertain` and
the others back into `pending`; nothing already sent is sent again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import LedgerError

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


def storage_fault(path: Path, error: sqlite3.Error) -> LedgerError:
    """The LedgerError that says what `error` means for the database at `path`."""
    code = getattr(error, "sqlite_errorcode", None)
    what, todo = _FAULTS.get(code & 0xFF if isinstance(code, int) else -1,
                             ("the database failed", f"fix the cause, then {_RERUN}"))
    return LedgerError(f"{path}: {what} ({error}); {todo}")


# What a statement got wrong (a constraint, the API's use): a bug to show, not a fault.
_BUGS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn a failing database inside into the LedgerError that explains it."""
    try:
        yield
    except _BUGS:
        raise
    except sqlite3.Error as error:
        raise storage_fault(path, error) from error

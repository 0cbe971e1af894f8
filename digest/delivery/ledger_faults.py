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

from digest.storage.problems import BUG_ERRORS, storage_fault

# What a statement got wrong (a constraint, the API's use): a bug to show, not a fault.
_BUGS = BUG_ERRORS


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn a failing database inside into the LedgerError that explains it."""
    try:
        yield
    except _BUGS:
        raise
    except sqlite3.Error as error:
        raise storage_fault(path, error) from error

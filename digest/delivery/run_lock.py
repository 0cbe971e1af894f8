"""One sender per workspace at a time, so rows left `sending` are known to be abandoned."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import RunLocked


@contextmanager
def sender_lock(database: Path) -> Iterator[None]:
    path = database.with_name(database.name + ".lock")
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(
                f"{database}: another digest process is sending from this workspace; "
                "wait for it to finish"
            ) from None
        yield
    finally:
        os.close(handle)  # closing releases the lock, also when the process dies

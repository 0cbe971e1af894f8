"""Files written whole or not at all."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

_BINARY = getattr(os, "O_BINARY", 0)  # Windows would translate newlines without it


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write `data` (str as UTF-8) to `path` so that a reader, or a run that dies midway,
    sees the old file or the new one, never half of one.

    The bytes go to a temporary file beside `path`, reach the disk, then take its name in
    one rename. A new file gets the usual permissions (the umask applies); a replaced one
    keeps its own. Missing parent folders are made.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

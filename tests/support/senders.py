"""`digest` commands run as child processes for the tests of many senders on one ledger, and
the name each sender goes by in the ledger's `worker` column (host:pid)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.support.delivery import WEEK

SECRET = "many-senders-secret"


def start(workspace: Path, command: str, *args: str, week: str = WEEK,
          secret: str = SECRET) -> subprocess.Popen[str]:
    """`digest <command> --workspace W --week WEEK [args]`, its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "digest", command, "--workspace", str(workspace), "--week", week,
         *args], env={**os.environ, "DIGEST_SECRET": secret},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start_sender(workspace: Path, *args: str) -> subprocess.Popen[str]:
    return start(workspace, "send", "--yes", "--force", *args)


def worker_name(process: subprocess.Popen[str]) -> str:
    """The sender's name in the ledger (delivery/ledger.py `default_worker`)."""
    return f"{socket.gethostname()}:{process.pid}"


def finish(processes: Sequence[subprocess.Popen[str]],
           seconds: float = 600) -> list[tuple[int, str]]:
    """Wait for each process: its exit code and what it wrote on stderr."""
    done = []
    for process in processes:
        _, err = process.communicate(timeout=seconds)
        done.append((process.returncode, err))
    return done


def wait_for(check: Callable[[], bool], processes: Sequence[subprocess.Popen[str]],
             what: str, seconds: float = 300) -> None:
    """Poll `check` while the processes run; fail (with their output) if one ends first."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return
        ended = [process for process in processes if process.poll() is not None]
        assert not ended, [process.communicate() for process in ended]
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")

"""Postfix's smtp-sink as the receiving server of large multi-sender runs: written in C and
event-driven, it keeps up with several senders on a small machine where an in-process
aiosmtpd would not. Every mail transaction is dumped to a file of its own (`-d`), so
`recipients()` reads back each RCPT it took, from every connection.

smtp-sink refuses to run as root without `-u`: under root (as CI runs) it drops to
`nobody`, and its dump folder is handed to that user.

    with SmtpSink() as sink:        # the `smtp_sink` fixture: sink.url, sink.port
        ...
    sink.recipients()               # Counter of every recipient received
    sink.remove_dumps()
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import TracebackType

import pytest

from tests.support.smtp_server import free_port

SINK = "/usr/sbin/smtp-sink"
UNPRIVILEGED = "nobody"
_RCPT = "X-Rcpt-Args: "


class SmtpSink:
    def __init__(self) -> None:
        program = shutil.which("smtp-sink") or (SINK if Path(SINK).exists() else None)
        if program is None:
            pytest.skip("Postfix's smtp-sink is not installed (Debian package postfix)")
        self.program = program
        self.dumps = Path(tempfile.mkdtemp(prefix="digest-sink-"))  # reachable by `nobody`
        self.host = "127.0.0.1"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def __enter__(self) -> SmtpSink:
        root = os.geteuid() == 0
        if root:
            shutil.chown(self.dumps, UNPRIVILEGED)
        for attempt in range(3):  # another process may take the free port first
            self.port = free_port()
            # One folder per second of dumps: a file's name ends in a random 32-bit number,
            # so 10,000 files in one folder could meet twice.
            command = [self.program, *(["-u", UNPRIVILEGED] if root else []),
                       "-d", f"{self.dumps}/%H%M%S/m.", f"{self.host}:{self.port}", "256"]
            self._process = subprocess.Popen(command, stderr=subprocess.PIPE)
            if self._listening():
                return self
            if attempt == 2:
                raise RuntimeError(f"smtp-sink did not start: {self._stop()}")
            self._stop()
        return self

    def _listening(self, seconds: float = 10.0) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            assert self._process is not None
            if self._process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    return probe.recv(3) == b"220"
            except OSError:
                time.sleep(0.05)
        return False

    def _stop(self) -> str:
        """Stop the sink; what it said on stderr."""
        if self._process is None:
            return ""
        if self._process.poll() is None:
            self._process.terminate()
        _, err = self._process.communicate(timeout=30)
        self._process = None
        return err.decode(errors="replace")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop()

    def recipients(self) -> Counter[str]:
        """Every recipient of every transaction dumped so far (the headers smtp-sink puts
        before the message end at its Received: line)."""
        found: Counter[str] = Counter()
        for dump in self.dumps.rglob("m.*"):
            with open(dump, encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    if line.startswith("Received:"):
                        break
                    if line.startswith(_RCPT):
                        found[line[len(_RCPT):].split()[0].strip("<>")] += 1  # then ESMTP options
        return found

    def remove_dumps(self) -> None:
        shutil.rmtree(self.dumps, ignore_errors=True)

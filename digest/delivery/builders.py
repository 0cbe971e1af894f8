"""Message bytes for ledger rows: built in the sending process, or in worker processes.

`message_builder` makes one row's bytes: the factory's message, DKIM-signed when `dkim:`
is configured. Most runs call it from the event loop right before each message. A large
signed run on a machine with more than one core hands it to `BuildProcesses`, so that
building and signing (a few tenths of a millisecond a message) run on every core while
the event loop only talks SMTP.

The workers are plain child processes (`python -m digest.delivery.build_worker`), each
fed batches of rows over its stdin and answering on its stdout. They never touch the
ledger or a socket: the sending process claims every row (`sending`, committed) before a
worker sees it, and records every outcome. They run in a session of their own, so a
Ctrl-C at the terminal reaches only the sender, which then closes their stdin; if the
sender dies (SIGTERM, kill -9), their stdin closes with it and they exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from digest.delivery.dkim import Signer
from digest.delivery.ledger import Delivery
from digest.errors import DigestError
from digest.rendering.messages import MessageFactory
from digest.settings import Settings

BUILD_FROM = 2000  # owed messages from which a run builds in worker processes
PROCESSES_VARIABLE = "DIGEST_BUILD_PROCESSES"  # a number overrides the choice; 0: never
PIPE_SIZE = 1 << 20  # bytes the pipe from a worker holds
_LENGTH = struct.Struct(">I")
Built = bytes | str  # a message, or why it could not be built


def message_builder(settings: Settings,
                    factory: MessageFactory) -> Callable[[Delivery], bytes]:
    """Bytes for one row: the factory's message, DKIM-signed when `dkim:` is configured."""
    signer = Signer.from_settings(settings.dkim) if settings.dkim else None

    def build(delivery: Delivery) -> bytes:
        # The To: line shows the address as the list wrote it; the envelope uses the key.
        subscriber = delivery.subscriber
        if delivery.address and delivery.address != subscriber.email:
            subscriber = dataclasses.replace(subscriber, email=delivery.address)
        message = factory.build(subscriber, delivery.message_id)
        return signer.sign(message) if signer else message

    return build


def build_processes(owed: int, signing: bool) -> int:
    """How many worker processes a run of `owed` messages builds in (0: in the sender).

    Only a large signed run uses them, one per core this process may use: signing (a few
    tenths of a millisecond a message) then has every core, while the sender's own SMTP
    work stays light. An unsigned message takes about 40 µs to build in the sender, and
    about 20 µs here plus 25 in a worker to carry over; measured, workers gained unsigned
    runs a few per cent for up to a fifth more CPU, so those build their own
    (benchmarks/send.py, docs/DELIVERY.md).
    """
    chosen = os.environ.get(PROCESSES_VARIABLE, "").strip()
    if chosen:
        if not chosen.isdigit():
            raise DigestError(f"{PROCESSES_VARIABLE}={chosen!r}: must be a whole number")
        return int(chosen)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return cores if signing and owed >= BUILD_FROM and cores > 1 else 0


def write_frame(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)  # apart: a batch of messages is large, and joining would copy it
    stream.flush()


def read_frame(stream: IO[bytes], buffer: bytearray | None = None) -> Any:
    """The next value; EOFError when the other side has closed. A `buffer` kept between
    calls saves allocating (and the kernel zeroing) fresh memory for every batch."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("the other process closed the pipe")
    size = _LENGTH.unpack(head)[0]
    if buffer is None:
        buffer = bytearray(size)
    elif len(buffer) < size:
        buffer.extend(bytes(size - len(buffer)))
    view = memoryview(buffer)[:size]
    got = 0
    while got < size:
        read = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not read:
            raise EOFError("the other process closed the pipe mid-message")
        got += read
    return pickle.loads(view)  # only ever from our own processes


class _Worker:
    """One child process and the thread that talks to it, one request at a time."""

    def __init__(self, recipe: tuple[Settings, MessageFactory]) -> None:
        # The child imports this same digest, wherever it was imported from here.
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "digest.delivery.build_worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
            env={**os.environ, "PYTHONPATH": path})
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="builder")
        self._recipe = recipe
        self._buffer = bytearray()
        if hasattr(fcntl, "F_SETPIPE_SZ") and self.process.stdout is not None:
            # A batch in a few reads, not dozens of 64 KB ones (Linux; best effort).
            with contextlib.suppress(OSError):
                fcntl.fcntl(self.process.stdout, fcntl.F_SETPIPE_SZ, PIPE_SIZE)

    def _greet(self) -> str | None:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            write_frame(self.process.stdin, self._recipe)
            problem: str | None = read_frame(self.process.stdout)
        except (OSError, EOFError) as error:
            return f"the message builder process did not start: {error}"
        return problem

    def _round_trip(self, rows: Sequence[Delivery]) -> list[Built]:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            write_frame(self.process.stdin, list(rows))
            built: list[Built] = read_frame(self.process.stdout, self._buffer)
        except (OSError, EOFError, ValueError) as error:  # ValueError: closed under us
            return [f"the message builder process stopped: {error}"] * len(rows)
        return built

    async def greet(self) -> str | None:
        return await asyncio.wrap_future(self._thread.submit(self._greet))

    def build(self, rows: Sequence[Delivery]) -> asyncio.Future[list[Built]]:
        return asyncio.wrap_future(self._thread.submit(self._round_trip, rows))

    def close(self) -> None:
        """Close its stdin (it exits at the end of the batch in hand), then reap it."""
        self._thread.shutdown(wait=False, cancel_futures=True)  # a round trip under way
        if self.process.stdin is not None:  # reads its answer: the child never blocks
            with contextlib.suppress(OSError):  # a broken pipe: the child is gone already
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class BuildProcesses:
    """`processes` workers building (and signing) batches of rows, taken in turn."""

    def __init__(self, settings: Settings, factory: MessageFactory, processes: int) -> None:
        # The workers need the newsletter and DKIM settings, never the SMTP password.
        settings = dataclasses.replace(
            settings, smtp=dataclasses.replace(settings.smtp, password=None))
        self._recipe = (settings, factory)
        self.processes = processes
        self._workers: list[_Worker] = []
        self._turn = 0

    async def start(self) -> None:
        self._workers = [_Worker(self._recipe) for _ in range(self.processes)]
        for problem in await asyncio.gather(*(w.greet() for w in self._workers)):
            if problem is not None:
                self.close()
                raise DigestError(problem)

    def build(self, rows: Sequence[Delivery]) -> asyncio.Future[list[Built]]:
        """Messages for `rows`, in their order, from the next worker in turn."""
        worker = self._workers[self._turn % len(self._workers)]
        self._turn += 1
        return worker.build(rows)

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers = []

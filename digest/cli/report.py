"""One object owns the run's progress display, its summary and its exit code.

`Report` is the terminal's `digest.delivery.progress.Progress`: delivery tells it what
happens, never the other way round. On a terminal progress is one redrawn bar with rate
and ETA; in logs and pipes it is a plain line every few seconds; with --quiet there is
none. The summary and exit code come from the ledger's counts before and after the run, so
retried rows are not counted twice, and rows earlier runs finished are named as such ("earlier
runs: 40 sent"; `skipped` is a state of its own: planned, but the address left the audience).
An uncertain row, whichever run left it, keeps the exit code non-zero until it is resolved.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

from digest.delivery.states import FINAL, DeliveryState
from digest.errors import ExitCode

BAR_WIDTH = 24
# The order of the summary line; the states after these are shown when a run has any.
SUMMARY = (DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.DEFERRED,
           DeliveryState.UNCERTAIN, DeliveryState.SUPPRESSED)
OCCASIONAL = (DeliveryState.BOUNCED, DeliveryState.COMPLAINED, DeliveryState.SKIPPED)


@dataclass
class Report:
    total: int = 0  # rows owed when the run started
    counts: dict[DeliveryState, int] = field(default_factory=dict)  # outcomes of attempts
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    started: float = field(default_factory=time.monotonic)
    final: dict[DeliveryState, int] | None = None  # this run's outcomes, once finished
    earlier: dict[DeliveryState, int] = field(default_factory=dict)  # finished before it
    uncertain_left: int = 0  # uncertain rows in the ledger after the run, whichever run's
    interval: float = 0.0  # seconds between progress lines; 0: 0.2 on a terminal, else 5
    already_done: int = 0  # rows earlier runs had finished, as the run started
    quiet: bool = False  # --quiet: no progress, only notices of what went wrong
    _last_print: float = 0.0

    def __post_init__(self) -> None:
        if not self.interval:
            self.interval = 0.2 if self._tty else 5.0

    @property
    def _tty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def planned(self, owed: int, skipped: int) -> None:
        # `skipped` is the protocol's name for rows done by earlier runs.
        self.total, self.already_done = owed, skipped

    def notice(self, text: str) -> None:
        self._end_bar()
        self.stream.write(f"  {text}\n")
        self.stream.flush()

    def outcome(self, state: DeliveryState, number: int = 1) -> None:
        """Note one attempt's outcome (a deferred row may come back and be counted again)."""
        self.counts[state] = self.counts.get(state, 0) + number
        # Rows recovered during the run (a dead sender's, on a shared ledger) were not owed
        # when it began: the total grows with them rather than being passed.
        self.total = max(self.total, self.done)
        self._maybe_print()

    @property
    def done(self) -> int:
        return sum(self.counts.get(s, 0) for s in FINAL)

    def waiting(self, due: float) -> None:
        if self.quiet:
            return
        wait = max(0.0, due - time.time())
        self._end_bar()
        self.stream.write(f"  {self.counts.get(DeliveryState.DEFERRED, 0)} deferral(s) so far; "
                          f"retrying in {wait:.0f}s\n")
        self.stream.flush()

    def progress_line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        remaining = max(self.total - self.done, 0)
        eta = f", ETA {_duration(remaining / rate)}" if rate > 0 and remaining else ""
        deferred = self.counts.get(DeliveryState.DEFERRED, 0)
        retries = f", {deferred} deferred" if deferred else ""
        line = f"{self.done}/{self.total} done, {rate:.1f} msg/s{eta}{retries}"
        if not self._tty:
            return "  " + line
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = round(share * BAR_WIDTH)
        return f"  [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%} {line}"

    def _maybe_print(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.quiet or (not force and now - self._last_print < self.interval):
            return
        self._last_print = now
        if self._tty:
            self.stream.write(f"\r{self.progress_line(now)}\x1b[K")
        else:
            self.stream.write(self.progress_line(now) + "\n")
        self.stream.flush()

    def _end_bar(self) -> None:
        if self._tty and self._last_print:
            self.stream.write("\n")
            self._last_print = 0.0

    def finished(self, after: Mapping[DeliveryState, int],
                 before: Mapping[DeliveryState, int]) -> None:
        """This run's outcomes from the ledger's counts before and after it (retried rows
        count once); rows still deferred are counted whenever they were deferred."""
        if self.total:
            self._maybe_print(force=True)
        self._end_bar()
        self.final = {s: after.get(s, 0) - before.get(s, 0) for s in FINAL}
        self.final[DeliveryState.DEFERRED] = after.get(DeliveryState.DEFERRED, 0)
        self.earlier = {s: before.get(s, 0) for s in FINAL}
        self.uncertain_left = after.get(DeliveryState.UNCERTAIN, 0)

    @property
    def uncertain_earlier(self) -> int:
        """Uncertain rows left by earlier runs (also those this run found in flight)."""
        return self.earlier.get(DeliveryState.UNCERTAIN, 0)

    def summary(self) -> str:
        counts = self.final if self.final is not None else self.counts
        parts = [f"{counts.get(s, 0)} {s}" for s in SUMMARY]
        parts += [f"{counts[s]} {s}" for s in OCCASIONAL if counts.get(s, 0)]
        earlier = [f"{n} {s}" for s in FINAL if (n := self.earlier.get(s, 0))]
        done_before = f"; earlier runs: {', '.join(earlier)}" if earlier else ""
        elapsed = time.monotonic() - self.started
        attempts = sum(self.counts.get(s, 0) for s in (*FINAL, DeliveryState.DEFERRED))
        rate = f"; {attempts / elapsed:.1f} msg/s" if attempts and elapsed > 0 else ""
        return ", ".join(parts) + done_before + rate

    @property
    def exit_code(self) -> int:
        """Non-zero when this run failed a row, or any row of the edition is uncertain (an
        earlier run's too: it stays a problem until it is resent or resolved)."""
        counts = self.final if self.final is not None else self.counts
        problems = (counts.get(DeliveryState.FAILED, 0) or counts.get(DeliveryState.UNCERTAIN, 0)
                    or self.uncertain_left)
        return ExitCode.PROBLEMS if problems else ExitCode.OK


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"

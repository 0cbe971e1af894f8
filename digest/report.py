"""One object owns the run's counts, its progress lines, summary and exit code."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Report:
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    started: float = field(default_factory=time.monotonic)
    _last_print: float = 0.0

    def count(self, state: str, number: int = 1) -> None:
        self.counts[state] = self.counts.get(state, 0) + number
        self._maybe_print()

    @property
    def done(self) -> int:
        return sum(self.counts.get(s, 0) for s in ("sent", "failed", "uncertain", "suppressed",
                                                    "deferred"))

    def _maybe_print(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_print < 1.0 and self.done < self.total:
            return
        self._last_print = now
        elapsed = max(now - self.started, 1e-6)
        rate = self.counts.get("sent", 0) / elapsed
        remaining = max(self.total - self.done, 0)
        eta = f", ~{remaining / rate:.0f}s left" if rate > 0 and remaining else ""
        line = f"  {self.done}/{self.total} done, {rate:.1f} msg/s{eta}"
        if self.stream.isatty():
            self.stream.write(f"\r{line}\x1b[K")
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def summary(self) -> str:
        parts = [f"{self.counts.get(s, 0)} {s}" for s in ("sent", "failed", "deferred",
                                                         "uncertain", "suppressed")]
        skipped = self.counts.get("skipped", 0)
        return ", ".join(parts) + f", {skipped} skipped (already done)"

    @property
    def exit_code(self) -> int:
        return 1 if self.counts.get("failed", 0) or self.counts.get("uncertain", 0) else 0

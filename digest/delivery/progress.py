"""What a run tells whoever watches it, without knowing who that is.

Delivery reports through `Progress` only and imports nothing from the command line, whose
`Report` (cli/report.py) draws it as a progress bar and a summary; `RecordedProgress`
keeps it for tests and for callers that want no output.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from digest.delivery.states import DeliveryState


class Progress(Protocol):
    def planned(self, owed: int, skipped: int) -> None:
        """The run is about to send: `owed` rows are due or deferred, `skipped` were
        done by earlier runs (sent, failed, uncertain or suppressed)."""

    def notice(self, text: str) -> None:
        """One line worth telling the operator (rows recovered or queued again)."""

    def outcome(self, state: DeliveryState, number: int = 1) -> None:
        """`number` rows reached `state` (a deferred row may come back and be counted
        again)."""

    def waiting(self, due: float) -> None:
        """Every owed row is deferred; the run sleeps until `due` (time.time())."""

    def finished(self, after: Mapping[DeliveryState, int],
                 before: Mapping[DeliveryState, int]) -> None:
        """The run is over: the ledger's counts per state before and after it."""


@dataclass
class RecordedProgress:
    """A `Progress` that keeps everything it is told, and prints nothing."""

    owed: int = 0
    skipped: int = 0
    counts: Counter[DeliveryState] = field(default_factory=Counter)
    notices: list[str] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    before: dict[DeliveryState, int] | None = None
    after: dict[DeliveryState, int] | None = None

    def planned(self, owed: int, skipped: int) -> None:
        self.owed, self.skipped = owed, skipped

    def notice(self, text: str) -> None:
        self.notices.append(text)

    def outcome(self, state: DeliveryState, number: int = 1) -> None:
        self.counts[state] += number

    def waiting(self, due: float) -> None:
        self.waits.append(due)

    def finished(self, after: Mapping[DeliveryState, int],
                 before: Mapping[DeliveryState, int]) -> None:
        self.after, self.before = dict(after), dict(before)

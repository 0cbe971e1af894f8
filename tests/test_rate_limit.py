"""Pacing is checked on the rate limiter's own schedule, never against the wall clock.

The limiter can record when its schedule let each message go (`RateLimiter(record=True)`):
planned times, which a busy machine can delay but not change. The tests check that those
are spaced at least 1/rate apart beyond the burst, that every message of a run went through
the limiter, and that the server never saw a MAIL before its message's release. The rate a
run achieves on a given machine is a benchmark figure (benchmarks/rate.py), not a test.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from digest.cli.main import main
from digest.delivery import pool as pool_module
from digest.delivery.ledger import Delivery, Ledger
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import RecordedProgress
from digest.delivery.rate_limit import RateLimiter
from digest.delivery.states import DeliveryState
from tests.support.delivery import (
    WEEK,
    FaultHandler,
    fast_retries,
    plan_rows,
    small_message,
    smtp_for,
)
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory

RATE = 50.0
MESSAGES = 80
EPSILON = 1e-6  # float rounding of the schedule, nothing to do with timing


def assert_paced(releases: list[float], rate: float, burst: int) -> None:
    """Any k+1 releases in a row span at least (k - burst + 1) / rate: no more than `burst`
    go back to back, and beyond that they are 1/rate apart on average."""
    assert releases == sorted(releases)
    for k in range(1, len(releases)):
        shortest = min(b - a for a, b in zip(releases, releases[k:], strict=False))
        assert shortest >= (k - burst + 1) / rate - EPSILON, (k, shortest)


@dataclass
class FakeClock:
    """time.monotonic and asyncio.sleep for a limiter: time moves only when it sleeps, and
    every sleep lasts `oversleep` longer than asked (a busy machine waking late)."""

    now: float = 1000.0
    oversleep: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds + self.oversleep


def releases(limiter: RateLimiter, messages: int) -> list[float]:
    """Ask for `messages` tokens at once (nothing else moves the clock)."""

    async def ask() -> None:
        for _ in range(messages):
            await limiter.acquire()

    asyncio.run(ask())
    assert limiter.releases is not None and len(limiter.releases) == messages
    return limiter.releases


@pytest.mark.parametrize("oversleep", [0.0, 0.015, 0.05])
def test_late_wakeups_do_not_move_the_schedule(oversleep: float) -> None:
    clock = FakeClock(oversleep=oversleep)
    limiter = RateLimiter(RATE, burst=1, record=True, clock=clock, sleep=clock.sleep)
    released = releases(limiter, 50)
    assert_paced(released, RATE, burst=1)
    if oversleep < 1 / RATE:  # late, but within one interval: the schedule is kept exactly
        assert released == pytest.approx([1000.0 + i / RATE for i in range(50)])
    else:  # later than a whole interval: never faster than the rate, from the late start
        assert all(b - a >= 1 / RATE - EPSILON for a, b in itertools.pairwise(released))


def test_burst_goes_back_to_back_then_the_rate_takes_over() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, burst=4, record=True, clock=clock, sleep=clock.sleep)
    released = releases(limiter, 10)
    assert released == pytest.approx([1000.0] * 4 + [1000.0 + i / 10 for i in range(1, 7)])
    assert_paced(released, 10.0, burst=4)
    with pytest.raises(AssertionError):  # a burst of four is more than a burst of three
        assert_paced(released, 10.0, burst=3)


def test_hourly_cap_holds_the_rest_for_an_hour() -> None:
    clock = FakeClock()
    limiter = RateLimiter(hourly_cap=3, record=True, clock=clock, sleep=clock.sleep)
    assert releases(limiter, 5) == pytest.approx([1000.0] * 3 + [4600.0] * 2)


def test_unlimited_releases_at_once_and_still_records() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0.0, record=True, clock=clock, sleep=clock.sleep)
    assert limiter.unlimited
    assert releases(limiter, 5) == [1000.0] * 5 and clock.sleeps == []


def test_try_acquire_takes_a_token_only_when_one_is_free_now() -> None:
    # Pipelining asks this for the next MAIL, which rides behind a message only if the
    # schedule lets it go at once; the schedule is the same one acquire() keeps.
    clock = FakeClock()
    limiter = RateLimiter(10.0, burst=2, record=True, clock=clock, sleep=clock.sleep)
    assert limiter.try_acquire() and limiter.try_acquire()  # the burst
    assert not limiter.try_acquire()  # the next is 0.1 s away: nothing is taken
    clock.now += 0.1
    assert limiter.try_acquire()
    asyncio.run(limiter.acquire())  # waits its turn after the tokens taken at once
    assert limiter.releases == pytest.approx([1000.0, 1000.0, 1000.1, 1000.2])
    assert_paced(limiter.releases, 10.0, burst=2)
    capped = RateLimiter(hourly_cap=2, clock=clock, sleep=clock.sleep)
    assert capped.try_acquire() and capped.try_acquire() and not capped.try_acquire()
    assert RateLimiter(0.0).try_acquire()  # unlimited


def build(delivery: Delivery) -> bytes:
    return small_message(delivery.message_id, delivery.subscriber.email)


def test_every_message_of_a_run_goes_through_the_limiter_on_schedule(tmp_path: Path) -> None:
    emails = [f"member{i}@tide.example" for i in range(MESSAGES)]
    ledger = Ledger(tmp_path / "digest.db")
    plan_rows(ledger, emails)
    limiter = RateLimiter(RATE, burst=1, record=True)
    progress = RecordedProgress()
    handler = FaultHandler()
    with SmtpServer(handler) as server:
        pool = ConnectionPool(ledger, WEEK, smtp_for(server.port, connections=4),
                              "notes@tidewater.example", build, progress,
                              fast_retries(rate=RATE, burst=1), limiter=limiter)
        asyncio.run(pool.run())
    assert ledger.counts(WEEK)[DeliveryState.SENT] == MESSAGES
    assert progress.counts[DeliveryState.SENT] == MESSAGES
    assert limiter.releases is not None and len(limiter.releases) == MESSAGES
    assert_paced(limiter.releases, RATE, burst=1)
    # The token comes right before MAIL, so the server never saw the j-th MAIL before the
    # j-th release (being late only ever delays a MAIL). The margin is the event loop's
    # clock resolution, not a speed.
    assert len(handler.mail_times) == MESSAGES
    for mail, release in zip(sorted(handler.mail_times), limiter.releases, strict=True):
        assert mail >= release - 1e-3


def test_send_command_paces_at_the_rate_it_is_given(tmp_path: Path,
                                                    make_workspace: WorkspaceFactory,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[RateLimiter] = []

    def recording(rate: float, burst: int, hourly_cap: int) -> RateLimiter:
        made.append(RateLimiter(rate, burst, hourly_cap, record=True))
        return made[-1]

    monkeypatch.setattr(pool_module, "RateLimiter", recording)
    monkeypatch.setenv("DIGEST_SECRET", "rate-test-secret")
    emails = [f"member{i}@tide.example" for i in range(40)]
    handler = FaultHandler()
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=emails,
                                   smtp_url=server.url, delivery="  burst: 1\n")
        code = main(["send", "--yes", "--force", "--workspace", str(workspace), "--week", WEEK,
                     "--connections", "4", "--rate", str(RATE)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"{len(emails)} sent" in err
    assert len(handler.received) == len(emails)
    [limiter] = made
    assert limiter.interval == pytest.approx(1 / RATE) and limiter.burst == 1
    assert limiter.releases is not None and len(limiter.releases) == len(emails)
    assert_paced(limiter.releases, RATE, burst=1)

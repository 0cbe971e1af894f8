"""A smooth rate limit shared by all connections: messages per second, and per rolling hour.

The per-second limit is a token bucket written as GCRA (a theoretical arrival time that
advances by 1/rate per message), so a late wake-up does not lower the long-run rate and
no more than `burst` messages ever go back to back.

With `record=True` the limiter keeps, in `releases`, the time at which its schedule let
each message go: the planned time, not when a busy machine got round to waking up. Tests
check the pacing the limiter chose from these, without measuring the wall clock; they may
also pass a fake `clock` and `sleep`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class RateLimiter:
    def __init__(self, rate: float = 0.0, burst: int = 1, hourly_cap: int = 0,
                 record: bool = False, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.burst = max(burst, 1)
        self.tolerance = self.interval * (self.burst - 1)
        self.hourly_cap = hourly_cap
        self._clock = clock
        self._sleep = sleep
        self._arrival = 0.0  # theoretical arrival time of the next message
        self._hour: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.releases: list[float] | None = [] if record else None

    @property
    def unlimited(self) -> bool:
        return self.interval == 0.0 and self.hourly_cap == 0

    async def acquire(self) -> None:
        """Wait until one more message may start."""
        if self.unlimited:
            if self.releases is not None:
                self.releases.append(self._clock())
            return
        async with self._lock:  # one waiter at a time keeps the order fair
            await self._wait_hour()
            released = self._clock()
            if self.interval:
                allowed = self._arrival - self.tolerance
                if released < allowed:
                    await self._sleep(allowed - released)
                    # Advance from the schedule, not the clock: oversleeping must not add up.
                    self._arrival += self.interval
                    released = allowed
                else:
                    self._arrival = max(self._arrival, released) + self.interval
            if self.hourly_cap:
                self._hour.append(self._clock())
            if self.releases is not None:
                self.releases.append(released)

    def try_acquire(self) -> bool:
        """Let one more message start now if the schedule allows it without a wait (and no
        one is waiting already); else False, and nothing is taken."""
        if self.unlimited:
            if self.releases is not None:
                self.releases.append(self._clock())
            return True
        if self._lock.locked():
            return False
        now = self._clock()
        while self._hour and self._hour[0] <= now - 3600:
            self._hour.popleft()
        if self.hourly_cap and len(self._hour) >= self.hourly_cap:
            return False
        if self.interval:
            if now < self._arrival - self.tolerance:
                return False
            self._arrival = max(self._arrival, now) + self.interval
        if self.hourly_cap:
            self._hour.append(now)
        if self.releases is not None:
            self.releases.append(now)
        return True

    async def _wait_hour(self) -> None:
        if not self.hourly_cap:
            return
        while True:
            now = self._clock()
            while self._hour and self._hour[0] <= now - 3600:
                self._hour.popleft()
            if len(self._hour) < self.hourly_cap:
                return
            await self._sleep(self._hour[0] + 3600 - now)

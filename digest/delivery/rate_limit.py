"""A smooth rate limit shared by all connections: messages per second, and per rolling hour.

The per-second limit is a token bucket written as GCRA (a theoretical arrival time that
advances by 1/rate per message), so a late wake-up does not lower the long-run rate and
no more than `burst` messages ever go back to back.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class RateLimiter:
    def __init__(self, rate: float = 0.0, burst: int = 1, hourly_cap: int = 0) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.tolerance = self.interval * (max(burst, 1) - 1)
        self.hourly_cap = hourly_cap
        self._arrival = 0.0  # theoretical arrival time of the next message
        self._hour: deque[float] = deque()
        self._lock = asyncio.Lock()

    @property
    def unlimited(self) -> bool:
        return self.interval == 0.0 and self.hourly_cap == 0

    async def acquire(self) -> None:
        """Wait until one more message may start."""
        if self.unlimited:
            return
        async with self._lock:  # one waiter at a time keeps the order fair
            await self._wait_hour()
            if self.interval:
                now = time.monotonic()
                allowed = self._arrival - self.tolerance
                if now < allowed:
                    await asyncio.sleep(allowed - now)
                    # Advance from the schedule, not the clock: oversleeping must not add up.
                    self._arrival += self.interval
                else:
                    self._arrival = max(self._arrival, now) + self.interval
            if self.hourly_cap:
                self._hour.append(time.monotonic())

    async def _wait_hour(self) -> None:
        if not self.hourly_cap:
            return
        while True:
            now = time.monotonic()
            while self._hour and self._hour[0] <= now - 3600:
                self._hour.popleft()
            if len(self._hour) < self.hourly_cap:
                return
            await asyncio.sleep(self._hour[0] + 3600 - now)

"""ISO weeks: parse "2026-W48", and the instants a week spans in a time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from digest.errors import DigestError

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# The years of weeks and article dates: 9999 is a typo, and converting its last week
# between time zones, or finding where the week ends, would overflow.
YEARS = (1900, 2999)


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) of the week as aware datetimes in `tz`."""
        start = datetime.combine(self.monday, datetime.min.time(), tzinfo=tz)
        return start, start + timedelta(days=7)

    def contains(self, moment: datetime, tz: tzinfo) -> bool:
        start, end = self.bounds(tz)
        return start <= moment < end


def parse_week(text: str) -> IsoWeek:
    match = _WEEK.match(text.strip())
    if not match:
        raise DigestError(f"--week {text!r}: expected an ISO week such as 2026-W48")
    year, week = int(match.group(1)), int(match.group(2))
    if not YEARS[0] <= year <= YEARS[1]:
        raise DigestError(f"--week {text!r}: the year must be from {YEARS[0]} to {YEARS[1]}")
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise DigestError(f"--week {text!r}: {year} has no week {week}") from None
    return IsoWeek(year, week)


def week_of(moment: datetime | date) -> IsoWeek:
    year, week, _ = moment.isocalendar()
    return IsoWeek(year, week)

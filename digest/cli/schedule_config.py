"""The `schedule:` section of digest.yaml: when the weekly run goes out.

    schedule:
      weekday: sunday          # monday ... sunday (or mon ... sun)
      time: "17:00"            # 24-hour HH:MM
      timezone: Europe/London  # default: newsletter.timezone

Read here rather than in digest.config, since only `digest schedule` and `digest check`
need it; config.KNOWN_KEYS declares its keys, so a typo in them is refused at load.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.config import CONFIG_NAME, KNOWN_KEYS
from digest.errors import ConfigError
from digest.settings import WEEKDAYS, ScheduleSettings, Settings
from digest.yamlfile import SectionReader, read_yaml

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
EXAMPLE = 'schedule: {weekday: sunday, time: "17:00"}'


def read_schedule(settings: Settings) -> ScheduleSettings | None:
    """The workspace's schedule, or None when digest.yaml has no `schedule:` section."""
    doc = read_yaml(settings.path(CONFIG_NAME), ConfigError)
    read = SectionReader(doc, KNOWN_KEYS)
    if not isinstance(doc.data, dict) or doc.data.get("schedule") is None:
        return None
    read.section("schedule")  # a mapping, or an error naming its line
    day = (read.text("schedule", "weekday") or "").strip().lower()
    weekday = next((name for name in WEEKDAYS if day in (name, name[:3])), None)
    if weekday is None:
        raise read.fail(("schedule", "weekday"), f"{day or 'missing'}: use one of "
                        f"{', '.join(WEEKDAYS)}, e.g. {EXAMPLE}")
    # The text as written: YAML 1.1 reads an unquoted 17:00 as the number 1020.
    node = doc.node_of("schedule", "time")
    written = str(getattr(node, "value", "") or "").strip()
    read.value("schedule", "time")  # declared and read, for the reader's bookkeeping
    match = _TIME.match(written)
    if match is None:
        raise read.fail(("schedule", "time"), f"{written or 'missing'}: use 24-hour HH:MM, "
                        f"e.g. {EXAMPLE}")
    timezone = read.text("schedule", "timezone") or settings.newsletter.timezone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise read.fail(("schedule", "timezone"), f"unknown time zone {timezone!r}") from None
    return ScheduleSettings(weekday, int(match.group(1)), int(match.group(2)), timezone)

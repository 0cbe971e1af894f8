"""What `digest schedule` writes: a systemd service and timer, or one crontab line, that
run `digest weekly --yes` at the workspace's weekday, time and time zone.

`weekly` is safe to rerun, so a timer that fires twice (Persistent= catching up after the
machine was off, a rerun by hand) sends nothing twice.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.settings import ScheduleSettings

MARKER = "# digest:"  # ends the crontab line, so an install replaces its own line only


@dataclass(frozen=True)
class WeeklyJob:
    """One newsletter's weekly run: which workspace, what to run, when."""

    unit: str  # "digest-harbourside-notes": the unit names, the crontab marker
    newsletter: str
    workspace: Path
    command: tuple[str, ...]  # argv, absolute program first
    schedule: ScheduleSettings

    @property
    def when(self) -> str:
        return (f"every {self.schedule.weekday.capitalize()} at {self.schedule.time} "
                f"{self.schedule.timezone}")

    @property
    def secrets_file(self) -> str:
        """Where the unit reads DIGEST_SECRET and DIGEST_SMTP_PASSWORD from (%h: home)."""
        return f"%h/.config/digest/{self.unit}.env"


def on_calendar(schedule: ScheduleSettings) -> str:
    """systemd's calendar event, in the schedule's own time zone (systemd 235 and later)."""
    day = schedule.weekday[:3].capitalize()
    return f"{day} *-*-* {schedule.time}:00 {schedule.timezone}"


def systemd_units(job: WeeklyJob) -> dict[str, str]:
    """{file name: text} of the service and its timer."""
    title = _unit_text(f"digest weekly: {job.newsletter}")
    exec_start = " ".join(_unit_arg(arg) for arg in job.command)
    service = f"""\
[Unit]
Description={title}
Documentation=man:systemd.timer(5)

[Service]
Type=oneshot
WorkingDirectory={_unit_text(str(job.workspace))}
# DIGEST_SECRET=... and, for the relay, DIGEST_SMTP_PASSWORD=... (chmod 600 this file).
EnvironmentFile=-{job.secrets_file}
ExecStart={exec_start}
# A large list takes as long as the relay's pace allows; the sender keeps its own timeouts.
TimeoutStartSec=infinity
"""
    timer = f"""\
[Unit]
Description={_unit_text(f"{job.newsletter}, {job.when}")}

[Timer]
OnCalendar={on_calendar(job.schedule)}
# Missed while the machine was off: run at the next boot (a rerun sends nothing twice).
Persistent=true

[Install]
WantedBy=timers.target
"""
    return {f"{job.unit}.service": service, f"{job.unit}.timer": timer}


def cron_line(job: WeeklyJob, now: datetime | None = None) -> str:
    """One crontab line. Cron has no time zone of its own (CRON_TZ is not everywhere, and it
    would change every later line): the line fires every hour, and a test of the time in
    the schedule's zone lets only the right hour through, whatever the machine's zone and
    across daylight-saving changes. The minute is the schedule's, shifted by the part of an
    hour the machine's zone differs from it (India and Nepal differ by half hours)."""
    moment = now or datetime.now(UTC)
    target = moment.astimezone(ZoneInfo(job.schedule.timezone)).utcoffset() or timedelta(0)
    local = moment.astimezone().utcoffset() or timedelta(0)
    minute = (job.schedule.minute - int((target - local).total_seconds() // 60)) % 60
    expected = f"{job.schedule.isoweekday}{job.schedule.hour:02d}{job.schedule.minute:02d}"
    guard = f'[ "$(TZ={shlex.quote(job.schedule.timezone)} date +%u%H%M)" = {expected} ]'
    # The secrets the service's EnvironmentFile= holds, in the same file.
    secrets = '"$HOME' + job.secrets_file.removeprefix("%h") + '"'
    command = " ".join(shlex.quote(arg) for arg in job.command)
    run = f"{{ set -a; [ ! -r {secrets} ] || . {secrets}; set +a; {command}; }}"
    # Cron ends the command at an unescaped %, so every % is escaped.
    line = f"{minute} * * * * {guard} && {run}".replace("%", "\\%")
    return f"{line}  {MARKER}{job.unit} {job.when}"


def merge_crontab(existing: str, line: str, unit: str) -> str:
    """The crontab with this newsletter's earlier line (if any) replaced by `line`."""
    ours = re.compile(re.escape(f"{MARKER}{unit}") + r"(\s|$)")
    kept = [row for row in existing.splitlines() if not ours.search(row)]
    return "\n".join([*kept, line]) + "\n"


def _unit_arg(arg: str) -> str:
    """One ExecStart= word: quoted when it holds a space or a quote, specifiers escaped."""
    text = _unit_text(arg).replace("$", "$$")
    if re.search(r"[\s\"'\\;]", text):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _unit_text(text: str) -> str:
    """A value in a unit file: % starts a specifier, so it is doubled; one line only."""
    return " ".join(text.split()).replace("%", "%%")

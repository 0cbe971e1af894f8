"""The last step before `weekly` or `send` mails real readers: is the workspace ready, and
does the editor mean it?

- `capture` runs mail no one: never refused, never asked (the README's first command
  runs from a fresh clone without a question).
- A real relay: the readiness findings (cli/readiness.py) refuse the run unless --force.
- Then, on a terminal, what is about to happen is shown and the editor answers y or n.
  With --yes nothing is asked (timers, scripts). Without --yes and without a terminal on
  standard input no one can answer, so nothing is sent: the safe default, exit 2.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest.cli import output
from digest.delivery.ledger import Ledger
from digest.delivery.states import OWED
from digest.errors import NotConfirmed, NotReady
from digest.models import Edition
from digest.settings import Settings, SmtpMode
from digest.storage.locations import database_exists, workspace_database
from digest.weeks import IsoWeek, parse_week, week_of


@dataclass(frozen=True)
class SendPlan:
    """What is about to happen, as the editor is shown it."""

    newsletter: str
    subject: str
    week: IsoWeek
    this_week: IsoWeek
    number: int | None
    recipients: int
    already: int  # rows an earlier run finished (sent, failed, uncertain, suppressed)
    relay: str
    preview: Path | None = None

    @property
    def owed(self) -> int:
        return max(self.recipients - self.already, 0)

    def timing(self) -> str | None:
        week, now = (self.week.year, self.week.week), (self.this_week.year, self.this_week.week)
        if week < now:
            return f"week {self.week} is in the past: this week is {self.this_week}"
        if week > now:
            return f"week {self.week} is in the future: this week is {self.this_week}"
        return None

    def lines(self) -> list[str]:
        edition = f"edition no. {self.number}, " if self.number else ""
        lines = [f"{self.newsletter}, {edition}week {self.week}: {self.subject!r}",
                 f"  to {self.recipients} subscriber(s) through {self.relay}"
                 + (f"; {self.already} already done in an earlier run, {self.owed} to send"
                    if self.already else "")]
        if self.timing():
            lines.append(f"  {self.timing()}")
        if self.preview:
            lines.append(f"  preview: {self.preview}")
        return lines


def plan_for(settings: Settings, edition: Edition, recipients: int,
             preview: Path | None = None) -> SendPlan:
    """The plan of sending `edition` to `recipients` subscribers, with what the ledger says
    earlier runs already did."""
    already = 0
    location = workspace_database(settings)
    if database_exists(location):
        with Ledger(location, readonly=True) as ledger:
            counts = ledger.counts(edition.week)
        already = sum(number for state, number in counts.items() if state not in OWED)
    relay = ("the local capture server" if settings.smtp.mode is SmtpMode.CAPTURE
             else f"{settings.smtp.mode}://{settings.smtp.address}")
    week = parse_week(edition.week)
    return SendPlan(settings.newsletter.name, edition.subject, week,
                    week_of(datetime.now(settings.tz)), edition.number, recipients, already,
                    relay, preview)


def clear_to_send(settings: Settings, plan: SendPlan, findings: list[str], *, force: bool,
                  assume_yes: bool) -> None:
    """Return when the send may go ahead; raise NotReady or NotConfirmed when not."""
    if settings.smtp.mode is SmtpMode.CAPTURE:
        if plan.timing():
            output.info(f"  note: {plan.timing()}")
        return
    if findings and not force:
        raise NotReady(findings)
    for finding in findings:
        output.warning(f"{finding} (sending anyway: --force)")
    if not findings:
        output.detail("  ready to send: no placeholders, https public_url, DKIM key, bios")
    if assume_yes:
        for line in plan.lines():
            output.info(line)
        return
    if not stdin_is_terminal():
        raise NotConfirmed(
            f"standard input is not a terminal, so no one can confirm sending week "
            f"{plan.week} to {plan.owed} subscriber(s) through {plan.relay}: pass --yes "
            "(timers and scripts do); nothing was sent")
    ask(plan)


def ask(plan: SendPlan) -> None:
    """Show the plan and read y or n from the terminal; anything but yes sends nothing."""
    for line in plan.lines():
        print(line, file=sys.stderr)
    sys.stderr.write(output.paint(f"Send to {plan.owed} subscriber(s) now? [y/N] ", "bold"))
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if answer.strip().lower() not in ("y", "yes"):
        if not answer:
            sys.stderr.write("\n")
        raise NotConfirmed(f"week {plan.week}: not confirmed; nothing was sent")


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):  # closed or replaced standard input
        return False


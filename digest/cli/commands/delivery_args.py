"""Options and closing lines shared by the commands that send (weekly, send, retry)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from digest.cli import output
from digest.cli.report import Report
from digest.delivery.states import OWED, DeliveryState
from digest.settings import Settings, SmtpMode


def add_delivery_options(parser: argparse.ArgumentParser, connections: bool = True) -> None:
    if connections:
        parser.add_argument("--connections", type=int, metavar="N",
                            help="SMTP connections to use at once (default: smtp.connections)")
    parser.add_argument("--rate", type=float, metavar="R",
                        help="messages per second, 0 for unlimited (default: delivery.rate)")


def add_send_gate_options(parser: argparse.ArgumentParser) -> None:
    """--yes, --force and --json of the commands that mail an edition (cli/send_gate.py)."""
    parser.add_argument("--yes", "-y", action="store_true",
                        help="send without asking (timers, scripts); without it a real send "
                        "asks on a terminal and refuses when standard input is not one")
    parser.add_argument("--force", action="store_true",
                        help="send even though `digest check` finds placeholders, an http "
                        "public_url, no DKIM key or an author without a bio")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary of the run on standard output")


def close_run(report: Report, counts: Mapping[DeliveryState, int], settings: Settings,
              week: str) -> int:
    """Print the summary and what is left to do; return the exit code."""
    code = report.exit_code
    output.outcome(f"done: {report.summary()}", ok=code == 0)
    owed = sum(counts[state] for state in OWED)
    if owed:
        output.problem(f"  {owed} message(s) still deferred by the server; "
                       f"`digest send --week {week}` retries them later")
    if report.uncertain_earlier:
        output.problem(f"  {report.uncertain_earlier} message(s) left uncertain by earlier "
                       "runs: the server may or may not have them")
    if counts[DeliveryState.FAILED] or counts[DeliveryState.UNCERTAIN]:
        output.problem(f"  see who did not get it: `digest status --week {week}`")
    if counts[DeliveryState.UNCERTAIN]:
        output.problem(f"  resend the uncertain ones (same Message-ID): "
                       f"`digest retry --uncertain --week {week}`")
    if settings.smtp.mode is SmtpMode.CAPTURE:
        output.info(f"  mail captured in {settings.out_dir / 'maildir'}")
    return code


def run_summary(command: str, settings: Settings, week: str, report: Report,
                counts: Mapping[DeliveryState, int], **extra: Any) -> dict[str, Any]:
    """The --json summary of a run: this run's outcomes, what earlier runs had finished,
    the uncertain rows by run, and the ledger's counts after it."""
    relay = settings.smtp.mode if settings.smtp.mode is SmtpMode.CAPTURE \
        else f"{settings.smtp.mode}://{settings.smtp.address}"
    this_run = {str(state): number for state, number in (report.final or {}).items()}
    this_uncertain = (report.final or {}).get(DeliveryState.UNCERTAIN, 0)
    return {"command": command, "newsletter": settings.newsletter.name, "week": week,
            "relay": str(relay), "this_run": this_run,
            "earlier_runs": {str(state): number for state, number in report.earlier.items()},
            "uncertain": {"this_run": this_uncertain, "earlier_runs": report.uncertain_earlier,
                          "left": report.uncertain_left},
            "ledger": {str(state): number for state, number in counts.items()},
            "exit_code": report.exit_code, **extra}

"""Options and closing lines shared by the commands that send (weekly, send, retry)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from digest.cli.report import Report
from digest.delivery.states import OWED, DeliveryState
from digest.settings import Settings, SmtpMode


def add_delivery_options(parser: argparse.ArgumentParser, connections: bool = True) -> None:
    if connections:
        parser.add_argument("--connections", type=int, metavar="N",
                            help="SMTP connections to use at once (default: smtp.connections)")
    parser.add_argument("--rate", type=float, metavar="R",
                        help="messages per second, 0 for unlimited (default: delivery.rate)")


def close_run(report: Report, counts: Mapping[DeliveryState, int], settings: Settings,
              week: str) -> int:
    """Print the summary and what is left to do; return the exit code."""
    print(f"done: {report.summary()}", file=sys.stderr)
    owed = sum(counts[state] for state in OWED)
    if owed:
        print(f"  {owed} message(s) still deferred by the server; `digest send --week {week}` "
              "retries them later", file=sys.stderr)
    if counts[DeliveryState.FAILED] or counts[DeliveryState.UNCERTAIN]:
        print(f"  see who did not get it: `digest status --week {week}`", file=sys.stderr)
    if counts[DeliveryState.UNCERTAIN]:
        print(f"  resend the uncertain ones (same Message-ID): "
              f"`digest retry --uncertain --week {week}`", file=sys.stderr)
    if settings.smtp.mode is SmtpMode.CAPTURE:
        print(f"  mail captured in {settings.out_dir / 'maildir'}", file=sys.stderr)
    return report.exit_code

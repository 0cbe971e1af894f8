"""`digest retry`: send again what the ledger holds as deferred, failed or uncertain."""

from __future__ import annotations

import argparse
import sys

from digest.cli.commands.common import add_week, add_workspace, chosen_week, settings_from, warn
from digest.cli.commands.delivery_args import add_delivery_options, close_run
from digest.delivery.states import DeliveryState
from digest.errors import DigestError, ExitCode
from digest.storage.locations import database_exists, workspace_database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "retry",
        help="retry deferred messages now, or resend failed or uncertain ones",
        description="Without options, retry the week's deferred messages now instead of "
        "waiting for their retry time. --failed resends messages the server refused for "
        "good; --uncertain resends those whose fate is unknown (the server may have them: "
        "they go out with the same Message-ID, so mail clients can drop a duplicate). The lists "
        "as they are now decide: a row whose address has since been unsubscribed, removed "
        "or left out of audience: is skipped, not sent.",
    )
    add_workspace(parser)
    add_week(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--failed", action="store_true", help="resend failed messages")
    which.add_argument("--uncertain", action="store_true", help="resend uncertain messages")
    add_delivery_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.cli.pipeline import prepare_edition, unsubscribe_secret
    from digest.cli.report import Report
    from digest.delivery.ledger import Ledger
    from digest.delivery.use_cases import Overrides, resend
    from digest.rendering.messages import MessageFactory

    settings = settings_from(args)
    week = chosen_week(args, settings)
    state = (DeliveryState.FAILED if args.failed else
             DeliveryState.UNCERTAIN if args.uncertain else DeliveryState.DEFERRED)
    location = workspace_database(settings)
    if not database_exists(location):
        raise DigestError(f"{location}: no delivery ledger yet; send an edition first")
    with Ledger(location, readonly=True) as ledger:
        waiting = ledger.counts(str(week))[state]
    if not waiting:
        print(f"week {week}: no {state} messages to send", file=sys.stderr)
        return ExitCode.OK
    # The lists are staged too: whoever has left them since is not sent (departures.py).
    with prepare_edition(settings, week) as prepared:
        warn(prepared.warnings)
        factory = MessageFactory(prepared.rendered, settings, unsubscribe_secret(settings))
        print(f"digest retry: week {week}, {waiting} {state} message(s)", file=sys.stderr)
        report = Report()
        counts = resend(settings, factory, report, state, Overrides(args.connections, args.rate),
                        audience=prepared.audience)
    return close_run(report, counts, settings, str(week))

"""`digest send`: send the week's edition to whoever is still owed it (or to one address)."""

from __future__ import annotations

import argparse
import sys

from digest.cli.commands.common import add_week, add_workspace, chosen_week, settings_from, warn
from digest.cli.commands.delivery_args import add_delivery_options, close_run
from digest.cli.pipeline import prepare_edition, unsubscribe_secret
from digest.cli.report import Report
from digest.delivery.states import DeliveryState
from digest.delivery.use_cases import Overrides, dry_run, plan_and_send, send_to
from digest.errors import DigestError, ExitCode
from digest.rendering.messages import MessageFactory


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "send",
        help="send the week's edition to every subscriber still owed it",
        description="Build the week's edition and send it to every subscriber who has not "
        "received it yet, retrying deferred messages within delivery.retry_window. Safe to "
        "rerun: rows already sent, failed or uncertain are not sent again.",
    )
    add_workspace(parser)
    add_week(parser)
    add_delivery_options(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--to", metavar="ADDRESS",
                      help="send the edition to this one test address only; the delivery "
                      "ledger is not touched")
    mode.add_argument("--dry-run", action="store_true",
                      help="plan and build every message, then stop: connects to nothing and "
                      "changes nothing")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    week = chosen_week(args, settings)
    prepared = prepare_edition(settings, week, with_subscribers=not args.to)
    warn(prepared.warnings)
    if not prepared.edition.items:
        raise DigestError(f"no articles published in week {week}; nothing to send")
    if args.dry_run:
        # Nothing leaves the machine, so a one-off secret is fine when DIGEST_SECRET is unset.
        factory = MessageFactory(prepared.rendered, settings, settings.secret or "dry-run")
        result = dry_run(settings, factory, prepared.subscribers)
        print(f"dry run, week {week}: {result.recipients} recipient(s), "
              f"{result.already_done} already done, {result.owed} would be sent now; "
              f"largest message {result.largest / 1024:.1f} KB, "
              f"{result.total_bytes / 1_048_576:.1f} MB in all. Nothing was sent.")
        return ExitCode.OK
    factory = MessageFactory(prepared.rendered, settings, unsubscribe_secret(settings))
    if args.to:
        outcome = send_to(settings, factory, args.to)
        print(f"{outcome.email}: {outcome.state} ({outcome.code or '-'} {outcome.reply or ''})")
        return ExitCode.OK if outcome.state == DeliveryState.SENT else ExitCode.PROBLEMS
    print(f"digest send: {settings.newsletter.name}, week {week}, "
          f"{len(prepared.subscribers)} subscriber(s)", file=sys.stderr)
    report = Report()
    overrides = Overrides(args.connections, args.rate)
    counts = plan_and_send(settings, factory, prepared.subscribers, report,
                           overrides.connections, overrides.rate)
    return close_run(report, counts, settings, str(week))

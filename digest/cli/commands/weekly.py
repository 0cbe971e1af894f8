"""`digest weekly`: the whole job for one week."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from digest.cli.commands.common import add_week, add_workspace, chosen_week, settings_from, warn
from digest.delivery.states import OWED
from digest.errors import DigestError, ExitCode
from digest.settings import SmtpMode

if TYPE_CHECKING:
    from digest.cli.pipeline import Prepared
    from digest.settings import Settings
    from digest.weeks import IsoWeek


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "weekly",
        help="build this week's edition, write previews and send it",
        description="Read content/, select the week's articles, write excerpts and blurbs, "
        "render the email, write previews to out/<week>/ and send to every subscriber who "
        "has not received it yet. Safe to rerun: nothing is sent twice.",
    )
    add_workspace(parser)
    add_week(parser)
    parser.add_argument("--connections", type=int, metavar="N",
                        help="SMTP connections to use (default: smtp.connections)")
    parser.add_argument("--rate", type=float, metavar="R",
                        help="messages per second, 0 for unlimited (default: delivery.rate)")
    parser.add_argument("--list", action="append", default=[], metavar="NAME", dest="lists",
                        help="send only to this list (a file in subscribers/, e.g. readers); "
                        "repeatable; narrows audience.lists")
    parser.add_argument("--tag", action="append", default=[], metavar="TAG", dest="tags",
                        help="send only to subscribers with this tag (lists/tags column); "
                        "repeatable: any of them; narrows audience.tags")
    parser.add_argument("--require-articles", action="store_true",
                        help="exit with an error when the week has no articles")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.cli.pipeline import prepare_edition

    settings = settings_from(args)
    week = chosen_week(args, settings)
    print(f"digest weekly: {settings.newsletter.name}, week {week}", file=sys.stderr)
    with prepare_edition(settings, week, lists=args.lists, tags=args.tags) as prepared:
        return _publish(args, settings, week, prepared)


def _publish(args: argparse.Namespace, settings: Settings, week: IsoWeek,
             prepared: Prepared) -> int:
    """Previews, then the plan and the sending."""
    from digest.cli.pipeline import unsubscribe_secret
    from digest.cli.report import Report
    from digest.delivery.use_cases import plan_and_send
    from digest.rendering.messages import MessageFactory
    from digest.rendering.previews import write_previews

    warn(prepared.warnings)
    items = prepared.edition.items
    if not items:
        message = f"no articles published in week {week}; nothing to send"
        if args.require_articles:
            raise DigestError(message)
        print(message, file=sys.stderr)
        return ExitCode.OK
    print(f"  {len(items)} article(s), {prepared.recipients} subscriber(s)", file=sys.stderr)
    factory = MessageFactory(prepared.rendered, settings, unsubscribe_secret(settings))
    files = write_previews(factory, settings)
    print(f"  preview: {files.html}\n  preview: {files.text}", file=sys.stderr)
    report = Report()
    assert prepared.audience is not None  # prepared with the lists
    counts = plan_and_send(settings, factory, prepared.audience, report, args.connections,
                           args.rate)
    print(f"done: {report.summary()}", file=sys.stderr)
    owed = sum(counts[state] for state in OWED)
    if owed:
        print(f"  {owed} message(s) deferred by the server; rerun later to retry them",
              file=sys.stderr)
    if settings.smtp.mode is SmtpMode.CAPTURE:
        print(f"  mail captured in {settings.out_dir / 'maildir'}", file=sys.stderr)
    return report.exit_code

"""`digest send`: send the week's edition to whoever is still owed it (or to one address)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING

from digest.cli import output
from digest.cli.commands.common import add_week, add_workspace, chosen_week, settings_from, warn
from digest.cli.commands.delivery_args import (
    add_delivery_options,
    add_send_gate_options,
    close_run,
    run_summary,
)
from digest.delivery.states import DeliveryState
from digest.errors import DigestError, ExitCode
from digest.settings import SmtpMode

TEST_PREFIX = "[TEST] "  # the subject of a test copy: never mistaken for the edition

if TYPE_CHECKING:
    from digest.cli.pipeline import Prepared
    from digest.settings import Settings
    from digest.weeks import IsoWeek


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "send",
        help="send the week's edition to every subscriber still owed it",
        description="Build the week's edition and send it to every subscriber who has not "
        "received it yet, retrying deferred messages within delivery.retry_window. Safe to "
        "rerun: rows already sent, failed or uncertain are not sent again. Through a real "
        "relay it first refuses placeholders (see `digest check`; --force sends anyway) and "
        "asks on a terminal (--yes does not ask; without a terminal --yes is required).",
    )
    add_workspace(parser)
    add_week(parser)
    add_delivery_options(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--to", metavar="ADDRESS",
                      help="send a test copy, subject prefixed [TEST], to this one address "
                      "only; the delivery ledger is not touched")
    mode.add_argument("--dry-run", action="store_true",
                      help="plan and build every message, then stop: connects to nothing and "
                      "changes nothing")
    parser.add_argument("--as", dest="as_email", metavar="SUBSCRIBER",
                        help="with --to: personalise the test copy as this listed subscriber "
                        "(their name and columns; the unsubscribe link stays the test "
                        "address's)")
    add_send_gate_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.cli.pipeline import prepare_edition

    if args.as_email and not args.to:
        raise DigestError("--as needs --to ADDRESS: the test copy goes there, personalised "
                          "as that subscriber")
    settings = settings_from(args)
    week = chosen_week(args, settings)
    with prepare_edition(settings, week, with_subscribers=not args.to) as prepared:
        return _send(args, settings, week, prepared)


def _send(args: argparse.Namespace, settings: Settings, week: IsoWeek,
          prepared: Prepared) -> int:
    from digest.cli.pipeline import unsubscribe_secret
    from digest.cli.readiness import readiness_findings
    from digest.cli.report import Report
    from digest.cli.send_gate import clear_to_send, plan_for
    from digest.delivery.use_cases import Overrides, dry_run, plan_and_send
    from digest.rendering.messages import MessageFactory

    warn(prepared.warnings)
    if not prepared.edition.items:
        raise DigestError(f"no articles published in week {week}; nothing to send")
    if args.dry_run:
        # Nothing leaves the machine, so a one-off secret is fine when DIGEST_SECRET is unset.
        factory = MessageFactory(prepared.rendered, settings, settings.secret or "dry-run")
        assert prepared.audience is not None  # staged: not a --to run
        result = dry_run(settings, factory, prepared.audience)
        if args.json:
            output.emit_json({"command": "send", "week": str(week), "dry_run": vars(result)})
            return ExitCode.OK
        print(f"dry run, week {week}: {result.recipients} recipient(s), "
              f"{result.already_done} already done, {result.owed} would be sent now; "
              f"largest message {result.largest / 1024:.1f} KB, "
              f"{result.total_bytes / 1_048_576:.1f} MB in all. Nothing was sent.")
        return ExitCode.OK
    if args.to:
        return _test_copy(args, settings, prepared)
    factory = MessageFactory(prepared.rendered, settings, unsubscribe_secret(settings))
    assert prepared.audience is not None  # staged: not a --to run
    output.info(f"digest send: {settings.newsletter.name}, week {week}, "
                f"{prepared.recipients} subscriber(s)")
    plan = plan_for(settings, prepared.edition, prepared.recipients)
    findings = [] if settings.smtp.mode is SmtpMode.CAPTURE else readiness_findings(
        settings, prepared.edition)
    clear_to_send(settings, plan, findings, force=args.force, assume_yes=args.yes)
    report = Report(quiet=output.verbosity() == output.Verbosity.QUIET)
    overrides = Overrides(args.connections, args.rate)
    counts = plan_and_send(settings, factory, prepared.audience, report,
                           overrides.connections, overrides.rate)
    code = close_run(report, counts, settings, str(week))
    if args.json:
        output.emit_json({**run_summary("send", settings, str(week), report, counts),
                          "subject": prepared.edition.subject})
    return code


def _test_copy(args: argparse.Namespace, settings: Settings, prepared: Prepared) -> int:
    """One copy, subject prefixed [TEST], to --to, personalised as --as when given. The
    readiness findings are shown, not enforced: a test copy is how an editor finds them."""
    from digest.cli.pipeline import unsubscribe_secret
    from digest.cli.readiness import readiness_findings
    from digest.cli.subscriber_lookup import listed_subscriber
    from digest.delivery.use_cases import send_to
    from digest.rendering.messages import MessageFactory

    as_subscriber = None
    if args.as_email:
        address, as_subscriber = listed_subscriber(settings, args.as_email)
        if as_subscriber is None:
            raise DigestError(f"--as {address}: not on any list in subscribers/")
    if settings.smtp.mode is not SmtpMode.CAPTURE:
        warn(readiness_findings(settings, prepared.edition))
    rendered = dataclasses.replace(prepared.rendered,
                                   subject=f"{TEST_PREFIX}{prepared.rendered.subject}")
    factory = MessageFactory(rendered, settings, unsubscribe_secret(settings))
    outcome = send_to(settings, factory, args.to, as_subscriber)
    if args.json:
        output.emit_json({"command": "send", "week": factory.week, "test_copy": outcome.email,
                          "as": as_subscriber.email if as_subscriber else None,
                          "state": str(outcome.state), "code": outcome.code,
                          "reply": outcome.reply})
    else:
        print(f"{outcome.email}: {outcome.state} ({outcome.code or '-'} {outcome.reply or ''})")
    return ExitCode.OK if outcome.state == DeliveryState.SENT else ExitCode.PROBLEMS

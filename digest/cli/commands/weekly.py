"""`digest weekly`: the whole job for one week."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from digest.cli import output
from digest.cli.commands.common import add_week, add_workspace, chosen_week, settings_from, warn
from digest.cli.commands.delivery_args import add_send_gate_options
from digest.errors import DigestError, ExitCode
from digest.settings import SmtpMode
from digest.storage.locations import workspace_database

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
        "has not received it yet. Safe to rerun: nothing is sent twice. Through a real "
        "relay it first refuses placeholders (see `digest check`; --force sends anyway) and "
        "asks on a terminal (--yes does not ask; without a terminal --yes is required).",
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
    parser.add_argument("--dry-run", action="store_true",
                        help="write the previews, plan and build every message, then stop: "
                        "connects to nothing and changes no ledger row")
    add_send_gate_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    from digest.cli.pipeline import prepare_edition

    settings = settings_from(args)
    week = chosen_week(args, settings)
    output.info(f"digest weekly: {settings.newsletter.name}, week {week}")
    output.detail(f"  workspace {settings.workspace}, ledger {workspace_database(settings)}, "
                  f"mail: {settings.smtp.mode} {settings.smtp.address}")
    with prepare_edition(settings, week, lists=args.lists, tags=args.tags) as prepared:
        return _publish(args, settings, week, prepared)


def _publish(args: argparse.Namespace, settings: Settings, week: IsoWeek,
             prepared: Prepared) -> int:
    """Previews, then the plan and the sending."""
    from digest.cli.commands.delivery_args import close_run, run_summary
    from digest.cli.pipeline import unsubscribe_secret
    from digest.cli.readiness import readiness_findings
    from digest.cli.report import Report
    from digest.cli.send_gate import clear_to_send, plan_for
    from digest.delivery.use_cases import dry_run, plan_and_send
    from digest.rendering.messages import MessageFactory
    from digest.rendering.previews import write_previews

    warn(prepared.warnings)
    items = prepared.edition.items
    summary: dict[str, Any] = {"command": "weekly", "newsletter": settings.newsletter.name,
                               "week": str(week), "subject": prepared.edition.subject,
                               "articles": len(items), "recipients": prepared.recipients}
    if not items:
        message = f"no articles published in week {week}; nothing to send"
        if args.require_articles:
            raise DigestError(message)
        output.info(message)
        if args.json:
            output.emit_json({**summary, "exit_code": int(ExitCode.OK)})
        return ExitCode.OK
    output.info(f"  {len(items)} article(s), {prepared.recipients} subscriber(s)")
    # A dry run mails no one, so a one-off secret is fine when DIGEST_SECRET is unset.
    secret = (settings.secret or "dry-run") if args.dry_run else unsubscribe_secret(settings)
    factory = MessageFactory(prepared.rendered, settings, secret)
    files = write_previews(factory, settings)
    output.info(f"  preview: {files.html}\n  preview: {files.text}")
    summary["previews"] = {"html": str(files.html), "text": str(files.text)}
    assert prepared.audience is not None  # prepared with the lists
    if args.dry_run:
        result = dry_run(settings, factory, prepared.audience)
        output.info(f"dry run, week {week}: {result.recipients} recipient(s), "
                    f"{result.already_done} already done, {result.owed} would be sent now; "
                    f"largest message {result.largest / 1024:.1f} KB. Nothing was sent.")
        if args.json:
            output.emit_json({**summary, "dry_run": vars(result), "exit_code": 0})
        return ExitCode.OK
    plan = plan_for(settings, prepared.edition, prepared.recipients, files.html)
    findings = [] if settings.smtp.mode is SmtpMode.CAPTURE else readiness_findings(
        settings, prepared.edition)
    clear_to_send(settings, plan, findings, force=args.force, assume_yes=args.yes)
    report = Report(quiet=output.verbosity() == output.Verbosity.QUIET)
    counts = plan_and_send(settings, factory, prepared.audience, report, args.connections,
                           args.rate)
    code = close_run(report, counts, settings, str(week))
    if args.json:
        output.emit_json({**run_summary("weekly", settings, str(week), report, counts),
                          **summary, "exit_code": code})
    return code

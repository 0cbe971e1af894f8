"""`digest bounces [SOURCE]`: read bounces and complaints back and stop mail to the
addresses they condemn. The reading and the rules live in digest/feedback/."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from digest.cli import output
from digest.cli.commands.common import add_workspace, settings_from
from digest.errors import BadMailboxSource, ExitCode

if TYPE_CHECKING:
    from digest.feedback.actions import Tally
    from digest.settings import Settings

CAFILE_VARIABLE = "DIGEST_BOUNCES_CAFILE"
PROGRESS_SECONDS = 2.0
# The lines of the summary: (Tally field, label, note).
LINES = (("hard", "hard", "suppressed at once"),
         ("soft", "soft", "counted; suppressed when they repeat"),
         ("complaints", "complaints", "suppressed"),
         ("unknown", "unknown", "not a bounce or complaint: left alone"),
         ("unmatched", "unmatched", "no ledger row found: left alone"),
         ("already", "already read", "acted on by an earlier run"),
         ("suppressed", "suppressed now", "addresses newly suppressed"))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "bounces",
        help="read bounces and spam complaints back; suppress the addresses they condemn",
        description="Read a mailbox of bounces (DSNs and other bounce formats) and feedback "
        "reports (ARF), and act on them: a hard bounce or a complaint suppresses the "
        "address at once, soft bounces when they repeat (bounces.soft_limit within "
        "bounces.soft_window_days); the ledger row becomes bounced or complained. Each "
        "report is tied to its ledger row by the return path it came back to "
        "(bounces.domain). Messages are left in the mailbox, unread and unmoved; a report "
        "already acted on is skipped when the mailbox is read again.",
    )
    add_workspace(parser)
    parser.add_argument(
        "source", nargs="?", metavar="SOURCE",
        help="a Maildir folder, an mbox file, or imaps://USER@HOST[:PORT]/FOLDER "
        "(imap:// uses STARTTLS); default: bounces.mailbox in digest.yaml. The IMAP "
        f"password comes from DIGEST_BOUNCES_PASSWORD; {CAFILE_VARIABLE} names a CA file "
        "to trust for a private server")
    parser.add_argument("--dry-run", action="store_true",
                        help="report what would be done; change nothing")
    parser.add_argument("--json", action="store_true",
                        help="print the counts as one JSON object")
    parser.add_argument("--allow-plaintext-auth", action="store_true",
                        help="log in to an imap:// server that offers no STARTTLS (the "
                        "password crosses the network in clear; never needed for localhost)")
    parser.set_defaults(handler=run)


def chosen_source(args: argparse.Namespace, settings: Settings) -> str:
    if args.source:
        return str(args.source)
    configured = settings.bounces.mailbox
    if not configured:
        raise BadMailboxSource("no mailbox to read: give SOURCE, or set bounces.mailbox in "
                               "digest.yaml")
    if configured.lower().startswith(("imap://", "imaps://")):
        return configured
    return str(settings.path(Path(configured).expanduser()))  # relative to the workspace


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: registering a command must stay cheap.
    import sqlite3

    from digest.errors import LedgerError
    from digest.feedback.actions import FeedbackActions, Tally, feedback_database
    from digest.feedback.imap import PASSWORD_VARIABLE
    from digest.feedback.mailboxes import ImapAccess, open_mailbox
    from digest.storage.locations import workspace_database

    settings = settings_from(args)
    source = chosen_source(args, settings)
    if not settings.bounces.domain:
        output.warning("bounces.domain is not set: messages carry no return path of their "
                       "own, so only bounces of rows sent without one can be matched")
    cafile = os.environ.get(CAFILE_VARIABLE)
    access = ImapAccess(password=os.environ.get(PASSWORD_VARIABLE),
                        cafile=Path(cafile) if cafile else None,
                        allow_plaintext=args.allow_plaintext_auth)
    tally = Tally()
    with open_mailbox(source, access) as mailbox:
        output.info(f"digest bounces: {mailbox.count} message(s) in {mailbox.name}"
                    + (" (dry run: nothing is changed)" if args.dry_run else ""))
        try:
            with feedback_database(workspace_database(settings),
                                   args.dry_run) as (db, suppressions):
                actions = FeedbackActions(db, suppressions, settings.bounces)
                last = time.monotonic()
                for raw in mailbox.messages():
                    result = actions.process(raw)
                    tally.count(result.outcome, result.suppressed)
                    if time.monotonic() - last >= PROGRESS_SECONDS:
                        last = time.monotonic()
                        output.info(f"  {tally.read}/{mailbox.count} read")
        except sqlite3.Error as error:
            raise LedgerError(f"{workspace_database(settings)}: {error}") from None
        name = mailbox.name
    show(tally, name, args.dry_run, args.json)
    return ExitCode.OK


def show(tally: Tally, name: str, dry_run: bool, as_json: bool) -> None:
    counts = tally.as_dict()
    if as_json:
        output.emit_json({"command": "bounces", "source": name, "dry_run": dry_run, **counts,
                          "exit_code": int(ExitCode.OK)})
        return
    changed = "dry run, nothing changed" if dry_run else "messages left in place"
    print(f"read {counts['read']} message(s) from {name} ({changed})")
    for field, label, note in LINES:
        print(f"  {label:<15} {counts[field]:>6}  {note}")

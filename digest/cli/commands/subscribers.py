"""`digest subscribers check|count|import|export|unsubscribe|resubscribe|unsubscribe-mail`.

Output names files, lines and counts, never a subscriber's address or name, except in
`export`, whose whole point is the addresses.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from digest.audience.import_formats import VERDICTS
from digest.audience.suppressions import (
    REASONS,
    STOP_REASONS,
    SuppressionReason,
    open_suppressions,
)
from digest.cli import output
from digest.cli.commands.common import add_workspace, settings_from, warn
from digest.errors import ConfigError, DigestError, ExitCode, SubscriberError
from digest.models import mailbox_key
from digest.storage.locations import workspace_database

if TYPE_CHECKING:
    from digest.settings import Settings

# The list readers, address checks, imports and exports are imported in the action that
# uses them: registering the command must stay cheap.

STATUSES = ("subscribed", *REASONS, *sorted(set(STOP_REASONS) - set(REASONS)),
            "pending", "unconfirmed")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "subscribers",
        help="check, count, import and export subscriber lists; unsubscribe by hand",
        description="Work with the lists in subscribers/ (CSV or YAML) and the suppression "
        "store in the workspace database. Output names files and lines, never addresses "
        "(except export).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="report every bad row with file:line; exit 1 "
                               "if there is one")
    count = actions.add_parser("count", help="how many subscribers, by list, status and "
                               "audience")
    for sub in (check, count):
        add_workspace(sub)
    count.add_argument("--list", action="append", default=[], dest="lists", metavar="NAME",
                       help="count only this list (repeatable)")
    count.add_argument("--tag", action="append", default=[], dest="tags", metavar="TAG",
                       help="count only subscribers with this tag (repeatable)")
    count.add_argument("--json", action="store_true", help="print the counts as JSON")
    importer = actions.add_parser(
        "import", help="merge an export from Mailchimp, Substack, Buttondown or a plain CSV",
        description="Merge FILE into subscribers/<--into>.csv. The tool that wrote it is told "
        "by its header. Subscribed rows are added (mailboxes already listed are left alone); "
        "opt-outs (unsubscribed, cleaned, bounced, complained, Substack's email_disabled) go "
        "to the suppression store instead; rows never confirmed are left out; bad rows are "
        "reported with FILE:line. Tracking columns (IPs, places, ratings, vendor ids and "
        "times, utm_*) are dropped unless --keep-columns names them.")
    add_workspace(importer)
    importer.add_argument("file", type=Path, metavar="FILE", help="CSV file to import")
    importer.add_argument("--into", default="imported", metavar="NAME",
                          help="list to merge into (default: imported, i.e. "
                          "subscribers/imported.csv; created if missing)")
    importer.add_argument("--status", choices=sorted(word for word in VERDICTS if word),
                          metavar="STATUS",
                          help="the status of rows whose file does not say it, e.g. "
                          "unsubscribed for a Mailchimp unsubscribed export whose UNSUB_ "
                          "columns were removed (a contradiction is an error)")
    importer.add_argument("--keep-columns", default="", metavar="COL,...",
                          help="tracking columns to keep anyway, named as in FILE's header")
    importer.add_argument("--dry-run", action="store_true",
                          help="print the counts per status; change nothing")
    export = actions.add_parser(
        "export", help="write subscribers as spreadsheet-safe CSV",
        description="One row per address with its status (the suppression store wins over "
        "the list files). Cells starting with = + - @ or a tab get a leading ' so "
        "spreadsheets show them as text.")
    add_workspace(export)
    export.add_argument("--status", choices=STATUSES, help="only rows with this status")
    export.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help="write here instead of standard output")
    mailed = actions.add_parser(
        "unsubscribe-mail", help="honour unsubscribe requests mailed to the mailto: address",
        description="Read MAILBOX (a Maildir folder or an mbox file holding the mail sent to "
        "newsletter.unsubscribe_mailto) and unsubscribe every address whose signed token is "
        "in a subject 'unsubscribe TOKEN'. Needs DIGEST_SECRET. Reads only; safe to rerun.")
    add_workspace(mailed)
    mailed.add_argument("mailbox", type=Path, metavar="MAILBOX")
    for name, text in (("unsubscribe", "stop mail to EMAIL, in every capitalisation, from now "
                        "on (suppression store)"),
                       ("resubscribe", "lift the suppression of EMAIL's mailbox")):
        sub = actions.add_parser(name, help=text)
        add_workspace(sub)
        sub.add_argument("email", metavar="EMAIL")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    action = {"check": check, "count": count, "import": import_file, "export": export,
              "unsubscribe": unsubscribe, "resubscribe": resubscribe,
              "unsubscribe-mail": unsubscribe_mail}[args.action]
    return action(args, settings)


def _folder(settings: Settings) -> Path:
    return settings.path("subscribers")


def check(args: argparse.Namespace, settings: Settings) -> int:
    from digest.audience.lists import stage_lists

    with stage_lists(_folder(settings)) as listed:
        for error in listed.errors:
            print(error, file=sys.stderr)
        warn(listed.warnings())
        files = len(listed.count_by("list_name"))
        print(f"checked {listed.listed} record(s) in {files} list(s): "
              f"{len(listed.errors) or 'no'} problem(s)", file=sys.stderr)
        return ExitCode.PROBLEMS if listed.errors else ExitCode.OK


def count(args: argparse.Namespace, settings: Settings) -> int:
    from digest.audience.lists import Audience, check_audience, stage_lists
    from digest.cli.output import emit_json

    audience = Audience(settings.audience.lists,
                        (settings.audience.tags,) if settings.audience.tags else ()
                        ).narrowed(args.lists, args.tags)
    check_audience(_folder(settings), audience)
    with open_suppressions(workspace_database(settings)) as store:
        stopped = store.emails()
        reasons = {str(reason): number for reason, number in store.counts().items()}
    with stage_lists(_folder(settings), audience) as listed:
        lists = dict(listed.count_by("list_name"))
        statuses: Counter[str] = Counter()
        for status, number in listed.count_by("status").items():
            statuses[status or "subscribed"] += number
        chosen = listed.recipients
        suppressed = sum(key in stopped for key in listed.chosen_keys())
        bad_rows = len(listed.errors)
    if args.json:
        emit_json({"lists": lists, "statuses": dict(sorted(statuses.items())),
                   "suppressed_by_reason": reasons, "suppressed": sum(reasons.values()),
                   "audience": chosen, "audience_suppressed": suppressed,
                   "next_edition": chosen - suppressed, "bad_rows": bad_rows})
    else:
        for name, number in lists.items():
            print(f"list {name}: {number}")
        for status, number in sorted(statuses.items()):
            print(f"status {status}: {number}")
        print(f"suppressed: {sum(reasons.values())} ("
              + ", ".join(f"{reason} {number}" for reason, number in reasons.items()) + ")")
        print(f"audience: {chosen}, of whom suppressed: {suppressed}")
        print(f"next edition goes to: {chosen - suppressed}")
    if bad_rows:
        print(f"{bad_rows} bad row(s): run `digest subscribers check`", file=sys.stderr)
        return ExitCode.PROBLEMS
    return ExitCode.OK


def import_file(args: argparse.Namespace, settings: Settings) -> int:
    from digest.audience.imports import append_to_list, read_export, report_lines
    from digest.audience.lists import check_list_name, stage_lists

    folder = _folder(settings)
    if not args.file.is_file():
        raise DigestError(f"{args.file}: no such file")
    check_list_name(args.into, "--into")
    stem = args.into.removesuffix(".csv")
    target = folder / f"{stem}.csv"
    if any((folder / f"{stem}{suffix}").exists() for suffix in (".yaml", ".yml")) \
            or Path(args.into).suffix not in ("", ".csv") or target.is_symlink():
        raise DigestError(f"--into {args.into}: import writes CSV lists; name a .csv list "
                          "(YAML lists keep their comments only if edited by hand)")
    listed: set[str] = set()
    if folder.is_dir():
        with stage_lists(folder) as staged:
            listed = {entry.key for entry in staged.entries()}
    result = read_export(args.file, target.stem, listed, args.status,
                         args.keep_columns.split(","))
    for error in result.rejected:
        output.problem(f"invalid: {error}")
    if result.dropped:
        output.info(f"tracking columns left out: {', '.join(result.dropped)} (keep any with "
                    "--keep-columns)")
    new = 0
    if not args.dry_run:
        folder.mkdir(parents=True, exist_ok=True)
        # Opt-outs first: if writing the list then fails, no one who left is mailed.
        with open_suppressions(workspace_database(settings)) as store:
            new = sum(store.suppress(key, reason, f"import {args.file.name}")
                      for key, reason in result.stopped)
        if result.added:
            append_to_list(target, result.added)
    print("\n".join(report_lines(result, f"{folder.name}/{target.name}", args.dry_run)))
    if args.dry_run:
        output.info(f"dry run: would add {len(result.added)} and suppress "
                    f"{len(result.stopped)}; nothing written")
    else:
        output.info(f"added {len(result.added)} to {folder.name}/{target.name}; suppressed "
                    f"{len(result.stopped)} ({new} not suppressed before)")
    return ExitCode.PROBLEMS if result.rejected else ExitCode.OK


def export(args: argparse.Namespace, settings: Settings) -> int:
    from digest.audience.exports import build_rows, write_csv
    from digest.audience.lists import load_entries

    listed = load_entries(_folder(settings))
    with open_suppressions(workspace_database(settings)) as store:
        rows = build_rows(listed.entries, store.listing())
    rows = [row for row in rows if not args.status or row.status == args.status]
    if args.output:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            number = write_csv(rows, out)
    else:
        number = write_csv(rows, sys.stdout)
    print(f"exported {number} row(s)", file=sys.stderr)
    if listed.errors:
        print(f"{len(listed.errors)} bad row(s) left out: run `digest subscribers check`",
              file=sys.stderr)
    return ExitCode.OK


def _mailbox(text: str) -> str:
    """EMAIL checked, as its mailbox key: every capitalisation of it is one mailbox."""
    from digest.audience.lists import check_address

    try:
        return mailbox_key(check_address(text.strip()))
    except ValueError as error:
        raise SubscriberError("EMAIL", f"not a valid address: {error}") from None


def _listed(settings: Settings, key: str) -> bool:
    """Whether some list file has the mailbox as subscribed."""
    from digest.audience.lists import stage_lists

    with stage_lists(_folder(settings)) as listed:
        return listed.is_subscribed(key)


def unsubscribe(args: argparse.Namespace, settings: Settings) -> int:
    key = _mailbox(args.email)
    with open_suppressions(workspace_database(settings)) as store:
        if store.suppress(key, SuppressionReason.UNSUBSCRIBED, "editor"):
            output.info("unsubscribed: no more mail to this address, in any capitalisation, "
                        "from now on")
        else:
            found = store.get(key)
            output.info(f"already suppressed ({found.reason if found else '?'}); "
                        "nothing changed")
    if not _listed(settings, key):
        warn(["the address is on no list as a subscriber; the suppression is recorded "
              "anyway, so no list or import added later mails it"])
    return ExitCode.OK


def resubscribe(args: argparse.Namespace, settings: Settings) -> int:
    key = _mailbox(args.email)
    with open_suppressions(workspace_database(settings)) as store:
        found = store.get(key)
        if found is None:
            output.info("not suppressed; nothing changed")
            return ExitCode.OK
        store.unsuppress(key)
    output.info(f"resubscribed, in every capitalisation (was {found.reason})")
    if not _listed(settings, key):
        warn(["the address is in no list file as subscribed; add it to a list to mail it"])
    return ExitCode.OK


def unsubscribe_mail(args: argparse.Namespace, settings: Settings) -> int:
    from digest.audience.unsubscribe_mail import process_mailbox

    if not settings.secret:
        raise ConfigError("DIGEST_SECRET", "not set: it is needed to check unsubscribe tokens")
    with open_suppressions(workspace_database(settings)) as store:
        result = process_mailbox(args.mailbox, store, settings.secret,
                                 settings.newsletter.list_id)
    print(f"{result.unsubscribed} unsubscribed, {result.already} already suppressed, "
          f"{result.bad_tokens} with a forged or foreign token, {result.not_requests} other "
          "message(s) ignored", file=sys.stderr)
    return ExitCode.OK

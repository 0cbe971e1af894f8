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

from digest.audience.suppressions import (
    REASONS,
    STOP_REASONS,
    SuppressionReason,
    open_suppressions,
)
from digest.cli.commands.common import add_workspace, settings_from, warn
from digest.errors import ConfigError, DigestError, ExitCode, SubscriberError

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
        "import", help="merge a CSV exported from another tool into a list file",
        description="Merge FILE (a CSV from Mailchimp, Substack, listmonk or similar) into "
        "subscribers/<--into>.csv. Addresses already listed are left alone; rows marked "
        "unsubscribed, cleaned or bounced go to the suppression store instead; bad rows "
        "are reported with FILE:line and skipped.")
    add_workspace(importer)
    importer.add_argument("file", type=Path, metavar="FILE", help="CSV file to import")
    importer.add_argument("--into", default="imported", metavar="NAME",
                          help="list to merge into (default: imported, i.e. "
                          "subscribers/imported.csv; created if missing)")
    importer.add_argument("--dry-run", action="store_true",
                          help="report what would happen; change nothing")
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
    for name, text in (("unsubscribe", "stop mail to EMAIL from now on (suppression store)"),
                       ("resubscribe", "lift the suppression of EMAIL")):
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
    with open_suppressions(settings.db_path) as store:
        stopped = store.emails()
        reasons = Counter(s.reason for s in store.listing())
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
                   "suppressed_by_reason": dict(sorted(reasons.items())), "audience": chosen,
                   "audience_suppressed": suppressed, "next_edition": chosen - suppressed,
                   "bad_rows": bad_rows})
    else:
        for name, number in lists.items():
            print(f"list {name}: {number}")
        for status, number in sorted(statuses.items()):
            print(f"status {status}: {number}")
        for reason, number in sorted(reasons.items()):
            print(f"suppressed ({reason}): {number}")
        print(f"audience: {chosen}, of whom suppressed: {suppressed}")
        print(f"next edition goes to: {chosen - suppressed}")
    if bad_rows:
        print(f"{bad_rows} bad row(s): run `digest subscribers check`", file=sys.stderr)
        return ExitCode.PROBLEMS
    return ExitCode.OK


def import_file(args: argparse.Namespace, settings: Settings) -> int:
    from digest.audience.imports import append_to_list, read_export
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
    result = read_export(args.file, target.stem, listed)
    for error in result.rejected:
        print(f"rejected: {error}", file=sys.stderr)
    if not args.dry_run:
        folder.mkdir(parents=True, exist_ok=True)
        with open_suppressions(settings.db_path) as store:
            for email, reason in result.stopped:
                store.suppress(email, reason, f"import {args.file.name}")
        if result.added:
            append_to_list(target, result.added)
    verb = "would add" if args.dry_run else "added"
    print(f"{verb} {len(result.added)} to {folder.name}/{target.name}; {result.already} "
          f"already listed; {len(result.stopped)} unsubscribed/bounced (suppressed); "
          f"{len(result.rejected)} rejected", file=sys.stderr)
    return ExitCode.PROBLEMS if result.rejected else ExitCode.OK


def export(args: argparse.Namespace, settings: Settings) -> int:
    from digest.audience.exports import build_rows, write_csv
    from digest.audience.lists import load_entries

    listed = load_entries(_folder(settings))
    with open_suppressions(settings.db_path) as store:
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


def _address(text: str) -> str:
    from digest.audience.lists import check_address

    try:
        email = check_address(text.strip())
    except ValueError as error:
        raise SubscriberError("EMAIL", f"not a valid address: {error}") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def unsubscribe(args: argparse.Namespace, settings: Settings) -> int:
    email = _address(args.email)
    with open_suppressions(settings.db_path) as store:
        if store.suppress(email, SuppressionReason.UNSUBSCRIBED, "editor"):
            print("unsubscribed: no more mail to this address, from now on", file=sys.stderr)
        else:
            found = store.get(email)
            print(f"already suppressed ({found.reason if found else '?'}); nothing changed",
                  file=sys.stderr)
    return ExitCode.OK


def resubscribe(args: argparse.Namespace, settings: Settings) -> int:
    from digest.audience.lists import stage_lists

    email = _address(args.email)
    with open_suppressions(settings.db_path) as store:
        found = store.get(email)
        if found is None:
            print("not suppressed; nothing changed", file=sys.stderr)
            return ExitCode.OK
        store.unsuppress(email)
    print(f"resubscribed (was {found.reason})", file=sys.stderr)
    with stage_lists(_folder(settings)) as listed:
        if not listed.is_subscribed(email):
            warn(["the address is in no list file as subscribed; add it to a list to mail it"])
    return ExitCode.OK


def unsubscribe_mail(args: argparse.Namespace, settings: Settings) -> int:
    from digest.audience.unsubscribe_mail import process_mailbox

    if not settings.secret:
        raise ConfigError("DIGEST_SECRET", "not set: it is needed to check unsubscribe tokens")
    with open_suppressions(settings.db_path) as store:
        result = process_mailbox(args.mailbox, store, settings.secret,
                                 settings.newsletter.list_id)
    print(f"{result.unsubscribed} unsubscribed, {result.already} already suppressed, "
          f"{result.bad_tokens} with a forged or foreign token, {result.not_requests} other "
          "message(s) ignored", file=sys.stderr)
    return ExitCode.OK

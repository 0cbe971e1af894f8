"""`digest status`: where every message of an edition stands, from the delivery ledger."""

from __future__ import annotations

import argparse
import json
from typing import Any

from digest.cli.commands.common import add_week, add_workspace, chosen_week, settings_from
from digest.delivery.ledger import STATES, Ledger
from digest.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show delivery counts per state and who did not get the edition",
        description="Count the week's messages per state (pending, sending, sent, deferred, "
        "failed, uncertain, suppressed) and list failed and uncertain recipients with the "
        "server's last reply. Reads the ledger only.",
    )
    add_workspace(parser)
    add_week(parser)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: a count per state under `counts` (and "
                        "at the top level for states without a list), and the lists "
                        "`failed` and `uncertain`")
    parser.set_defaults(handler=run)


def collect(ledger: Ledger | None, week: str) -> dict[str, Any]:
    counts = ledger.counts(week) if ledger else dict.fromkeys(STATES, 0)
    lists: dict[str, list[dict[str, Any]]] = {"failed": [], "uncertain": []}
    if ledger:
        for row in ledger.rows(week, ("failed", "uncertain")):
            lists[row.state].append({"email": row.subscriber.email, "code": row.code,
                                     "reply": row.reply, "attempts": row.attempts,
                                     "message_id": row.message_id})
    result: dict[str, Any] = {"week": week, "total": sum(counts.values()), "counts": counts}
    result.update({state: n for state, n in counts.items() if state not in lists})
    result.update(lists)
    return result


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    week = str(chosen_week(args, settings))
    if settings.db_path.is_file():
        with Ledger(settings.db_path, readonly=True) as ledger:
            status = collect(ledger, week)
    else:
        status = collect(None, week)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return ExitCode.OK
    if not status["total"]:
        print(f"week {week}: nothing planned or sent yet")
        return ExitCode.OK
    print(f"week {week}: {status['total']} recipient(s)")
    for state in STATES:
        print(f"  {state:<10} {status['counts'][state]:>7}")
    for state in ("failed", "uncertain"):
        if status[state]:
            print(f"{state}:")
        for entry in status[state]:
            print(f"  {entry['email']}  {entry['code'] or '-'}  {entry['reply'] or ''}")
    return ExitCode.OK

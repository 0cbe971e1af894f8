"""`digest status`: where every message of an edition stands, from the delivery ledger."""

from __future__ import annotations

import argparse
import json
from typing import Any

from digest.cli.commands.common import add_week, add_workspace, chosen_week, settings_from
from digest.delivery.ledger import Ledger
from digest.delivery.states import STATES, DeliveryState
from digest.errors import ExitCode

# The states whose recipients are listed, with the server's last reply.
LISTED = (DeliveryState.FAILED, DeliveryState.UNCERTAIN)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show delivery counts per state and who did not get the edition",
        description=f"Count the week's messages per state ({', '.join(STATES)}) and list "
        "failed and uncertain recipients with the server's last reply. Reads the ledger only.",
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
    lists: dict[DeliveryState, list[dict[str, Any]]] = {state: [] for state in LISTED}
    if ledger:
        for row in ledger.rows(week, LISTED):
            lists[row.state].append({"email": row.subscriber.email, "code": row.code,
                                     "reply": row.reply, "attempts": row.attempts,
                                     "message_id": row.message_id})
    # Plain strings for keys: this is the `--json` document.
    result: dict[str, Any] = {"week": week, "total": sum(counts.values()),
                              "counts": {str(state): n for state, n in counts.items()}}
    result.update({str(state): n for state, n in counts.items() if state not in lists})
    result.update({str(state): entries for state, entries in lists.items()})
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
    for state in LISTED:
        if status[state]:
            print(f"{state}:")
        for entry in status[state]:
            print(f"  {entry['email']}  {entry['code'] or '-'}  {entry['reply'] or ''}")
    return ExitCode.OK

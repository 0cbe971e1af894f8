"""`digest status`: where every message of an edition stands, from the delivery ledger."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, tzinfo
from typing import Any

from digest.cli.commands.common import add_week, add_workspace, chosen_week, settings_from
from digest.delivery.ledger import Ledger
from digest.delivery.states import STATES, DeliveryState
from digest.errors import ExitCode
from digest.storage.database import Database
from digest.storage.locations import database_exists, workspace_database

# The states whose recipients are listed, with the server's last reply: everyone who did
# not get the edition, or not yet, for a reason other than the suppression store.
LISTED = (DeliveryState.DEFERRED, DeliveryState.FAILED, DeliveryState.UNCERTAIN,
          DeliveryState.BOUNCED, DeliveryState.COMPLAINED, DeliveryState.SKIPPED)
# The address as the list wrote it (rows migrated from version 1 have only the key).
_ROWS = ("SELECT CASE WHEN address <> '' THEN address ELSE email END AS address, state, code,"
         " reply, attempts, message_id, retry_at FROM deliveries"
         " WHERE edition=? AND state IN ({marks}) ORDER BY email")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show delivery counts per state and who did not get the edition",
        description=f"Count the week's messages per state ({', '.join(STATES)}) and list "
        f"the {', '.join(LISTED)} recipients with the server's last reply (deferred ones "
        "with their retry time). Reads the ledger only.",
    )
    add_workspace(parser)
    add_week(parser)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: a count per state under `counts` (and "
                        "at the top level for states without a list), and the lists "
                        f"{', '.join(f'`{state}`' for state in LISTED)}; under `workers`, "
                        "each sender's rows per state (a sender is `host:pid`)")
    parser.set_defaults(handler=run)


def _when(seconds: float | None, zone: tzinfo) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, zone).isoformat(timespec="seconds")


def listed_rows(db: Database, week: str, zone: tzinfo,
                ) -> dict[DeliveryState, list[dict[str, Any]]]:
    """The rows of the listed states, by state, in key order. Read here rather than with
    Ledger.rows, which gives the mailbox key and no retry time."""
    lists: dict[DeliveryState, list[dict[str, Any]]] = {state: [] for state in LISTED}
    query = _ROWS.format(marks=",".join("?" * len(LISTED)))
    for address, state, code, reply, attempts, message_id, retry_at in db.execute(
            query, (week, *LISTED)):
        entry = {"email": address, "code": code, "reply": reply, "attempts": attempts,
                 "message_id": message_id}
        if state == DeliveryState.DEFERRED:
            entry["retry_at"] = _when(retry_at, zone)
        lists[DeliveryState(state)].append(entry)
    return lists


def collect(ledger: Ledger | None, week: str, zone: tzinfo) -> dict[str, Any]:
    counts = ledger.counts(week) if ledger else dict.fromkeys(STATES, 0)
    lists = listed_rows(ledger.db, week, zone) if ledger else {state: [] for state in LISTED}
    workers = ledger.by_worker(week) if ledger else {}
    # Plain strings for keys: this is the `--json` document.
    result: dict[str, Any] = {"week": week, "total": sum(counts.values()),
                              "counts": {str(state): n for state, n in counts.items()}}
    result.update({str(state): n for state, n in counts.items() if state not in lists})
    result.update({str(state): entries for state, entries in lists.items()})
    result["workers"] = {worker: {str(state): n for state, n in states.items()}
                         for worker, states in workers.items()}
    pause = ledger.paused(week) if ledger else None
    result["paused"] = None if pause is None else {
        "worker": pause.worker, "reason": pause.reason,
        "at": _when(pause.paused_at, zone)}
    return result


def worker_table(workers: dict[str, dict[str, int]]) -> list[str]:
    """Rows per sender, one line each, in the states any sender has rows in. A row counts
    for the sender that claimed it last; rows never claimed are in no sender's line."""
    columns = [state for state in STATES if any(states[state] for states in workers.values())]
    if not columns:
        return []
    width = max(len("sender"), *map(len, workers))
    widths = [max(len(state), 7) for state in columns]
    lines = ["  " + "sender".ljust(width) + "".join(
        f"  {state:>{w}}" for state, w in zip(columns, widths, strict=True))]
    lines += ["  " + worker.ljust(width) + "".join(
        f"  {states[state]:>{w}}" for state, w in zip(columns, widths, strict=True))
        for worker, states in workers.items()]
    return lines


def _line(entry: dict[str, Any]) -> str:
    retry = f"  retry at {entry['retry_at']}" if entry.get("retry_at") else ""
    return f"  {entry['email']}  {entry['code'] or '-'}{retry}  {entry['reply'] or ''}".rstrip()


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    week = str(chosen_week(args, settings))
    location = workspace_database(settings)
    if database_exists(location):
        with Ledger(location, readonly=True) as ledger:
            status = collect(ledger, week, settings.tz)
    else:
        status = collect(None, week, settings.tz)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return ExitCode.OK
    if not status["total"]:
        print(f"week {week}: nothing planned or sent yet")
        return ExitCode.OK
    print(f"week {week}: {status['total']} recipient(s)")
    if status["paused"]:
        paused = status["paused"]
        print(f"paused at {paused['at']} by sender {paused['worker']}: {paused['reason']}; "
              "`digest send` (or weekly, retry) lifts the pause and goes on")
    for state in STATES:
        print(f"  {state:<10} {status['counts'][state]:>7}")
    table = worker_table(status["workers"])
    if table:
        print(f"per sender ({len(status['workers'])}):")
        print("\n".join(table))
    for state in LISTED:
        if status[state]:
            print(f"{state}:")
        for entry in status[state]:
            print(_line(entry))
    return ExitCode.OK

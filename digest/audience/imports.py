"""Merge a CSV exported from another tool (Mailchimp, Substack, listmonk...) into a list file.

Their column names are mapped to ours ("Email Address" -> email, "First Name" + "Last
Name" -> name, "OPTIN_TIME" -> subscribed_at...); other columns are kept as custom fields.
Rows for addresses already listed anywhere are left alone; rows marked unsubscribed,
cleaned or bounced are not added to the list but recorded in the suppression store, so an
unsubscribe made elsewhere is honoured here. The list file is replaced atomically.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from digest.audience.csv_lists import read_csv_rows
from digest.audience.records import ACTIVE_STATUSES, Entry, make_entry, normalise_column, split_tags
from digest.audience.suppressions import STOP_REASONS, SuppressionReason
from digest.errors import RecordProblem, SubscriberError
from digest.files import write_atomically

__all__ = ["STOP_REASONS", "ImportResult", "append_to_list", "read_export"]

ALIASES = {
    "email_address": "email", "e_mail": "email", "e_mail_address": "email",
    "full_name": "name", "optin_time": "subscribed_at", "created_at": "subscribed_at",
    "subscription_date": "subscribed_at", "confirm_time": "subscribed_at",
    "subscriber_status": "status", "member_status": "status",
}


@dataclass
class ImportResult:
    added: list[Entry] = field(default_factory=list)
    already: int = 0  # addresses already in some list
    stopped: list[tuple[str, SuppressionReason]] = field(default_factory=list)  # address, why
    rejected: list[SubscriberError] = field(default_factory=list)


def map_header(header: list[str]) -> list[str]:
    """Their column names to ours; when two map to one (created_at, optin_time), first wins."""
    mapped: list[str] = []
    for name in header:
        ours = ALIASES.get(name, name)
        mapped.append(name if ours in mapped else ours)
    return mapped


def read_export(path: Path, list_name: str, listed: set[str]) -> ImportResult:
    """Classify every row of the export; nothing is written here."""
    raw_header, rows = read_csv_rows(path, need_email=False)
    header = map_header(raw_header)
    if "email" not in header:
        raise SubscriberError(path, "no email column (looked for email, Email Address, "
                              "E-mail)", 1)
    result = ImportResult()
    seen = set(listed)
    for line, cells in rows:
        if len(cells) > len(header):
            result.rejected.append(SubscriberError(
                path, f"row has {len(cells)} cells but the header has {len(header)}", line))
            continue
        values = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
        if not values.get("name") and (values.get("first_name") or values.get("last_name")):
            values["name"] = f"{values.get('first_name', '')} {values.get('last_name', '')}"
        values = {normalise_column(k): v for k, v in values.items() if k}
        tags = split_tags(values.get("tags", "").replace('"', "")) | split_tags(
            values.get("lists", ""))
        try:
            entry = make_entry(values, tags, list_name, f"{path.name}:{line}")
        except RecordProblem as problem:
            result.rejected.append(SubscriberError(path, str(problem), line))
            continue
        if entry.status not in ACTIVE_STATUSES:
            reason = STOP_REASONS.get(entry.status, SuppressionReason.MANUAL)
            result.stopped.append((entry.key, reason))
        elif entry.key in seen:
            result.already += 1
        else:
            seen.add(entry.key)
            result.added.append(entry)
    return result


def append_to_list(target: Path, entries: list[Entry]) -> None:
    """Rewrite `target` with its rows plus `entries`, via a temporary file and a rename."""
    header: list[str] = ["email", "name"]
    old_rows: list[list[str]] = []
    if target.exists():
        header, numbered = read_csv_rows(target)
        old_rows = [cells for _, cells in numbered]
    new_columns = sorted({key for e in entries for key in e.subscriber.fields} - set(header))
    header = [*header, *new_columns]
    if entries and "tags" not in header and "lists" not in header and any(e.tags for e in entries):
        header.append("tags")
    tag_column = "lists" if "lists" in header else "tags"
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for cells in old_rows:
        writer.writerow(cells + [""] * (len(header) - len(cells)))
    for entry in entries:
        values = {**entry.subscriber.fields, "email": entry.subscriber.email,
                  "name": entry.subscriber.name, tag_column: ";".join(sorted(entry.tags))}
        writer.writerow([values.get(column, "") for column in header])
    write_atomically(target, out.getvalue())

"""Export subscribers as CSV that is safe to open in a spreadsheet.

Each mailbox appears once, with its status as the newsletter sees it: the suppression
store first (unsubscribed, bounced, complained, manual), then the list file's status,
else "subscribed". A listed mailbox is written as its first list wrote it; one only in the
suppression store, as its key. Cells that a spreadsheet would run as a formula get a
leading quote.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from digest.audience.records import ACTIVE_STATUSES, Entry
from digest.audience.suppressions import Suppression

FIXED = ("email", "name", "status", "list", "tags", "suppressed_at", "suppressed_by")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True)
class Row:
    values: dict[str, str]

    @property
    def status(self) -> str:
        return self.values["status"]


def neutralise(cell: str) -> str:
    """`=HYPERLINK(...)` becomes `'=HYPERLINK(...)`: shown as text, never run."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def build_rows(entries: Iterable[Entry], suppressions: Iterable[Suppression]) -> list[Row]:
    stopped = {s.email: s for s in suppressions}
    rows: dict[str, Row] = {}
    for entry in entries:
        if entry.key in rows:
            continue  # the first listing wins, as when sending
        status = "subscribed" if entry.status in ACTIVE_STATUSES else entry.status
        values = {k: v for k, v in entry.subscriber.fields.items()
                  if k not in ("lists", "tags", "status")}
        values.update(email=entry.email, name=entry.subscriber.name, status=status,
                      list=entry.list_name, tags=";".join(sorted(entry.tags)))
        rows[entry.key] = Row(values)
    for email, suppression in stopped.items():
        row = rows.setdefault(email, Row({"email": email, "status": ""}))
        row.values.update(
            status=suppression.reason,
            suppressed_at=datetime.fromtimestamp(suppression.created_at, UTC)
            .isoformat(timespec="seconds"),
            suppressed_by=suppression.source)
    return list(rows.values())


def write_csv(rows: Iterable[Row], out: TextIO) -> int:
    """Write the rows (custom columns after the fixed ones); returns how many."""
    rows = list(rows)
    extra = sorted({key for row in rows for key in row.values} - set(FIXED))
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*FIXED, *extra])
    for row in rows:
        writer.writerow([neutralise(row.values.get(column, "")) for column in (*FIXED, *extra)])
    return len(rows)

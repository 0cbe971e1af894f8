"""Merge a CSV exported from another tool (Mailchimp, Substack, Buttondown, or a plain
email[, name][, status] CSV) into a list file, honouring every opt-out in it.

The tool is told by the header (import_formats.py). Subscribed rows are added to the list;
opt-outs (unsubscribed, cleaned, bounced, complained, Substack's email_disabled...) are
not: their mailbox keys go to the suppression store, so an unsubscribe made elsewhere
holds here, in every capitalisation. Rows never confirmed are left out. A mailbox is
counted once: rows for mailboxes already listed, or repeated in the file, change nothing,
except that an opt-out anywhere in the file wins over a subscribed row. Columns that
track readers (IPs, places, ratings, vendor ids and times, utm_*) are dropped unless
kept by name. Nothing is written here; the list file is replaced atomically.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from digest.audience.csv_lists import read_csv_rows
from digest.audience.import_formats import (
    EMAIL_COLUMNS,
    VERDICTS,
    Action,
    ExportFormat,
    chosen_status,
    detect,
    is_tracking,
    mailchimp_export,
    row_status,
    status_column,
    verdict,
)
from digest.audience.records import Entry, make_entry, normalise_column, split_tags
from digest.audience.suppressions import SuppressionReason
from digest.errors import RecordProblem, SubscriberError
from digest.files import write_atomically

ALREADY_LISTED = "already listed"
REPEATED = "repeated in this file"
INVALID = "invalid"
_NAME_COLUMNS = ("name", "full_name")
_RESERVED = frozenset(("email", "name", "status"))


@dataclass
class ImportResult:
    export: ExportFormat
    which: str = ""  # Mailchimp: the export's own status, where its columns say it
    counts: Counter[str] = field(default_factory=Counter)  # every row once: status or fate
    verdicts: dict[str, Action] = field(default_factory=dict)  # status word -> action
    added: list[Entry] = field(default_factory=list)
    stopped: list[tuple[str, SuppressionReason]] = field(default_factory=list)  # key, why
    rejected: list[SubscriberError] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # tracking columns left out


@dataclass(frozen=True)
class _Row:
    entry: Entry
    status: str
    action: Action
    reason: SuppressionReason | None


def read_export(path: Path, list_name: str, listed: Iterable[str], status: str | None = None,
                keep: Iterable[str] = ()) -> ImportResult:
    """Classify every row of the export; `listed` holds the mailbox keys already in lists,
    `status` fills in rows whose file does not say, `keep` names tracking columns to keep."""
    header, rows = read_csv_rows(path, need_email=False)
    email = next((name for name in EMAIL_COLUMNS if name in header), None)
    if email is None:
        raise SubscriberError(path, "no email column (looked for email, Email Address, "
                              "E-mail)", 1)
    export = detect(header)
    result = ImportResult(export, mailchimp_export(header) if export is ExportFormat.MAILCHIMP
                          else "")
    if result.which and status is not None and status != result.which:
        marker = "UNSUB_TIME" if result.which == "unsubscribed" else "CLEAN_TIME"
        raise SubscriberError(path, f"a Mailchimp {result.which} export (it has {marker}): "
                              f"--status {status} contradicts it", 1)
    kept = _kept_columns(path, header, keep)
    result.dropped = [name for name in header
                      if name and is_tracking(name, export) and name not in kept]
    own_status = status_column(export, header)
    consumed = {email, own_status, *_NAME_COLUMNS, "tags", "lists", "metadata", *result.dropped}
    parsed: list[_Row] = []
    for line, cells in rows:
        try:
            if len(cells) > len(header):
                raise RecordProblem(f"row has {len(cells)} cells but the header has "
                                    f"{len(header)}")
            values = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
            word = chosen_status(result.which or row_status(export, own_status, values), status)
            judged = verdict(word)
            entry = make_entry(_record(values, email, consumed), _tags(values), list_name,
                               f"{path.name}:{line}")
        except RecordProblem as problem:
            result.rejected.append(SubscriberError(path, str(problem), line))
            result.counts[INVALID] += 1
            continue
        result.verdicts[word] = judged.action
        parsed.append(_Row(entry, word, judged.action, judged.reason))
    _decide(result, parsed, set(listed))
    return result


def _decide(result: ImportResult, rows: list[_Row], listed: set[str]) -> None:
    """Each mailbox once, in file order; an opt-out anywhere in the file wins."""
    opted_out = {row.entry.key for row in rows if row.action is Action.SUPPRESS}
    seen: set[str] = set()
    for row in rows:
        key = row.entry.key
        if key in seen or (key in opted_out and row.action is not Action.SUPPRESS):
            result.counts[REPEATED] += 1
            continue
        seen.add(key)
        if row.action is Action.SUBSCRIBE and key in listed:
            result.counts[ALREADY_LISTED] += 1
            continue
        result.counts[row.status] += 1
        if row.action is Action.SUPPRESS and row.reason is not None:
            result.stopped.append((key, row.reason))
        elif row.action is Action.SUBSCRIBE:
            result.added.append(row.entry)


def _kept_columns(path: Path, header: list[str], keep: Iterable[str]) -> set[str]:
    kept = {normalise_column(name) for name in keep if name.strip()}
    missing = sorted(kept - set(header))
    if missing:
        raise SubscriberError(path, f"--keep-columns: no column {', '.join(missing)} in the "
                              "header", 1)
    return kept


def _record(values: dict[str, str], email: str, consumed: set[str | None]) -> dict[str, str]:
    """The row as a list record: email and name, then the columns worth keeping."""
    name = next((values[column] for column in _NAME_COLUMNS if values.get(column)), "") or \
        " ".join(part for part in (values.get("first_name", "").strip(),
                                   values.get("last_name", "").strip()) if part)
    fields = {**_metadata(values.get("metadata", "")),
              **{column: value for column, value in values.items()
                 if column and column not in consumed}}
    # The import has decided the status: a field of that name would be read again.
    return {**{k: v for k, v in fields.items() if k not in _RESERVED},
            "email": values[email], "name": name}


def _metadata(text: str) -> dict[str, str]:
    """Buttondown's metadata: a JSON object whose plain values become fields; kept as one
    `metadata` field when it is anything else."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {"metadata": text}
    if not isinstance(data, dict):
        return {"metadata": text}
    return {normalise_column(str(key)): str(value) for key, value in data.items()
            if isinstance(value, str | int | float) and not isinstance(value, bool)}


def _tags(values: dict[str, str]) -> set[str]:
    """Mailchimp writes TAGS as `"boats","weekly"`, Buttondown as a list: quotes and
    brackets go."""
    text = f"{values.get('tags', '')},{values.get('lists', '')}"
    return split_tags(text.translate(str.maketrans("", "", "\"'[]")))


def report_lines(result: ImportResult, target: str, dry_run: bool) -> list[str]:
    """Rows per status, then per fate (already listed, repeated, invalid): every row of the
    export is counted once, so the counts add up to its rows."""
    what = {Action.SUBSCRIBE: f"would be added to {target}" if dry_run else f"added to {target}",
            Action.LEAVE_OUT: "left out: never confirmed, or paused"}
    fates = {ALREADY_LISTED: "left alone", REPEATED: "counted once",
             INVALID: "not imported (lines above)"}
    which = f" ({result.which} members)" if result.which else ""
    lines = [f"{result.export} export{which}: {result.counts.total()} row(s)"]
    order = {Action.SUBSCRIBE: 0, Action.SUPPRESS: 1, Action.LEAVE_OUT: 2}
    for word in sorted(result.verdicts, key=lambda word: (order[result.verdicts[word]], word)):
        if result.counts[word]:
            action = result.verdicts[word]
            text = what.get(action) or f"suppressed ({VERDICTS[word].reason})"
            lines.append(f"  {word:<22} {result.counts[word]:>7}  {text}")
    lines += [f"  {fate:<22} {result.counts[fate]:>7}  {text}"
              for fate, text in fates.items() if result.counts[fate]]
    return lines


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

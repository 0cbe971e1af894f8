"""Read one CSV subscriber list: header row, `email` required, any other columns kept.

UTF-8 with or without a byte-order mark, CRLF or LF line ends, quoted commas and quoted
line breaks. Every bad row is reported with its line; good rows still load.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from digest.audience.records import TAG_COLUMNS, Entry, make_entry, normalise_column, split_tags
from digest.errors import RecordProblem, SubscriberError


def decode_utf8(path: Path) -> str:
    """The file's text, or SubscriberError naming the line of the first bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SubscriberError(path, f"not UTF-8 text (byte {error.start}: {error.reason}); "
                              "save the file as UTF-8", line) from None


def read_header(path: Path, cells: list[str], need_email: bool = True) -> list[str]:
    header = [normalise_column(cell) for cell in cells]
    if need_email and "email" not in header:
        # Mailchimp calls it "Email Address": point at import, which maps such headers.
        raise SubscriberError(path, "header row must have an `email` column (exports from "
                              "other tools: use `digest subscribers import FILE`)", 1)
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise SubscriberError(path, f"header row repeats column(s): {', '.join(repeated)}", 1)
    return header


def read_csv_rows(path: Path, need_email: bool = True,
                  ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (first line, cells) per row. Raises SubscriberError for unreadable files."""
    text = decode_utf8(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    line = 1
    try:
        for cells in reader:
            if header is None:
                header = read_header(path, cells, need_email)
            elif any(cell.strip() for cell in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise SubscriberError(path, f"broken CSV: {error} (check the quotes)", line) from None
    if header is None:
        raise SubscriberError(path, "empty file: a header row with an `email` column is needed",
                              1)
    return header, rows


def read_csv_list(path: Path) -> tuple[list[Entry], list[SubscriberError]]:
    """Entries for the good rows and one error per bad row."""
    try:
        header, rows = read_csv_rows(path)
    except SubscriberError as error:
        return [], [error]
    entries: list[Entry] = []
    errors: list[SubscriberError] = []
    for line, cells in rows:
        if len(cells) > len(header):
            errors.append(SubscriberError(
                path, f"row has {len(cells)} cells but the header has {len(header)} "
                "(a comma inside a value needs quotes)", line))
            continue
        cells = cells + [""] * (len(header) - len(cells))
        values = {name: cell for name, cell in zip(header, cells, strict=True) if name}
        tags: set[str] = set()
        for column in TAG_COLUMNS:
            tags |= split_tags(values.get(column, ""))
        try:
            entries.append(make_entry(values, tags, path.stem,
                                      f"{path.parent.name}/{path.name}:{line}"))
        except RecordProblem as problem:
            errors.append(SubscriberError(path, str(problem), line))
    return entries, errors

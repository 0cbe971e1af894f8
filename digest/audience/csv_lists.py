"""Read one CSV subscriber list, row by row: header row, `email` required, other columns kept.

UTF-8 with or without a byte-order mark, CRLF, LF or CR line ends, quoted commas and quoted
line breaks. The file is read as it is parsed, never whole, so a list of any length
takes the same memory. Every bad row is reported with its line; good rows still load. A
problem with the file itself (a bad byte, a broken quote) is raised as SubscriberError,
possibly after some rows: whoever reads the rows drops that file's rows then.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

from digest.audience.records import TAG_COLUMNS, Entry, make_entry, normalise_column, split_tags
from digest.errors import RecordProblem, SubscriberError

_LONE_CR = re.compile(r"(?<=\r)(?!\n)")  # a line end that is a CR alone (old Mac files)


def decode_utf8(path: Path) -> str:
    """The file's text, or SubscriberError naming the line of the first bad byte."""
    return "".join(utf8_lines(path))


def utf8_lines(path: Path) -> Iterator[str]:
    """The file's lines with their ends, as universal newlines split them, decoded as UTF-8
    (a leading byte-order mark dropped); SubscriberError names the line of a bad byte."""
    with path.open("rb") as handle:
        offset = 0  # bytes before this line, after any byte-order mark
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise SubscriberError(path, f"not UTF-8 text (byte {offset + error.start}: "
                                      f"{error.reason}); save the file as UTF-8",
                                      number) from None
            # A UTF-8 sequence never holds a newline byte, so lines split before decoding.
            bom = len(codecs.BOM_UTF8) if number == 1 and raw.startswith(codecs.BOM_UTF8) else 0
            offset += len(raw) - bom
            if "\r" in text and _LONE_CR.search(text):
                yield from (piece for piece in _LONE_CR.split(text) if piece)
            else:
                yield text


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


def open_csv(path: Path, need_email: bool = True,
             ) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The checked header, and (first line, cells) of each non-blank row as it is read.
    Raises SubscriberError for a bad header at once, and for a broken file while reading."""
    reader = csv.reader(utf8_lines(path), strict=True)
    try:
        first = next(reader, None)
    except csv.Error as error:
        raise SubscriberError(path, f"broken CSV: {error} (check the quotes)", 1) from None
    if first is None:
        raise SubscriberError(path, "empty file: a header row with an `email` column is needed",
                              1)
    return read_header(path, first, need_email), _rows(path, reader)


def _rows(path: Path, reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    line = reader.line_num + 1  # type: ignore[attr-defined]
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, cells
            line = reader.line_num + 1  # type: ignore[attr-defined]
    except csv.Error as error:
        raise SubscriberError(path, f"broken CSV: {error} (check the quotes)", line) from None


def read_csv_rows(path: Path, need_email: bool = True,
                  ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and every row at once, for imports (files of a few thousand rows)."""
    header, rows = open_csv(path, need_email)
    return header, list(rows)


def read_csv_list(path: Path) -> Iterator[Entry | SubscriberError]:
    """An entry for each good row and an error for each bad one, in file order."""
    header, rows = open_csv(path)
    width, list_name = len(header), path.stem
    place = f"{path.parent.name}/{path.name}:"
    unnamed = "" in header  # columns with an empty header cell are left out
    for line, cells in rows:
        if len(cells) > width:
            yield SubscriberError(path, f"row has {len(cells)} cells but the header has {width} "
                                  "(a comma inside a value needs quotes)", line)
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        values = dict(zip(header, cells, strict=True))
        if unnamed:
            values.pop("", None)
        tags: set[str] = set()
        for column in TAG_COLUMNS:
            if values.get(column):
                tags |= split_tags(values[column])
        try:
            yield make_entry(values, tags, list_name, f"{place}{line}")
        except RecordProblem as problem:
            yield SubscriberError(path, str(problem), line)

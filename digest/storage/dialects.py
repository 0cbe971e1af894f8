"""What differs between SQLite's SQL and PostgreSQL's, in the few places the ledger and the
suppression store meet it, and the row both engines give back.

SQL is written once in SQLite's form with `?` placeholders; `Dialect.sql` turns it into
psycopg's `%s` form, leaving a `?` inside a string literal, a quoted name or a comment as
it is (and doubling every `%`, which psycopg would read as a placeholder anywhere).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, SupportsIndex, overload

from digest.storage.locations import Engine

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# What may hold a `?` or `%` that is not a placeholder, or is one.
_TOKENS = re.compile(r"""
      '(?:[^']|'')*'                        # a string literal ('' is a quote inside)
    | "(?:[^"]|"")*"                        # a quoted name
    | --[^\n]*                              # a comment to the end of the line
    | /\*.*?\*/                             # a block comment
    | \$(?P<tag>[A-Za-z_]\w*|)\$.*?\$(?P=tag)\$   # PostgreSQL's dollar quoting
    | [?%]
""", re.VERBOSE | re.DOTALL)


class Row(tuple[Any, ...]):
    """A result row: a tuple (by position, equal to a tuple of its values) that is also
    read by column name, `row["state"]`, on both engines."""

    columns: ClassVar[tuple[str, ...]] = ()
    names: ClassVar[dict[str, int]] = {}  # the first column of each name

    @overload
    def __getitem__(self, key: SupportsIndex | str) -> Any: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[Any, ...]: ...

    def __getitem__(self, key: SupportsIndex | str | slice) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self.names[key])
            except KeyError:
                raise IndexError(f"no column named {key!r}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.columns)


@lru_cache(maxsize=512)
def row_class(columns: tuple[str, ...]) -> type[Row]:
    """The Row class of one result's column names (made once per set of names)."""
    names = {name: index for index, name in reversed(list(enumerate(columns)))}
    return type("Row", (Row,), {"columns": columns, "names": names})


def quoted(name: str) -> str:
    """A table or column name for SQL text, where a placeholder cannot stand."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


@dataclass(frozen=True)
class Dialect:
    engine: Engine
    double: str  # the 8-byte floating point column type (times are seconds since the epoch)
    skip_locked: bool  # claims lock their rows and pass over rows others hold

    def sql(self, text: str) -> str:
        """`text` (SQL with `?` placeholders) as this engine's driver takes it."""
        return text if self.engine == Engine.SQLITE else _pyformat(text)

    def claim_clause(self, *tables: str) -> str:
        """Ends a SELECT of rows about to be claimed: PostgreSQL locks them and skips rows
        another claim holds; SQLite needs nothing (BEGIN IMMEDIATE admits one writer)."""
        if not self.skip_locked:
            return ""
        of = f" OF {', '.join(quoted(table) for table in tables)}" if tables else ""
        return f"FOR UPDATE{of} SKIP LOCKED"

    def index_hint(self, index: str) -> str:
        """SQLite's INDEXED BY (its planner may otherwise sort a whole edition); PostgreSQL
        plans by statistics and has no hints."""
        return f"INDEXED BY {quoted(index)}" if self.engine == Engine.SQLITE else ""


DIALECTS = {
    Engine.SQLITE: Dialect(Engine.SQLITE, double="REAL", skip_locked=False),
    Engine.POSTGRESQL: Dialect(Engine.POSTGRESQL, double="DOUBLE PRECISION", skip_locked=True),
}


def insert_ignoring(table: str, columns: Sequence[str]) -> str:
    """INSERT of one row that leaves an existing row (same key) as it is: both engines'
    `ON CONFLICT DO NOTHING`, instead of SQLite's own INSERT OR IGNORE."""
    names = ", ".join(quoted(column) for column in columns)
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"


@lru_cache(maxsize=1024)
def _pyformat(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)  # psycopg reads % everywhere, quotes and comments included
        return "%s" if token == "?" else token.replace("%", "%%")

    return _TOKENS.sub(replace, text)

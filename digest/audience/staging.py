"""Every list row staged in a temporary SQLite file, and who of them receives the edition.

Deciding the audience needs every row first (an unsubscribed row anywhere keeps the
address out of every list, and a duplicate names the place it was first listed), but a
list of a million subscribers held as objects takes a gigabyte. So rows are written as
they are read, in batches, to a SQLite file in the temporary folder, whose memory is its
page cache; deduplication and the duplicate warnings are then two indexed queries. The
delivery ledger attaches the file and copies the chosen rows in one statement, so no
object exists for the whole list at any point.

A file that turns out broken part way (a bad byte, an unclosed quote, a second YAML
document) is one error, and none of its rows count: they are deleted again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

from digest.audience.list_files import list_files, read_list
from digest.audience.records import Entry
from digest.audience.selection import Audience
from digest.errors import SubscriberError
from digest.models import Subscriber

BATCH = 2000  # rows per executemany: few round trips, little memory

_SCHEMA = """
CREATE TABLE entries (
    seq       INTEGER PRIMARY KEY,  -- order of listing, over all files
    key       TEXT NOT NULL,        -- the address in comparison form
    email     TEXT NOT NULL,
    name      TEXT NOT NULL,
    fields    TEXT NOT NULL,        -- JSON, as the ledger keeps it
    list_name TEXT NOT NULL,
    tags      TEXT NOT NULL,        -- ;-separated
    status    TEXT NOT NULL,
    active    INTEGER NOT NULL,
    included  INTEGER NOT NULL,     -- in the chosen lists and tags
    place     TEXT NOT NULL         -- subscribers/readers.csv:4
);
-- Every active, included row of an address that no row has stopped, with the first such
-- row of its address: seq = first is a recipient, any other a duplicate of `first`.
CREATE TABLE picks (seq INTEGER PRIMARY KEY, first INTEGER NOT NULL);
"""
_DECIDE = (
    "CREATE INDEX entries_key ON entries (key, active, included, seq)",
    """INSERT INTO picks (seq, first)
       SELECT e.seq, (SELECT MIN(f.seq) FROM entries f
                      WHERE f.key = e.key AND f.active = 1 AND f.included = 1)
       FROM entries e
       WHERE e.active = 1 AND e.included = 1
         AND NOT EXISTS (SELECT 1 FROM entries s WHERE s.key = e.key AND s.active = 0)""",
)


class StagedAudience:
    """The lists of one run, staged; `close()` (or leaving `with`) deletes the file."""

    def __init__(self) -> None:
        handle, name = tempfile.mkstemp(prefix="digest-audience-", suffix=".db")
        os.close(handle)
        self.path = Path(name)
        self.errors: list[SubscriberError] = []
        self.audience = Audience()
        self.db = sqlite3.connect(self.path, isolation_level=None)
        # A scratch file: nothing to recover after a crash, so no journal and no fsync.
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(_SCHEMA)
        self._cleanup = weakref.finalize(self, _remove, self.db, self.path)

    def __enter__(self) -> StagedAudience:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._cleanup()

    def chosen_sql(self, schema: str = "main") -> str:
        """The recipients as (seq, key, email, name, fields), seq their listing order (email
        as written): the ledger runs this with the file attached as `schema`."""
        return (f"SELECT e.seq AS seq, e.key AS key, e.email AS email, e.name AS name,"
                " e.fields AS fields"
                f" FROM {schema}.picks p JOIN {schema}.entries e ON e.seq = p.seq"
                " WHERE p.first = p.seq ORDER BY p.seq")

    @property
    def recipients(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM picks WHERE first = seq")
                   .fetchone()[0])

    @property
    def listed(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def warnings(self) -> list[str]:
        """One line per duplicate, naming where the address was first listed; and one when
        no one is chosen, naming the choice (an empty audience would send nothing, silently)."""
        empty = [] if self.recipients or self.errors else [
            f"no subscriber is in the audience ({self.audience}): nothing would be sent; "
            "check audience: in digest.yaml, --list and --tag"]
        return [f"{place}: duplicate of {first}; sending once" for place, first in self.db.execute(
            "SELECT e.place, f.place FROM picks p JOIN entries e ON e.seq = p.seq"
            " JOIN entries f ON f.seq = p.first WHERE p.first <> p.seq ORDER BY p.seq")] + empty

    def chosen(self) -> Iterator[Subscriber]:
        """The recipients in listing order, one at a time."""
        for entry in self.entries(chosen_only=True):
            yield entry.subscriber

    def fingerprint(self) -> str:
        """A digest of the recipients' mailbox keys in listing order: the same lists give the
        same one, so a ledger that planned them already need not plan them again."""
        digest = hashlib.sha256()
        for key in self.chosen_keys():
            digest.update(key.encode("utf-8") + b"\0")
        return digest.hexdigest()

    def chosen_keys(self) -> Iterator[str]:
        for (key,) in self.db.execute(f"SELECT key FROM ({self.chosen_sql()}) ORDER BY seq"):
            yield key

    def entries(self, chosen_only: bool = False) -> Iterator[Entry]:
        """Every listed row in listing order (or only the recipients), as entries."""
        sql = ("SELECT e.email, e.name, e.fields, e.list_name, e.tags, e.status, e.place"
               " FROM entries e")
        if chosen_only:
            sql += " JOIN picks p ON p.seq = e.seq AND p.first = p.seq"
        for email, name, fields, list_name, tags, status, place in self.db.execute(
                sql + " ORDER BY e.seq"):
            yield Entry(email, name, json.loads(fields), list_name,
                        frozenset(tags.split(";")) if tags else frozenset(), status, place)

    def count_by(self, column: str) -> dict[str, int]:
        """Listed rows per list (`list_name`) or per `status`."""
        if column not in ("list_name", "status"):
            raise ValueError(f"cannot count by {column!r}")
        return dict(self.db.execute(
            f"SELECT {column}, COUNT(*) FROM entries GROUP BY {column} ORDER BY {column}"))

    def absence_sql(self, key: str, schema: str = "main") -> str:
        """An SQL expression saying why the address whose key is `key` (an expression of
        the caller's query, such as a ledger column) is not a recipient, or NULL if it is:
        "unsubscribed in subscribers/x.csv:4" (its first stopping row), "no longer in any
        list", or "not in the selected lists/tags". Reads the file attached as `schema`."""
        entries = f"{schema}.entries"
        return (
            f"CASE WHEN EXISTS (SELECT 1 FROM {entries} e JOIN {schema}.picks p"
            f" ON p.seq = e.seq WHERE e.key = {key}) THEN NULL"
            f" WHEN EXISTS (SELECT 1 FROM {entries} e WHERE e.key = {key} AND e.active = 0)"
            f" THEN (SELECT e.status || ' in ' || e.place FROM {entries} e"
            f" WHERE e.key = {key} AND e.active = 0 ORDER BY e.seq LIMIT 1)"
            f" WHEN EXISTS (SELECT 1 FROM {entries} e WHERE e.key = {key})"
            " THEN 'not in the selected lists/tags'"
            " ELSE 'no longer in any list' END")

    def is_subscribed(self, key: str) -> bool:
        """Whether some row lists this address as subscribed."""
        return self.db.execute("SELECT 1 FROM entries WHERE key = ? AND active = 1",
                               (key,)).fetchone() is not None

    def stage(self, folder: Path, audience: Audience) -> None:
        """Read every list file into the staging table, then decide who receives it."""
        self.audience = audience
        seq = 0
        self.db.execute("BEGIN")  # one transaction: inserts are not each their own commit
        for path in list_files(folder):
            first_seq, first_error = seq, len(self.errors)
            batch: list[tuple[object, ...]] = []
            try:
                for item in read_list(path):
                    if isinstance(item, SubscriberError):
                        self.errors.append(item)
                        continue
                    seq += 1
                    batch.append(_row(seq, item, audience))
                    if len(batch) >= BATCH:
                        self._insert(batch)
                        batch = []
                self._insert(batch)
            except SubscriberError as broken:
                # The whole file is one problem: its rows and row errors go.
                self.db.execute("DELETE FROM entries WHERE seq > ?", (first_seq,))
                del self.errors[first_error:]
                self.errors.append(broken)
        self.decide()
        self.db.execute("COMMIT")  # on an error the caller throws the whole file away

    def decide(self) -> None:
        for statement in _DECIDE:
            self.db.execute(statement)

    def _insert(self, batch: list[tuple[object, ...]]) -> None:
        self.db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            batch)


_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps' output, one encoder


def _row(seq: int, entry: Entry, audience: Audience) -> tuple[object, ...]:
    return (seq, entry.key, entry.email, entry.name, _to_json(entry.fields), entry.list_name,
            ";".join(sorted(entry.tags)), entry.status, entry.active, audience.includes(entry),
            entry.where)


def _remove(db: sqlite3.Connection, path: Path) -> None:
    db.close()
    path.unlink(missing_ok=True)


def stage_lists(folder: Path, audience: Audience | None = None) -> StagedAudience:
    """Every list in `folder` staged, with every bad row in `errors`; the caller closes it."""
    staged = StagedAudience()
    if not folder.is_dir():
        staged.errors.append(SubscriberError(folder, "subscribers folder does not exist"))
        staged.decide()
        return staged
    try:
        staged.stage(folder, audience or Audience())
    except BaseException:
        staged.close()
        raise
    return staged

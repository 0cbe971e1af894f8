"""Where a delivery test keeps its ledger: a SQLite file, or a fresh PostgreSQL database of
the session's test cluster, migrated (the `ledger_backend` fixture in tests/conftest.py).

    def test_x(ledger_backend: LedgerBackend, make_workspace: WorkspaceFactory) -> None:
        with ledger_backend.ledger() as ledger: ...           # delivery.ledger.Ledger
        make_workspace(root, "delivery", database=ledger_backend.database)
        ledger_backend.rows()                                 # {email: (state, in_flight)}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest

from digest.delivery.ledger import Ledger
from digest.storage.database import open_database
from digest.storage.locations import DatabaseLocation, Engine, parse_location
from digest.storage.schema import migrate
from tests.support.delivery import WEEK

# For @pytest.mark.parametrize: PostgreSQL starts a server (once per session), so it is slow.
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


class StoredRow(NamedTuple):
    state: str
    in_flight: int
    worker: str | None  # the sender that claimed it last (host:pid); None: never claimed
    attempts: int


@dataclass(frozen=True)
class LedgerBackend:
    engine: Engine
    database: str  # what `storage.database` says: the SQLite file, or the PostgreSQL URL
    location: DatabaseLocation

    @classmethod
    def at(cls, database: str) -> LedgerBackend:
        """The ledger at `database` (an absolute path or a URL); PostgreSQL is migrated, as
        `digest db migrate` would."""
        location = parse_location(database, Path("/"), {})
        if location.engine == Engine.POSTGRESQL:
            with open_database(location) as opened:
                migrate(opened)
        return cls(location.engine, database, location)

    @property
    def shared(self) -> bool:
        return self.engine == Engine.POSTGRESQL

    def ledger(self, worker: str | None = None) -> Ledger:
        return Ledger(self.location, worker=worker)

    def rows(self, edition: str = WEEK) -> dict[str, tuple[str, int]]:
        """Each recipient's state and in-flight mark, read through a connection of its own."""
        return {email: (row.state, row.in_flight) for email, row in self.details(edition).items()}

    def details(self, edition: str = WEEK) -> dict[str, StoredRow]:
        """Each recipient's row as stored: state, in-flight mark, sender, attempts."""
        with open_database(self.location, readonly=True) as database:
            return {row["email"]: StoredRow(row["state"], int(row["in_flight"]), row["worker"],
                                            int(row["attempts"])) for row in database.execute(
                "SELECT email, state, in_flight, worker, attempts FROM deliveries"
                " WHERE edition=?", (edition,))}

    def workers(self, edition: str = WEEK) -> dict[str, str | None]:
        """Each recipient's sender (the `worker` column; None: never claimed)."""
        return {email: row.worker for email, row in self.details(edition).items()}

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

import pytest

from digest.delivery.ledger import Ledger
from digest.storage.database import open_database
from digest.storage.locations import DatabaseLocation, Engine, parse_location
from digest.storage.schema import migrate
from tests.support.delivery import WEEK

# For @pytest.mark.parametrize: PostgreSQL starts a server (once per session), so it is slow.
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


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
        with open_database(self.location, readonly=True) as database:
            return {row["email"]: (row["state"], int(row["in_flight"])) for row in
                    database.execute("SELECT email, state, in_flight FROM deliveries"
                                     " WHERE edition=?", (edition,))}

    def workers(self, edition: str = WEEK) -> dict[str, str | None]:
        """Each recipient's sender (the `worker` column; None: never claimed)."""
        with open_database(self.location, readonly=True) as database:
            return {row["email"]: row["worker"] for row in database.execute(
                "SELECT email, worker FROM deliveries WHERE edition=?", (edition,))}

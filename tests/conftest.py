"""Fixtures every test module may use: a real SMTP server, the workspace factory, a real
PostgreSQL (started once per session, when a test first asks for it) and a ledger on
either engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import ENGINES, LedgerBackend
from tests.support.postgres import PostgresServer, PostgresTestDatabase
from tests.support.smtp_server import SmtpServer
from tests.support.smtp_sink import SmtpSink
from tests.support.workspaces import WorkspaceFactory


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """Postfix's smtp-sink on a free port (tests/support/smtp_sink.py), every transaction
    dumped; skipped where Postfix is not installed."""
    with SmtpSink() as sink:
        yield sink
    sink.remove_dumps()


@pytest.fixture(scope="session")
def make_workspace() -> WorkspaceFactory:
    """Build a test workspace from a preset (tests/support/workspaces.py), e.g.
    `make_workspace(tmp_path / "ws", "delivery", subscribers=emails, smtp_url=server.url)`,
    or its Settings: `make_workspace.settings(tmp_path / "ws", "rendering")`."""
    return WorkspaceFactory()


@pytest.fixture
def workspace(tmp_path: Path, make_workspace: WorkspaceFactory) -> Path:
    """The Estuary Weekly (the `weekly` preset) in tmp_path/news."""
    return make_workspace(tmp_path / "news", "weekly")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster in a temporary folder (tests/support/postgres.py); the test is
    skipped where PostgreSQL is not installed."""
    with PostgresServer.started() as server:
        yield server


@pytest.fixture
def postgres(postgres_server: PostgresServer) -> Iterator[PostgresTestDatabase]:
    """A fresh, empty database of that cluster: `.url`, `.password_url`; dropped after."""
    with postgres_server.fresh_database() as database:
        yield database


@pytest.fixture(params=ENGINES)
def ledger_backend(request: pytest.FixtureRequest, tmp_path: Path) -> LedgerBackend:
    """The test runs twice: its ledger a SQLite file (tmp_path/digest.db), then a fresh,
    migrated PostgreSQL database (tests/support/backends.py)."""
    if request.param == "sqlite":
        return LedgerBackend.at(str(tmp_path / "digest.db"))
    database: PostgresTestDatabase = request.getfixturevalue("postgres")
    return LedgerBackend.at(database.url)

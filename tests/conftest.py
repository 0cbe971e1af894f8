"""Fixtures every test module may use: a real SMTP server and the workspace factory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


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

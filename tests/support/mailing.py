"""The `audience` workspace (una, vic and wren in subscribers/readers.csv) set to mail a
test's SMTP server, for tests that run `digest` in-process and count who got mail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.audience import SECRET
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory


def mailing_workspace(root: Path, make_workspace: WorkspaceFactory, server: SmtpServer,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIGEST_SMTP_URL", server.url)
    monkeypatch.setenv("DIGEST_SECRET", SECRET)
    return make_workspace(root, "audience")

"""The SMTP password never crosses a connection without TLS unless the editor allows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from digest.cli.main import main
from digest.delivery.ledger import Ledger
from digest.errors import ExitCode
from tests.support.delivery import WEEK
from tests.support.smtp_server import RecordingHandler, SmtpServer
from tests.support.workspaces import WorkspaceFactory

READERS = ["ann@tide.example", "bob@tide.example", "cy@tide.example"]
PASSWORD = "tide-relay-password"


@dataclass
class LoginHandler(RecordingHandler):
    """Records every AUTH command the server is sent and every login it accepts."""

    auth_commands: list[str] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                     mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        return AuthResult(success=True)


class AuthWatchingSMTP(SMTP):
    """aiosmtpd's server, offering AUTH without TLS and noting each AUTH command."""

    async def smtp_AUTH(self, arg: str) -> None:
        self.event_handler.auth_commands.append(arg.split(" ")[0] if arg else "")
        await super().smtp_AUTH(arg)


@pytest.fixture
def server() -> Any:
    handler = LoginHandler()
    with SmtpServer(handler, server_class=AuthWatchingSMTP, auth_require_tls=False,
                    authenticator=handler.authenticate) as running:
        yield running


def _send(workspace: Path) -> int:
    return main(["send", "--yes", "--force", "--workspace", str(workspace), "--week", WEEK])


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "auth-test-secret")
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", PASSWORD)
    monkeypatch.delenv("DIGEST_SMTP_URL", raising=False)


def test_login_without_tls_is_refused_before_auth(tmp_path: Path, server: SmtpServer,
                                                  capsys: pytest.CaptureFixture[str],
                                                  make_workspace: WorkspaceFactory) -> None:
    handler = server.handler
    assert isinstance(handler, LoginHandler)
    workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=READERS,
                               smtp_url=f"smtp://digest@{server.host}:{server.port}")
    assert _send(workspace) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert f"{server.host}:{server.port}: refusing to send the SMTP password" in err
    assert "smtps://" in err and "?starttls=true" in err
    assert "smtp.allow_plaintext_auth: true" in err
    assert PASSWORD not in err and "Traceback" not in err
    assert handler.auth_commands == [] and handler.logins == []  # the server saw no AUTH
    assert handler.received == []
    with Ledger(workspace / "digest.db") as ledger:
        counts = ledger.counts(WEEK)
    assert counts["pending"] == len(READERS) and counts["sent"] == 0  # kept for a rerun


def test_the_flag_allows_a_plaintext_login(tmp_path: Path, server: SmtpServer,
                                          make_workspace: WorkspaceFactory) -> None:
    handler = server.handler
    assert isinstance(handler, LoginHandler)
    url = f"smtp://digest@{server.host}:{server.port}\n  allow_plaintext_auth: true"
    workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=READERS, smtp_url=url)
    assert _send(workspace) == ExitCode.OK
    assert handler.auth_commands and set(handler.logins) == {(b"digest", PASSWORD.encode())}
    assert sorted(r.rcpt_tos[0] for r in handler.received) == READERS


def test_no_user_name_sends_without_logging_in(tmp_path: Path, server: SmtpServer,
                                               make_workspace: WorkspaceFactory) -> None:
    handler = server.handler
    assert isinstance(handler, LoginHandler)
    workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=READERS,
                               smtp_url=server.url)
    assert _send(workspace) == ExitCode.OK
    assert handler.auth_commands == [] and len(handler.received) == len(READERS)

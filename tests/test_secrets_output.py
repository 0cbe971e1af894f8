"""Nothing secret or personal in what the commands print at the default level.

Each command runs as a real child process; everything it writes to stdout and stderr is
searched for the SMTP password, DIGEST_SECRET, and every subscriber address and name.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from digest.cli.main import main
from tests.support.audience import SECRET, digest_env, run_digest
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory

PASSWORD = "correct-horse-battery-staple-42"
PERSONAL = ("una@example.org", "vic@example.net", "wren@example.com", "Una Pike",
            "Marsh, Vic", "Wren Odell", "una", "wren", "Marsh")


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # let aiosmtpd send the 535 reply


def printed(result: Any) -> str:
    return f"{result.stdout}\n{result.stderr}"


def assert_clean(output: str) -> None:
    assert PASSWORD not in output
    assert SECRET not in output
    lowered = output.lower()
    for personal in PERSONAL:
        assert personal.lower() not in lowered, personal


@pytest.fixture
def workspace(tmp_path: Path, make_workspace: WorkspaceFactory) -> Path:
    return make_workspace(tmp_path / "ws", "audience")


def allow_plaintext_login(workspace: Path) -> None:
    """The test server offers AUTH without TLS, as a relay on localhost may."""
    config = workspace / "digest.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("smtp:\n", "smtp:\n  allow_plaintext_auth: true\n"),
                      encoding="utf-8")


@pytest.fixture
def auth_server() -> Any:
    with SmtpServer(authenticator=authenticate, auth_require_tls=False) as server:
        yield server


@pytest.mark.slow
def test_wrong_smtp_password_stops_without_printing_it(workspace: Path,
                                                      auth_server: SmtpServer) -> None:
    allow_plaintext_login(workspace)
    url = f"smtp://editor@{auth_server.host}:{auth_server.port}"
    env = digest_env(DIGEST_SECRET=SECRET, DIGEST_SMTP_URL=url,
                     DIGEST_SMTP_PASSWORD=PASSWORD + "-wrong")
    result = run_digest("weekly", "-w", str(workspace), "--week", "2026-W10", "--yes",
                        "--force", env=env)
    assert result.returncode == 3
    assert "authentication failed" in result.stderr
    assert PASSWORD + "-wrong" not in printed(result)
    assert_clean(printed(result))
    assert auth_server.received == []


@pytest.mark.slow
def test_a_good_run_prints_counts_only(workspace: Path, auth_server: SmtpServer) -> None:
    allow_plaintext_login(workspace)
    url = f"smtp://editor@{auth_server.host}:{auth_server.port}"
    env = digest_env(DIGEST_SECRET=SECRET, DIGEST_SMTP_URL=url, DIGEST_SMTP_PASSWORD=PASSWORD)
    result = run_digest("weekly", "-w", str(workspace), "--week", "2026-W10", "--yes",
                        "--force", env=env)
    assert result.returncode == 0, result.stderr
    assert len(auth_server.received) == 3  # the run did reach every subscriber
    assert_clean(printed(result))


@pytest.mark.slow
def test_password_in_the_url_is_refused_without_echoing_it(workspace: Path) -> None:
    env = digest_env(DIGEST_SECRET=SECRET,
                     DIGEST_SMTP_URL=f"smtp://editor:{PASSWORD}@127.0.0.1:2525")
    result = run_digest("weekly", "-w", str(workspace), "--week", "2026-W10", env=env)
    assert result.returncode == 2
    assert "DIGEST_SMTP_PASSWORD" in result.stderr
    assert_clean(printed(result))


def test_subscriber_commands_and_serve_errors_stay_clean(
        workspace: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    # In this process (fast); capfd sees the file descriptors, so nothing escapes it.
    monkeypatch.setenv("DIGEST_SECRET", SECRET)
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", PASSWORD)
    (workspace / "subscribers" / "bad.csv").write_text(
        "email,name\nnot-an-address,Secretive Person\n", encoding="utf-8")
    ws = ["-w", str(workspace)]
    codes = [main(["subscribers", "check", *ws]), main(["subscribers", "count", *ws]),
             main(["subscribers", "unsubscribe", "una@example.org", *ws]),
             main(["subscribers", "resubscribe", "una@example.org", *ws])]
    assert codes == [1, 1, 0, 0]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", *ws, "--port", str(port)]) == 1
    monkeypatch.delenv("DIGEST_SECRET")
    assert main(["serve", *ws]) == 2
    output = capfd.readouterr()
    text = f"{output.out}\n{output.err}"
    assert "bad.csv:2: invalid email address" in text
    assert f"127.0.0.1:{port}: cannot listen" in text
    assert "DIGEST_SECRET: not set" in text
    assert_clean(text)
    assert "Secretive Person" not in text

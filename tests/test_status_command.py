"""`digest send`, `status` and `retry` end to end against a real SMTP server."""

from __future__ import annotations

import json
from pathlib import Path

import dkim
import pytest

from digest.cli.main import main
from digest.config import load_settings
from digest.delivery.dkim import Signer
from tests.support.delivery import WEEK, FaultHandler
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory
from tests.test_dkim_signing import write_key

EMAILS = ["ok1@tide.example", "ok2@tide.example", "r550@tide.example", "d554@tide.example",
          "drop@tide.example", "r451x1@tide.example"]


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "status-test-secret")


def run(capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main([*args, "--workspace", str(workspace), "--week", WEEK])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_status_lists_exactly_the_failed_and_uncertain(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       make_workspace: WorkspaceFactory) -> None:
    handler = FaultHandler()
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path, "delivery", subscribers=EMAILS, smtp_url=server.url)
        code, out = run(capsys, workspace, "send", "--yes", "--force")
        assert code == 1, out  # failed and uncertain rows make the run exit non-zero
        assert "digest status --week 2026-W48" in out
        code, out = run(capsys, workspace, "status", "--json")
    assert code == 0
    status = json.loads(out)
    assert status["counts"] == {"pending": 0, "sending": 0, "sent": 3, "deferred": 0,
                                "failed": 2, "uncertain": 1, "suppressed": 0}
    assert status["sent"] == 3
    assert {e["email"]: e["code"] for e in status["failed"]} == {"r550@tide.example": 550,
                                                                 "d554@tide.example": 554}
    assert [e["email"] for e in status["uncertain"]] == ["drop@tide.example"]
    assert all(e["reply"] for e in status["failed"] + status["uncertain"])
    code, out = run(capsys, workspace, "status")
    assert "r550@tide.example  550" in out and "drop@tide.example" in out
    assert "ok1@tide.example" not in out


def test_retry_failed_resends_only_failed_rows(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               make_workspace: WorkspaceFactory) -> None:
    handler = FaultHandler()
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path, "delivery", subscribers=EMAILS[:3],
                                   smtp_url=server.url)
        run(capsys, workspace, "send", "--yes", "--force")
        code, out = run(capsys, workspace, "retry", "--failed")
        assert code == 1  # r550 is refused again
        assert "1 failed message(s) queued again" in out
    assert handler.tries["r550@tide.example"] == 2
    assert handler.count_to("ok1@tide.example") == 1


def test_send_to_one_address_leaves_the_ledger_alone(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     make_workspace: WorkspaceFactory) -> None:
    handler = FaultHandler()
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path, "delivery", subscribers=EMAILS, smtp_url=server.url)
        code, out = run(capsys, workspace, "send", "--to", "editor@tide.example")
        assert code == 0, out
        assert [r.rcpt_tos for r in handler.received] == [["editor@tide.example"]]
        code, out = run(capsys, workspace, "send", "--to", "editor@@tide")
        assert code == 1 and "--to 'editor@@tide'" in out
    assert not (workspace / "digest.db").exists()


def test_dry_run_connects_to_nothing_and_writes_nothing(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        make_workspace: WorkspaceFactory) -> None:
    with SmtpServer(FaultHandler()) as server:
        workspace = make_workspace(tmp_path, "delivery", subscribers=EMAILS, smtp_url=server.url)
        code, out = run(capsys, workspace, "send", "--dry-run")
        assert server.received == []
    assert code == 0
    assert "6 recipient(s), 0 already done, 6 would be sent now" in out
    assert not (workspace / "digest.db").exists()


def test_sent_mail_is_dkim_signed_when_configured(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  make_workspace: WorkspaceFactory) -> None:
    key = write_key(tmp_path / "dkim.pem", "ed25519")
    handler = FaultHandler()
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path / "news", "delivery", subscribers=EMAILS[:2],
                                   smtp_url=server.url,
                                   extra_config=f"dkim:\n  selector: s1\n  key: {key}\n")
        code, out = run(capsys, workspace, "send", "--yes", "--force")
        assert code == 0, out
    dkim_settings = load_settings(workspace).dkim
    assert dkim_settings is not None
    signer = Signer.from_settings(dkim_settings)
    for received in handler.received:
        assert dkim.verify(received.data, dnsfunc=lambda name, timeout=5: signer.keys[0].dns_record().encode())

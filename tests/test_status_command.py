"""`digest send`, `status` and `retry` end to end against a real SMTP server."""

from __future__ import annotations

import json
from pathlib import Path

import dkim
import pytest

from digest.cli.main import main
from digest.config import load_settings
from digest.delivery.dkim import Signer
from digest.delivery.ledger import Ledger, Outcome
from digest.delivery.states import DeliveryState
from tests.support.delivery import WEEK, FaultHandler, plan_rows
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
    # Every state is counted, those no row is in as 0. (A refusal at RCPT that does not
    # say the mailbox is unknown, as `550 5.0.0` here, stays failed: not bounced.)
    assert status["counts"] == {"pending": 0, "sending": 0, "sent": 3, "deferred": 0,
                                "failed": 2, "uncertain": 1, "suppressed": 0, "bounced": 0,
                                "complained": 0, "skipped": 0}
    assert status["sent"] == 3
    assert status["deferred"] == status["bounced"] == status["complained"] == []
    assert {e["email"]: e["code"] for e in status["failed"]} == {"r550@tide.example": 550,
                                                                 "d554@tide.example": 554}
    assert [e["email"] for e in status["uncertain"]] == ["drop@tide.example"]
    assert all(e["reply"] for e in status["failed"] + status["uncertain"])
    code, out = run(capsys, workspace, "status")
    assert "r550@tide.example  550" in out and "drop@tide.example" in out
    assert "ok1@tide.example" not in out


def test_status_lists_deferred_bounced_complained_and_skipped_rows_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        make_workspace: WorkspaceFactory) -> None:
    """Rows in every state a send or `digest bounces` leaves, written to a real ledger:
    each listed state shows its rows, by the address as the list wrote it."""
    workspace = make_workspace(tmp_path, "delivery")
    retry_at = 1_900_000_000.0  # 2030-03-17T17:46:40+00:00
    outcomes = [
        Outcome("later@tide.example", DeliveryState.DEFERRED, 451, "4.2.0 mailbox busy",
                retry_at=retry_at),
        Outcome("gone@tide.example", DeliveryState.BOUNCED, 550, "5.1.1 no such user"),
        Outcome("angry@tide.example", DeliveryState.COMPLAINED, None, "abuse report"),
        Outcome("left@tide.example", DeliveryState.SKIPPED, None, "left the audience"),
        Outcome("fine@tide.example", DeliveryState.SENT, 250, "queued")]
    with Ledger(workspace / "digest.db") as ledger:
        plan_rows(ledger, ["Later@Tide.Example", "GONE@tide.example", "angry@tide.example",
                           "left@tide.example", "fine@tide.example"])
        ledger.record(WEEK, outcomes)
    code, out = run(capsys, workspace, "status", "--json")
    assert code == 0
    status = json.loads(out)
    assert {state: n for state, n in status["counts"].items() if n} == {
        "sent": 1, "deferred": 1, "bounced": 1, "complained": 1, "skipped": 1}
    assert status["sent"] == 1 and status["total"] == 5
    (deferred,) = status["deferred"]
    assert (deferred["email"], deferred["code"], deferred["retry_at"]) == (
        "Later@Tide.Example", 451, "2030-03-17T17:46:40+00:00")
    assert [(e["email"], e["code"]) for e in status["bounced"]] == [("GONE@tide.example", 550)]
    assert [e["email"] for e in status["complained"]] == ["angry@tide.example"]
    assert [e["reply"] for e in status["skipped"]] == ["left the audience"]
    assert status["failed"] == status["uncertain"] == []
    code, out = run(capsys, workspace, "status")
    assert "deferred:\n  Later@Tide.Example  451  retry at 2030-03-17T17:46:40+00:00  " \
        "4.2.0 mailbox busy" in out
    assert "bounced:\n  GONE@tide.example  550  5.1.1 no such user" in out
    assert "complained:\n  angry@tide.example  -  abuse report" in out
    assert "fine@tide.example" not in out


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

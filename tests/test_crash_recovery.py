"""kill -9 the sender mid-run, restart it: nothing lost, duplicates only where uncertain."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from digest.cli.main import main
from tests.support.delivery import WEEK, FaultHandler
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory

pytestmark = pytest.mark.slow  # the sender runs as a child process, killed mid-run

EMAILS = [f"member{i}@tide.example" for i in range(40)]


def digest(workspace: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DIGEST_SECRET": "crash-test-secret"}
    return subprocess.Popen(
        [sys.executable, "-m", "digest", *args, "--workspace", str(workspace), "--week", WEEK],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_cli(capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> tuple[int, str]:
    """The restart runs in this process: only the run that gets killed needs its own."""
    capsys.readouterr()
    code = main([*args, "--workspace", str(workspace), "--week", WEEK])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def status(capsys: pytest.CaptureFixture[str], workspace: Path) -> dict[str, object]:
    code, out = run_cli(capsys, workspace, "status", "--json")
    assert code == 0, out
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.parametrize(("kill_after", "hold_reply"), [(1, False), (12, True), (30, False)])
def test_kill_and_restart_loses_nothing(tmp_path: Path, kill_after: int, hold_reply: bool,
                                        capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch,
                                        make_workspace: WorkspaceFactory) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "crash-test-secret")
    killed = threading.Event()
    reached = threading.Event()

    def on_message(count: int) -> None:
        if count == kill_after:
            reached.set()
            if hold_reply:  # the server has the message; the sender dies before the reply
                killed.wait(10)

    handler = FaultHandler(on_message=on_message)
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path / "news", "delivery", subscribers=EMAILS,
                                   smtp_url=server.url, delivery="  rate: 40\n")
        first = digest(workspace, "send", "--yes", "--force")
        assert reached.wait(60), first.communicate()[1]
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed.set()
        assert first.returncode == -signal.SIGKILL

        _, err = run_cli(capsys, workspace, "send", "--rate", "0", "--yes", "--force")
        assert "in flight when an earlier run stopped" in err or not hold_reply, err
        after_restart = status(capsys, workspace)
        uncertain = {entry["email"] for entry in after_restart["uncertain"]}  # type: ignore[attr-defined]
        assert after_restart["sent"] + len(uncertain) == len(EMAILS)  # type: ignore[operator]
        if hold_reply:
            assert uncertain  # the held message's fate was unknown to the ledger

        code, err = run_cli(capsys, workspace, "retry", "--uncertain")
        assert code == 0, err
        final = status(capsys, workspace)

    received = Counter(r.rcpt_tos[0] for r in handler.received)
    assert set(received) == set(EMAILS)  # nothing lost
    duplicates = {email for email, n in received.items() if n > 1}
    assert duplicates <= uncertain  # a duplicate only where the ledger said uncertain
    assert all(n <= 2 for n in received.values())
    assert final["sent"] == len(EMAILS)
    # A resend carries the same Message-ID as the first copy.
    for email in duplicates:
        ids = {r.message["Message-ID"] for r in handler.received if r.rcpt_tos[0] == email}
        assert len(ids) == 1

"""kill -9 the sender at several points, restart it: the rows left uncertain are at most the
messages in flight (two per pipelining connection, one per other connection), nothing is
lost, and a recipient gets a second copy only where the ledger said uncertain. On SQLite
and on PostgreSQL, where the restart recovers the dead sender's rows once its lease (a
short `delivery.lease` here) has run out."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from digest.cli.main import main
from tests.support.backends import LedgerBackend
from tests.support.delivery import WEEK
from tests.support.pipelining import PipeliningHandler, PipeliningSMTP
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory

pytestmark = pytest.mark.slow  # the sender runs as a child process, killed mid-run

CONNECTIONS = 3
# What docs/DELIVERY.md promises: the message being written on each connection and, where
# the server pipelines, the next one, marked in flight behind it.
BOUND = {True: 2 * CONNECTIONS, False: CONNECTIONS}


@dataclass(frozen=True)
class KillPoint:
    """When the sender dies: as the server takes message `at` (holding its reply, so the
    sender dies waiting for it), or a moment after it from the test's own thread."""

    recipients: int
    at: int
    rate: float = 0  # messages per second; 0: as fast as it goes
    in_handler: bool = True  # killed while the server holds message `at`'s reply
    pipelining: bool = True


POINTS = {
    "first-message": KillPoint(40, 1),
    "mid-run": KillPoint(240, 90),
    "near-the-end": KillPoint(240, 235),
    "paced-rows-waiting-for-the-limiter": KillPoint(60, 12, rate=40),
    "after-a-reply": KillPoint(240, 120, in_handler=False),
    "no-pipelining": KillPoint(240, 90, pipelining=False),
}


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
    assert code in (0, 1), out
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.parametrize("point", POINTS.values(), ids=POINTS.keys())
def test_kill_and_restart_leaves_at_most_the_messages_in_flight_uncertain(
        tmp_path: Path, point: KillPoint, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, make_workspace: WorkspaceFactory,
        ledger_backend: LedgerBackend) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "crash-test-secret")
    emails = [f"member{i}@tide.example" for i in range(point.recipients)]
    reached = threading.Event()
    sender: list[subprocess.Popen[str]] = []
    held: list[str] = []  # the recipient whose reply the server held as the sender died

    def on_message(count: int) -> None:
        if count == point.at:
            if point.in_handler:  # the server has the message; the sender dies before the reply
                os.kill(sender[0].pid, signal.SIGKILL)
                held.append(handler.received[count - 1].rcpt_tos[0])
            reached.set()

    handler = PipeliningHandler(on_message=on_message, pipelining=point.pipelining)
    with SmtpServer(handler, server_class=PipeliningSMTP) as server:
        workspace = make_workspace(tmp_path / "news", "delivery", subscribers=emails,
                                   smtp_url=server.url, database=ledger_backend.database,
                                   delivery=f"  rate: {point.rate}\n  lease: 5\n")
        sender.append(digest(workspace, "send", "--yes", "--force",
                             "--connections", str(CONNECTIONS)))
        assert reached.wait(60), sender[0].communicate()[1]
        sender[0].send_signal(signal.SIGKILL)
        sender[0].communicate(timeout=10)
        assert sender[0].returncode == -signal.SIGKILL

        left = ledger_backend.rows()  # as the killed sender left them
        seen = Counter(r.rcpt_tos[0] for r in handler.received)
        marked = {email for email, row in left.items() if row == ("sending", 1)}
        # Nothing left the sender before its row said so: every message the server has is
        # recorded sent or marked in flight.
        assert all(left[email] in (("sent", 0), ("sending", 1)) for email in seen), left
        assert len(marked) <= BOUND[point.pipelining], marked
        assert set(held) <= marked  # the message whose reply never came
        if point.rate:  # claimed rows only waiting for the rate limiter were not marked
            assert any(row == ("sending", 0) for row in left.values()), left

        code, err = run_cli(capsys, workspace, "send", "--rate", "0", "--yes", "--force")
        assert code in (0, 1), err
        assert "Traceback" not in err
        # On SQLite the restart holds the workspace lock: the dead run's rows are recovered
        # at once. On PostgreSQL, as their leases run out, while the restart sends.
        said = re.findall(r"(\d+) message\(s\) (?:were in flight when an earlier run|another"
                          r" sender had in flight)", err)
        assert sum(map(int, said)) == len(marked), err
        after_restart = status(capsys, workspace)
        uncertain = {entry["email"] for entry in after_restart["uncertain"]}  # type: ignore[attr-defined]
        assert uncertain == marked  # exactly the rows in flight, none of the rest
        assert after_restart["sent"] + len(uncertain) == len(emails)  # type: ignore[operator]

        code, err = run_cli(capsys, workspace, "retry", "--uncertain")
        assert code == 0, err
        final = status(capsys, workspace)

    received = Counter(r.rcpt_tos[0] for r in handler.received)
    assert set(received) == set(emails)  # nothing lost
    duplicates = {email for email, n in received.items() if n > 1}
    assert duplicates <= uncertain  # no unmarked duplicate: each was marked and resent
    assert all(n <= 2 for n in received.values())
    assert final["sent"] == len(emails)
    # A resend carries the same Message-ID as the first copy.
    for email in duplicates:
        ids = {r.message["Message-ID"] for r in handler.received if r.rcpt_tos[0] == email}
        assert len(ids) == 1

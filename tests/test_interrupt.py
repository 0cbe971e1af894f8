"""Ctrl-C or SIGTERM during a paced send: rows not yet started, those only waiting for the
rate limiter included, go back to pending; only the few a connection was actually writing
are left for the next run to mark uncertain."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from digest.delivery.ledger import Ledger
from tests.support.delivery import WEEK, FaultHandler
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory

pytestmark = pytest.mark.slow  # the sender runs as a child process, at 20 messages/s

EMAILS = [f"member{i}@tide.example" for i in range(60)]
CONNECTIONS = 2


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_send_gives_back_what_it_had_not_started(tmp_path: Path,
                                                             stop: signal.Signals,
                                                             make_workspace: WorkspaceFactory
                                                             ) -> None:
    reached = threading.Event()
    handler = FaultHandler(on_message=lambda count: reached.set() if count == 5 else None)
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=EMAILS,
                                   smtp_url=server.url, delivery="  rate: 20\n")
        env = {**os.environ, "DIGEST_SECRET": "interrupt-secret"}
        process = subprocess.Popen(
            [sys.executable, "-m", "digest", "send", "--yes", "--force", "--workspace",
             str(workspace), "--week", WEEK, "--connections", str(CONNECTIONS)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert reached.wait(30), "the sender never got going"
        process.send_signal(stop)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err

        with sqlite3.connect(workspace / "digest.db") as db:
            rows = {email: (state, in_flight, attempts) for email, state, in_flight, attempts
                    in db.execute("SELECT email, state, in_flight, attempts FROM deliveries")}
        counts = Counter(state for state, _, _ in rows.values())
        received = Counter(r.rcpt_tos[0] for r in handler.received)
        # Only messages a connection was writing stay `sending`, marked in flight (the next
        # run marks them uncertain); every row no connection had started on, those waiting
        # for a token from the rate limiter too, is pending again as if never claimed.
        left = {email for email, (state, _, _) in rows.items() if state == "sending"}
        assert len(left) <= CONNECTIONS
        assert all(rows[email][1] == 1 for email in left)
        pending = {email for email, (state, _, _) in rows.items() if state == "pending"}
        assert all(rows[email][1:] == (0, 0) for email in pending)
        assert not pending & set(received)  # none given back had left
        assert counts["sent"] <= len(received) <= counts["sent"] + counts["sending"]
        assert counts["sent"] + counts["pending"] + counts["sending"] == len(EMAILS)

        again = subprocess.run(
            [sys.executable, "-m", "digest", "send", "--yes", "--force", "--workspace",
             str(workspace), "--week", WEEK], env=env, capture_output=True, text=True,
            timeout=60, check=False)
        assert again.returncode in (0, 1), again.stderr  # 1: some are uncertain
    with Ledger(workspace / "digest.db") as ledger:
        final = ledger.counts(WEEK)
        uncertain = {row.subscriber.email for row in ledger.rows(WEEK, ("uncertain",))}
    received = Counter(r.rcpt_tos[0] for r in handler.received)
    assert uncertain == left  # exactly the rows in flight
    assert set(received) | uncertain == set(EMAILS)  # nothing lost
    assert all(n == 1 for n in received.values())  # nothing doubled
    assert final["sent"] + final["uncertain"] == len(EMAILS)

"""Messages built and signed in worker processes: the same mail, every promise of the ledger
kept, and no worker outliving its sender, whether it ends, is interrupted or is killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import dkim
import pytest

from digest.cli.pipeline import prepare_edition
from digest.config import load_settings
from digest.delivery.builders import BuildProcesses, build_processes, message_builder
from digest.delivery.dkim import Signer
from digest.delivery.ledger import Delivery, Ledger
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import RecordedProgress
from digest.delivery.states import DeliveryState
from digest.models import Subscriber
from digest.rendering.messages import MessageFactory
from digest.settings import Settings
from digest.weeks import parse_week
from tests.support.delivery import WEEK, FaultHandler, fast_retries, smtp_for
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory
from tests.test_dkim_signing import write_key

EMAILS = [f"member{i}@tide.example" for i in range(40)]
SIGNED = "dkim:\n  selector: s2026\n  key: dkim.pem\n"


def signed_workspace(root: Path, make_workspace: WorkspaceFactory, smtp_url: str,
                     delivery: str = "") -> Path:
    make_workspace(root, "delivery", subscribers=EMAILS, smtp_url=smtp_url,
                   delivery=delivery, extra_config=SIGNED)
    write_key(root / "dkim.pem", "ed25519")
    return root


def factory_for(settings: Settings) -> MessageFactory:
    prepared = prepare_edition(settings, parse_week(WEEK), with_subscribers=False)
    return MessageFactory(prepared.rendered, settings, "builder-test-secret")


def verifies(settings: Settings, message: bytes) -> bool:
    assert settings.dkim is not None
    record = Signer.from_settings(settings.dkim).keys[0].dns_record().encode()
    return bool(dkim.verify(message, dnsfunc=lambda name, timeout=5: record))


def test_workers_build_and_sign_what_the_sender_would(tmp_path: Path,
                                                      make_workspace: WorkspaceFactory) -> None:
    handler = FaultHandler()
    with SmtpServer(handler) as server:
        root = signed_workspace(tmp_path / "ws", make_workspace, server.url)
        settings = load_settings(root, env={})
        factory = factory_for(settings)
        ledger = Ledger(settings.db_path)
        ledger.plan(WEEK, ((s, factory.message_id(s)) for s in map(Subscriber, EMAILS)))

        async def send() -> None:
            builders = BuildProcesses(settings, factory, processes=2)
            await builders.start()
            try:
                pool = ConnectionPool(ledger, WEEK, smtp_for(server.port), factory.sender,
                                      message_builder(settings, factory), RecordedProgress(),
                                      fast_retries(), crlf=True, builders=builders)
                await pool.run()
            finally:
                builders.close()

        asyncio.run(send())
    assert ledger.counts(WEEK)[DeliveryState.SENT] == len(EMAILS)
    assert sorted(r.rcpt_tos[0] for r in handler.received) == sorted(EMAILS)
    inline = message_builder(settings, factory)
    for received in handler.received:
        email = received.rcpt_tos[0]
        assert verifies(settings, received.data), email
        expected = inline(Delivery(WEEK, Subscriber(email),
                                   factory.message_id(Subscriber(email)),
                                   DeliveryState.SENDING, 1))
        assert received.message["Message-ID"] == _header(expected, b"Message-ID")
        assert received.message["List-Unsubscribe"] == _header(expected, b"List-Unsubscribe")


def test_a_large_signed_run_builds_in_other_processes_unless_told_not_to(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGEST_BUILD_PROCESSES", raising=False)
    cores = len(os.sched_getaffinity(0))
    assert build_processes(10, signing=True) == 0
    assert build_processes(100_000, signing=True) == (cores if cores > 1 else 0)
    assert build_processes(100_000, signing=False) == 0
    monkeypatch.setenv("DIGEST_BUILD_PROCESSES", "0")
    assert build_processes(100_000, signing=True) == 0
    monkeypatch.setenv("DIGEST_BUILD_PROCESSES", "2")
    assert build_processes(10, signing=False) == 2


def _header(message: bytes, name: bytes) -> str:
    for line in message.split(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(name.lower() + b":"):
            return line.split(b":", 1)[1].strip().decode()
    raise AssertionError(f"no {name!r} header")


def children_of(pid: int) -> set[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_workers_end_with_their_sender_and_nothing_is_lost(
        tmp_path: Path, stop: signal.Signals, make_workspace: WorkspaceFactory) -> None:
    reached = threading.Event()
    handler = FaultHandler(on_message=lambda count: reached.set() if count == 8 else None)
    with SmtpServer(handler) as server:
        root = signed_workspace(tmp_path / "ws", make_workspace, server.url, "  rate: 40\n")
        env = {**os.environ, "DIGEST_SECRET": "builder-secret", "DIGEST_BUILD_PROCESSES": "1"}
        command = [sys.executable, "-m", "digest", "send", "--yes", "--force", "--workspace", str(root),
                   "--week", WEEK, "--connections", "2"]
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        assert reached.wait(60), first.communicate()[1]
        workers = children_of(first.pid)
        assert workers, "the sender started no builder process"
        first.send_signal(stop)
        _, err = first.communicate(timeout=30)
        if stop == signal.SIGKILL:
            assert first.returncode == -signal.SIGKILL
        else:  # stopped as Ctrl-C stops it: rows not started went back
            assert first.returncode == 130, err
            assert "interrupted" in err
            with Ledger(root / "digest.db") as ledger:
                assert ledger.counts(WEEK)[DeliveryState.SENDING] <= 2  # one per connection
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers), "a builder outlived its sender"

        env["DIGEST_BUILD_PROCESSES"] = "2"
        again = subprocess.run([*command, "--rate", "0"], env=env, capture_output=True,
                               text=True, timeout=120, check=False)
    with Ledger(root / "digest.db") as ledger:
        counts = ledger.counts(WEEK)
        uncertain = {row.subscriber.email for row in ledger.rows(WEEK, ("uncertain",))}
    assert again.returncode == (1 if uncertain else 0), again.stderr  # uncertain: non-zero
    received = Counter(r.rcpt_tos[0] for r in handler.received)
    assert set(received) | uncertain == set(EMAILS)  # nothing lost
    assert {email for email, n in received.items() if n > 1} <= uncertain
    assert counts[DeliveryState.SENT] + counts[DeliveryState.UNCERTAIN] == len(EMAILS)
    settings = load_settings(root, env={})
    assert all(verifies(settings, r.data) for r in handler.received)

"""Many senders on one PostgreSQL ledger: three `digest send` processes share an edition of
10,000 into Postfix's smtp-sink and each recipient gets it once; one of them killed with
-9 mid-run leaves its rows to the others (in flight: uncertain once its lease runs out,
the rest sent by the others); an unsubscribe taken by a second `digest serve` stops a
pending row. And, on SQLite and PostgreSQL, what keeps senders off each other's rows: a
sender that stops gives back only its own, a stalled sender whose rows were taken sends
none of them."""

from __future__ import annotations

import asyncio
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from digest.cli.main import main
from digest.delivery.ledger import Delivery
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import RecordedProgress
from digest.errors import DeliveryPaused, ExitCode, LedgerError
from tests.support.backends import LedgerBackend
from tests.support.delivery import (
    WEEK,
    FaultHandler,
    fast_retries,
    plan_rows,
    small_message,
    smtp_for,
)
from tests.support.postgres import PostgresTestDatabase
from tests.support.senders import SECRET, finish, start, start_sender, wait_for, worker_name
from tests.support.smtp_server import SmtpServer, free_port
from tests.support.smtp_sink import SmtpSink
from tests.support.workspaces import WorkspaceFactory

SENDERS = 3
CONNECTIONS = 2  # per sender
BOUND = 2 * CONNECTIONS  # rows a sender has in flight at once (smtp-sink pipelines)


def build(delivery: Delivery) -> bytes:
    return small_message(delivery.message_id, delivery.subscriber.email)


def readers(count: int) -> list[str]:
    return [f"reader{n:05d}@tide.example" for n in range(count)]


def three_senders(root: Path, listed: list[str], url: str, sink: SmtpSink,
                  make_workspace: WorkspaceFactory,
                  delivery: str) -> tuple[Path, list[subprocess.Popen[str]]]:
    """A workspace on the PostgreSQL database at `url` sending to `sink`, its edition
    planned for `listed`, and SENDERS `digest send` processes started on it together."""
    workspace = make_workspace(root, "delivery", subscribers=listed, smtp_url=sink.url,
                               database=url, delivery=f"  senders: {SENDERS}\n{delivery}")
    return workspace, [start_sender(workspace, "--connections", str(CONNECTIONS))
                       for _ in range(SENDERS)]


@pytest.mark.slow
def test_three_senders_send_an_edition_of_10000_each_recipient_once(
        tmp_path: Path, postgres: PostgresTestDatabase, smtp_sink: SmtpSink,
        make_workspace: WorkspaceFactory) -> None:
    listed = readers(10_000)
    backend = LedgerBackend.at(postgres.url)
    began = time.monotonic()
    # Each sender keeps to a third of the rate: none can take the whole list before the
    # others have started.
    _, senders = three_senders(tmp_path / "news", listed, postgres.url, smtp_sink,
                               make_workspace, "  rate: 1500\n")
    outcomes = finish(senders)
    took = time.monotonic() - began
    for code, err in outcomes:
        assert code == ExitCode.OK, err

    received = smtp_sink.recipients()
    assert received == Counter(dict.fromkeys(listed, 1))  # every recipient exactly once
    rows = backend.details()
    assert len(rows) == len(listed) and {row.state for row in rows.values()} == {"sent"}
    assert {row.attempts for row in rows.values()} == {1}  # no row was claimed twice
    per_sender = Counter(row.worker for row in rows.values())
    assert set(per_sender) == {worker_name(sender) for sender in senders}
    assert all(count > 0 for count in per_sender.values())
    print(f"{len(listed)} recipients, {SENDERS} senders x {CONNECTIONS} connections on one "
          f"PostgreSQL ledger into smtp-sink: {took:.1f} s from start to the last exit; "
          f"rows sent per sender: {sorted(per_sender.values(), reverse=True)}")
    for sender, (_, err) in zip(senders, outcomes, strict=True):  # each says what it sent
        summary = next(line for line in err.splitlines() if line.startswith("done: "))
        assert summary.startswith(f"done: {per_sender[worker_name(sender)]} sent, 0 failed")
        print(summary)


@pytest.mark.slow
def test_a_sender_killed_mid_run_leaves_its_rows_to_the_others(
        tmp_path: Path, postgres: PostgresTestDatabase, smtp_sink: SmtpSink,
        make_workspace: WorkspaceFactory) -> None:
    listed = readers(3000)
    backend = LedgerBackend.at(postgres.url)
    # Paced (a third of 600 a second each), so that the victim holds claimed rows waiting
    # for the rate limiter when it dies; a short lease, so the others recover them soon.
    workspace, senders = three_senders(tmp_path / "news", listed, postgres.url, smtp_sink,
                                       make_workspace, "  rate: 600\n  lease: 5\n")
    victim, survivors = senders[0], senders[1:]
    name = worker_name(victim)

    def victim_sent(count: int) -> bool:
        return sum(1 for row in backend.details().values()
                   if row.worker == name and row.state == "sent") >= count

    wait_for(lambda: victim_sent(150), senders, "the victim to send 150 messages")
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=30)
    left = backend.details()  # before its lease (5 s, renewed every 1.7 s) runs out
    held = {email: row for email, row in left.items()
            if row.worker == name and row.state == "sending"}
    marked = {email for email, row in held.items() if row.in_flight}
    waiting = set(held) - marked  # claimed, its message not started
    assert len(marked) <= BOUND and waiting, held

    outcomes = finish(survivors)
    for code, err in outcomes:
        assert code in (ExitCode.OK, ExitCode.PROBLEMS), err  # 1: uncertain rows
        assert "Traceback" not in err
    final = backend.details()
    uncertain = {email for email, row in final.items() if row.state == "uncertain"}
    assert uncertain == marked  # the dead sender's in-flight rows, none other
    assert all(final[email].worker == name for email in uncertain)
    assert {row.state for email, row in final.items() if email not in uncertain} == {"sent"}
    assert all(final[email].worker != name for email in waiting)  # the others sent them
    if marked:
        assert any("another sender had in flight when it stopped are marked uncertain"
                   in err for _, err in outcomes)
    received = smtp_sink.recipients()
    assert set(received) | uncertain == set(listed)  # none lost
    assert set(received.values()) == {1}  # nothing sent twice so far

    [(code, err)] = finish([start(workspace, "retry", "--uncertain")])
    assert code == ExitCode.OK, err
    received = smtp_sink.recipients()
    assert set(received) == set(listed)
    twice = {email for email, count in received.items() if count > 1}
    assert twice <= uncertain and max(received.values()) <= 2  # no unmarked duplicate
    assert {row.state for row in backend.details().values()} == {"sent"}
    print(f"killed one of {SENDERS} senders after 150 of its messages: {len(marked)} "
          f"row(s) in flight (uncertain), {len(waiting)} claimed and sent by the others, "
          f"{len(twice)} received twice after `digest retry --uncertain`")


@pytest.fixture
def two_serves(tmp_path: Path, postgres: PostgresTestDatabase,
               make_workspace: WorkspaceFactory) -> Iterator[tuple[Path, list[int]]]:
    """A workspace on PostgreSQL and two `digest serve` processes on it, on two ports."""
    LedgerBackend.at(postgres.url)
    workspace = make_workspace(tmp_path / "news", "delivery", subscribers=readers(40),
                               database=postgres.url, delivery="  rate: 10\n")
    ports = [free_port(), free_port()]
    serves = [subprocess.Popen(
        [sys.executable, "-m", "digest", "serve", "-w", str(workspace), "--port", str(port)],
        env={**os.environ, "DIGEST_SECRET": SECRET}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for port in ports]
    try:
        for serve, port in zip(serves, ports, strict=True):
            wait_for(lambda port=port: _up(port), [serve], f"digest serve on port {port}")
        yield workspace, ports
    finally:
        for serve in serves:
            serve.terminate()
            serve.communicate(timeout=30)


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/notes/", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.slow
def test_an_unsubscribe_taken_by_a_second_serve_stops_a_pending_row(
        two_serves: tuple[Path, list[int]], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, postgres: PostgresTestDatabase) -> None:
    workspace, ports = two_serves
    listed = readers(40)
    leaver = listed[-1]  # claimed last: still pending when the run is under way
    backend = LedgerBackend.at(postgres.url)
    with SmtpServer() as server:
        monkeypatch.setenv("DIGEST_SECRET", SECRET)
        monkeypatch.setenv("DIGEST_SMTP_URL", server.url)
        # A test copy to the leaver's address carries the leaver's own unsubscribe link.
        assert main(["send", "--to", leaver, "--yes", "--force", "--workspace",
                     str(workspace), "--week", WEEK]) == 0, capsys.readouterr().err
        [copy] = server.received
        link = re.findall(r"<(https?://[^>]+)>", str(copy.message["List-Unsubscribe"]))[0]
        path = link.split("/", 3)[3]  # notes/unsubscribe/<token>
        server.handler.received.clear()

        # The child sends where DIGEST_SMTP_URL says (this process's environment).
        run = start(workspace, "send", "--yes", "--force", "--connections", "1")
        wait_for(lambda: len(server.received) >= 1, [run], "the first message")
        assert backend.rows()[leaver] == ("pending", 0)
        answer = httpx.post(f"http://127.0.0.1:{ports[1]}/{path}",
                            data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert answer.status_code == 200
        [(code, err)] = finish([run])
        assert code == ExitCode.OK, err
    assert leaver not in {r.rcpt_tos[0] for r in server.received}
    assert sorted(r.rcpt_tos[0] for r in server.received) == listed[:-1]
    rows = backend.rows()
    assert rows[leaver] == ("suppressed", 0)
    assert {state for email, (state, _) in rows.items() if email != leaver} == {"sent"}


def test_a_sender_that_stops_leaves_the_rows_another_sender_holds(
        ledger_backend: LedgerBackend) -> None:
    """Stopping, a sender gives back the rows it claimed and did not start: its own only,
    not the ones another live sender holds at that moment."""
    handler = FaultHandler()  # r554-*: refused for good
    with SmtpServer(handler) as server, ledger_backend.ledger("b") as other:
        plan_rows(other, [f"r554-{n}@tide.example" for n in range(30)])
        held = {d.subscriber.email for d in other.claim(WEEK, 6, 60).deliveries}
        with ledger_backend.ledger("a") as first, pytest.raises(DeliveryPaused):
            pool = ConnectionPool(first, WEEK, smtp_for(server.port, connections=2),
                                  "notes@tidewater.example", build, RecordedProgress(),
                                  fast_retries(pause_after_failures=3))
            asyncio.run(pool.run())
    rows = ledger_backend.details()
    assert {email for email, row in rows.items() if row.state == "sending"} == held
    assert {rows[email].worker for email in held} == {"b"}
    assert not held & set(handler.tries)


def test_a_stalled_sender_whose_rows_were_taken_sends_none_of_them(
        ledger_backend: LedgerBackend) -> None:
    """As after a stall longer than its lease: another sender recovers the rows it holds
    and claims them. Its next row's in-flight mark does not take, so it stops before that
    message leaves; the rows stay with the sender that has them now."""
    listed = [f"member{n}@tide.example" for n in range(30)]  # FaultHandler accepts these
    taken: set[str] = set()

    def recovered_by_another(count: int) -> None:
        if count == 1:  # the stalled sender holds claimed rows, one of them in flight
            with ledger_backend.ledger("b") as other:
                other.recover_abandoned(WEEK, now=math.inf)
                taken.update(d.subscriber.email for d in other.claim(WEEK, 100, 20).deliveries)

    handler = FaultHandler(on_message=recovered_by_another)
    with SmtpServer(handler) as server, ledger_backend.ledger("a") as stalled:
        plan_rows(stalled, listed)
        pool = ConnectionPool(stalled, WEEK, smtp_for(server.port, connections=1),
                              "notes@tidewater.example", build, RecordedProgress(),
                              fast_retries(rate=20.0, burst=1))
        with pytest.raises(LedgerError, match="claim on a row ran out"):
            asyncio.run(pool.run())
    [first] = [r.rcpt_tos[0] for r in handler.received]
    assert first not in taken and len(taken) == len(listed) - 1
    rows = ledger_backend.details()
    assert all(rows[email] == ("sending", 0, "b", rows[email].attempts) for email in taken)

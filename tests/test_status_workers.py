"""`digest status` per sender: rows claimed by two senders of one ledger, counted under each
sender's name in text and in --json, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest.cli.main import main
from digest.delivery.ledger import Ledger, Outcome
from digest.delivery.states import DeliveryState
from digest.storage.locations import DatabaseLocation, parse_location
from tests.support.delivery import WEEK, plan_rows
from tests.support.workspaces import WorkspaceFactory

EMAILS = [f"reader{n}@tide.example" for n in range(7)]
LEASE = 60.0


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "status-workers-secret")


def status(capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> str:
    capsys.readouterr()
    code = main(["status", "--workspace", str(workspace), "--week", WEEK, *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def ledger_of(request: pytest.FixtureRequest, engine: str, tmp_path: Path,
              make_workspace: WorkspaceFactory) -> tuple[Path, DatabaseLocation]:
    """A `delivery` workspace whose storage.database is a SQLite file or a fresh,
    migrated PostgreSQL database (started only for that case)."""
    if engine == "sqlite":
        workspace = make_workspace(tmp_path / "news", "delivery")
        return workspace, parse_location("digest.db", workspace, {})
    url = request.getfixturevalue("postgres").url
    workspace = make_workspace(tmp_path / "news", "delivery",
                               extra_config=f"storage:\n  database: {url}\n")
    assert main(["db", "migrate", "--workspace", str(workspace)]) == 0
    return workspace, parse_location(url, workspace, {})


def outcomes(claimed: list[str], *states: DeliveryState) -> list[Outcome]:
    return [Outcome(email, state, 250 if state == DeliveryState.SENT else 550, "reply")
            for email, state in zip(claimed, states, strict=True)]


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql",
                                                            marks=pytest.mark.slow)])
def test_status_counts_each_senders_rows_under_its_name(
        engine: str, request: pytest.FixtureRequest, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], make_workspace: WorkspaceFactory) -> None:
    workspace, location = ledger_of(request, engine, tmp_path, make_workspace)
    with Ledger(location, worker="a") as first, Ledger(location, worker="b") as second:
        plan_rows(first, EMAILS)
        taken_a = [d.subscriber.email for d in first.claim(WEEK, 3, LEASE).deliveries]
        taken_b = [d.subscriber.email for d in second.claim(WEEK, 3, LEASE).deliveries]
        assert len(taken_a) == len(taken_b) == 3 and not set(taken_a) & set(taken_b)
        first.record(WEEK, outcomes(taken_a, DeliveryState.SENT, DeliveryState.SENT,
                                    DeliveryState.UNCERTAIN))
        # b leaves one row claimed (still `sending`): a live sender's rows show as its own.
        second.record(WEEK, outcomes(taken_b[:2], DeliveryState.SENT, DeliveryState.FAILED))

    document = json.loads(status(capsys, workspace, "--json"))
    workers = {name: {state: n for state, n in states.items() if n}
               for name, states in document["workers"].items()}
    assert workers == {"a": {"sent": 2, "uncertain": 1},
                       "b": {"sending": 1, "sent": 1, "failed": 1}}
    assert set(document["workers"]["a"]) == set(document["counts"])  # every state, as counts
    assert document["counts"]["pending"] == 1  # never claimed: in no sender's counts

    text = status(capsys, workspace)
    table = text.split("per sender (2):\n")[1].splitlines()[:3]
    assert [line.split() for line in table] == [
        ["sender", "sending", "sent", "failed", "uncertain"],
        ["a", "0", "2", "0", "1"],
        ["b", "1", "1", "1", "0"]]


def test_status_without_claimed_rows_shows_no_sender_table(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        make_workspace: WorkspaceFactory) -> None:
    workspace = make_workspace(tmp_path / "news", "delivery")
    with Ledger(workspace / "digest.db") as ledger:
        plan_rows(ledger, EMAILS[:2])
    assert json.loads(status(capsys, workspace, "--json"))["workers"] == {}
    text = status(capsys, workspace)
    assert "pending" in text and "per sender" not in text


def test_status_says_who_paused_the_edition(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        make_workspace: WorkspaceFactory) -> None:
    workspace = make_workspace(tmp_path / "news", "delivery")
    location = parse_location("digest.db", workspace, {})
    with Ledger(location, worker="mail-2:41") as ledger:
        plan_rows(ledger, EMAILS)
        assert json.loads(status(capsys, workspace, "--json"))["paused"] is None
        ledger.pause(WEEK, "25 messages in a row were not accepted (last: 554 go away)")
    text = status(capsys, workspace)
    assert "by sender mail-2:41: 25 messages in a row were not accepted" in text
    assert "`digest send` (or weekly, retry) lifts the pause" in text
    paused = json.loads(status(capsys, workspace, "--json"))["paused"]
    assert paused["worker"] == "mail-2:41" and paused["reason"].endswith("(last: 554 go away)")

"""The lists as they are now decide: a planned row whose address has since left the audience
(row deleted, status unsubscribed, list no longer selected) is skipped with the reason,
never sent; by `digest send` and by `digest retry` alike, with the ledger on SQLite and on
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from digest.cli.main import main
from digest.delivery.ledger import Delivery
from digest.errors import ExitCode
from tests.support.backends import LedgerBackend
from tests.support.delivery import WEEK, FaultHandler
from tests.support.smtp_server import RecordingHandler, SmtpServer, free_port
from tests.support.workspaces import WorkspaceFactory, write

LIST = "subscribers/list.csv"
EVERYONE = """\
    email,name,status
    ann@tide.example,Ann,
    bob@tide.example,Bob,
    cy@tide.example,Cy,
    """
WITHOUT_BOB = """\
    email,name,status
    ann@tide.example,Ann,
    cy@tide.example,Cy,
    """
BOB_UNSUBSCRIBED = """\
    email,name,status
    ann@tide.example,Ann,
    bob@tide.example,Bob,unsubscribed
    cy@tide.example,Cy,
    """


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "departures-test-secret")
    monkeypatch.delenv("DIGEST_SMTP_URL", raising=False)


def run(capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main([*args, "--workspace", str(workspace), "--week", WEEK])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def stopped_with_everyone_pending(capsys: pytest.CaptureFixture[str], workspace: Path,
                                  backend: LedgerBackend) -> None:
    """The first run finds no server: every row stays pending."""
    code, out = run(capsys, workspace, "send", "--yes", "--force")
    assert code == ExitCode.STOPPED, out
    with backend.ledger() as ledger:
        assert ledger.counts(WEEK)["pending"] == 3


def rows(backend: LedgerBackend) -> dict[str, Delivery]:
    with backend.ledger() as ledger:
        return {row.subscriber.email: row for row in ledger.rows(WEEK)}


def _row_deleted(workspace: Path) -> None:
    write(workspace / LIST, WITHOUT_BOB)


def _unsubscribed(workspace: Path) -> None:
    write(workspace / LIST, BOB_UNSUBSCRIBED)


def _list_dropped(workspace: Path) -> None:
    config = workspace / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "lists: [list, friends]", "lists: [list]"), encoding="utf-8")


@pytest.mark.parametrize(("edit", "reason"), [
    (_row_deleted, "no longer in any list"),
    (_unsubscribed, "unsubscribed in subscribers/list.csv:3"),
    (_list_dropped, "not in the selected lists/tags"),
])
def test_a_rerun_skips_whoever_left_the_audience(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        make_workspace: WorkspaceFactory, edit: Callable[[Path], None],
        reason: str, ledger_backend: LedgerBackend) -> None:
    two_lists = edit is _list_dropped
    workspace = make_workspace(
        tmp_path / "ws", "delivery", smtp_url=f"smtp://127.0.0.1:{free_port()}",
        subscribers=WITHOUT_BOB if two_lists else EVERYONE,
        extra_config="audience:\n  lists: [list, friends]\n" if two_lists else "",
        database=ledger_backend.database)
    if two_lists:
        write(workspace / "subscribers/friends.csv", "email,name\nbob@tide.example,Bob\n")
    stopped_with_everyone_pending(capsys, workspace, ledger_backend)
    edit(workspace)

    handler = RecordingHandler()
    with SmtpServer(handler) as server:
        monkeypatch.setenv("DIGEST_SMTP_URL", server.url)
        code, out = run(capsys, workspace, "send", "--yes", "--force")
    assert code == ExitCode.OK, out
    assert "1 planned recipient(s) have left the audience since" in out
    assert "2 sent, 0 failed, 0 deferred, 0 uncertain, 0 suppressed, 1 skipped" in out
    assert sorted(r.rcpt_tos[0] for r in handler.received) == ["ann@tide.example",
                                                               "cy@tide.example"]
    ledger = rows(ledger_backend)
    assert ledger["bob@tide.example"].state == "skipped"
    assert ledger["bob@tide.example"].reply == reason
    assert ledger["ann@tide.example"].state == ledger["cy@tide.example"].state == "sent"


@pytest.mark.parametrize(("bob", "delivery", "left_as", "listing", "which", "reason"), [
    # Refused for now (451) and left deferred; then unsubscribed: `digest retry`.
    ("r451", "  retry_window: 0\n", "deferred", BOB_UNSUBSCRIBED, (),
     "unsubscribed in subscribers/list.csv:3"),
    # Lost mid-DATA (uncertain); then removed: `digest retry --uncertain` must not resend.
    ("drop", "", "uncertain", WITHOUT_BOB, ("--uncertain",), "no longer in any list"),
])
def test_retry_skips_a_reader_who_left_since(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], make_workspace: WorkspaceFactory,
        bob: str, delivery: str, left_as: str, listing: str, which: tuple[str, ...],
        reason: str, ledger_backend: LedgerBackend) -> None:
    handler = FaultHandler()
    address = f"{bob}@tide.example"
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path / "ws", "delivery", smtp_url=server.url,
                                   subscribers=EVERYONE.replace("bob@", f"{bob}@"),
                                   delivery=delivery, database=ledger_backend.database)
        run(capsys, workspace, "send", "--yes", "--force")
        assert rows(ledger_backend)[address].state == left_as
        write(workspace / LIST, listing.replace("bob@", f"{bob}@"))
        code, out = run(capsys, workspace, "retry", *which)
    assert code == ExitCode.OK, out  # nothing uncertain is left
    assert "1 skipped" in out
    row = rows(ledger_backend)[address]
    assert (row.state, row.reply) == ("skipped", reason)
    assert handler.tries[address] == 1  # not tried again


def test_a_reader_listed_again_is_owed_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        make_workspace: WorkspaceFactory, ledger_backend: LedgerBackend) -> None:
    """Skipped is not for ever: once the lists choose the address again, the row is owed
    and the next run sends it (once)."""
    workspace = make_workspace(tmp_path / "ws", "delivery",
                               smtp_url=f"smtp://127.0.0.1:{free_port()}", subscribers=EVERYONE,
                               database=ledger_backend.database)
    stopped_with_everyone_pending(capsys, workspace, ledger_backend)
    _unsubscribed(workspace)
    handler = RecordingHandler()
    with SmtpServer(handler) as server:
        monkeypatch.setenv("DIGEST_SMTP_URL", server.url)
        code, out = run(capsys, workspace, "send", "--yes", "--force")
        assert code == ExitCode.OK, out
        assert rows(ledger_backend)["bob@tide.example"].state == "skipped"
        write(workspace / LIST, EVERYONE)  # resubscribed in the list
        code, out = run(capsys, workspace, "send", "--yes", "--force")
        assert code == ExitCode.OK, out
    assert sorted(r.rcpt_tos[0] for r in handler.received) == [
        "ann@tide.example", "bob@tide.example", "cy@tide.example"]
    assert rows(ledger_backend)["bob@tide.example"].state == "sent"

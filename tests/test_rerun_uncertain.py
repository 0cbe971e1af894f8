"""A rerun that finds uncertain rows from earlier runs says so and exits non-zero until the
editor resends them (`digest retry --uncertain`); rows earlier runs finished are named as
such, not as `skipped` (a state of its own). On SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from digest.cli.main import main
from digest.cli.report import Report
from digest.errors import ExitCode
from tests.support.backends import LedgerBackend
from tests.support.delivery import WEEK, FaultHandler
from tests.support.smtp_server import SmtpServer, free_port
from tests.support.workspaces import WorkspaceFactory

READERS = ["ann@tide.example", "bob@tide.example", "cy@tide.example", "lost@tide.example"]


@dataclass
class LosesOnce(FaultHandler):
    """Closes the connection mid-DATA the first time `lost@` is sent to, then accepts."""

    lost: set[str] = field(default_factory=set)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        recipient = envelope.rcpt_tos[0]
        if recipient.startswith("lost@") and recipient not in self.lost:
            self.lost.add(recipient)
            assert server.transport is not None
            server.transport.close()
            return "451 never seen"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SECRET", "rerun-test-secret")


def run(capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*args, "--workspace", str(workspace), "--week", WEEK])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_rerun_names_earlier_uncertain_rows_and_exits_non_zero(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        make_workspace: WorkspaceFactory, ledger_backend: LedgerBackend) -> None:
    handler = LosesOnce()
    with SmtpServer(handler) as server:
        workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=READERS,
                                   smtp_url=server.url, database=ledger_backend.database)
        code, _, err = run(capsys, workspace, "send", "--yes", "--force")
        assert code == ExitCode.PROBLEMS, err
        assert "3 sent, 0 failed, 0 deferred, 1 uncertain" in err

        # The rerun sends nothing, and still: one row's fate is unknown.
        code, out, err = run(capsys, workspace, "send", "--yes", "--force", "--json")
        assert code == ExitCode.PROBLEMS, err
        assert "0 sent, 0 failed, 0 deferred, 0 uncertain" in err
        assert "earlier runs: 3 sent, 1 uncertain" in err
        assert "1 message(s) left uncertain by earlier runs" in err
        assert f"digest retry --uncertain --week {WEEK}" in err
        assert f"digest status --week {WEEK}" in err
        assert "skipped" not in err  # rows done before are not "skipped"
        summary = json.loads(out)
        assert summary["uncertain"] == {"this_run": 0, "earlier_runs": 1, "left": 1}
        assert summary["earlier_runs"]["sent"] == 3 and summary["this_run"]["sent"] == 0
        assert summary["this_run"]["skipped"] == 0 and summary["exit_code"] == 1

        code, _, err = run(capsys, workspace, "retry", "--uncertain")
        assert code == ExitCode.OK, err
        code, out, err = run(capsys, workspace, "send", "--yes", "--force", "--json")
    assert code == ExitCode.OK, err
    assert "earlier runs: 4 sent" in err and "uncertain by earlier runs" not in err
    assert json.loads(out)["uncertain"] == {"this_run": 0, "earlier_runs": 0, "left": 0}
    assert sorted({r.rcpt_tos[0] for r in handler.received}) == READERS


def test_rows_left_in_flight_by_a_stopped_run_keep_the_rerun_non_zero(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        make_workspace: WorkspaceFactory, ledger_backend: LedgerBackend) -> None:
    """As after Ctrl-C in a rate-limited run: rows the stopped run held are `sending`; the
    rerun marks them uncertain and must not call that a clean run."""
    workspace = make_workspace(tmp_path / "ws", "delivery", subscribers=READERS,
                               smtp_url=f"smtp://127.0.0.1:{free_port()}",  # nothing there
                               database=ledger_backend.database)
    code, _, err = run(capsys, workspace, "send", "--yes", "--force")
    assert code == ExitCode.STOPPED, err
    with ledger_backend.ledger() as ledger:
        assert ledger.counts(WEEK)["pending"] == len(READERS)
        # As a run stopped mid-send leaves them: claimed, their data being written.
        held = ledger.claim(WEEK, 3, lease_seconds=0.0).deliveries
        ledger.db.execute("UPDATE deliveries SET in_flight=1 WHERE state='sending'")
    assert len(held) == 3

    handler = FaultHandler()
    with SmtpServer(handler) as server:
        monkeypatch.setenv("DIGEST_SMTP_URL", server.url)
        code, out, err = run(capsys, workspace, "send", "--yes", "--force", "--json")
    assert code == ExitCode.PROBLEMS, err
    assert "3 message(s) were in flight when an earlier run stopped" in err
    assert "1 sent, 0 failed, 0 deferred, 0 uncertain" in err
    assert "3 message(s) left uncertain by earlier runs" in err
    assert json.loads(out)["uncertain"] == {"this_run": 0, "earlier_runs": 3, "left": 3}
    assert len(handler.received) == 1  # the uncertain rows are not resent silently


def test_report_counts_uncertain_rows_of_earlier_runs() -> None:
    report = Report(stream=io.StringIO(), started=0.0)
    report.planned(0, 5)
    report.finished({"sent": 4, "uncertain": 1, "skipped": 1}, {"sent": 4, "uncertain": 1})
    assert report.exit_code == ExitCode.PROBLEMS
    assert report.uncertain_earlier == 1 and report.uncertain_left == 1
    summary = report.summary()
    assert summary.startswith("0 sent, 0 failed, 0 deferred, 0 uncertain, 0 suppressed, "
                              "1 skipped; earlier runs: 4 sent, 1 uncertain")
    clean = Report(stream=io.StringIO(), started=0.0)
    clean.finished({"sent": 5, "bounced": 1}, {"sent": 5})
    assert clean.exit_code == ExitCode.OK
    assert clean.summary().startswith("0 sent, 0 failed, 0 deferred, 0 uncertain, "
                                      "0 suppressed, 1 bounced; earlier runs: 5 sent")

"""`digest subscribers` import/export/unsubscribe, and SMTPUTF8 per recipient."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from digest.audience.exports import neutralise
from digest.audience.suppressions import open_suppressions
from digest.cli.main import main
from digest.config import load_settings
from digest.errors import ConfigError
from tests.support.audience import SECRET, digest_env, run_digest
from tests.support.smtp_server import RecordingHandler, free_port
from tests.support.workspaces import WorkspaceFactory

MAILCHIMP = (
    "Email Address,First Name,Last Name,TAGS,OPTIN_TIME,MEMBER_RATING\n"
    "new.one@example.org,New,One,\"\"\"boats\"\",\"\"weekly\"\"\",2025-01-02 10:00:00,2\n"
    "una@example.org,Una,Pike,,2025-01-03 10:00:00,3\n"
    "not an address,Bad,Row,,,1\n"
)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              make_workspace: WorkspaceFactory) -> Path:
    monkeypatch.delenv("DIGEST_SECRET", raising=False)
    return make_workspace(tmp_path / "ws", "audience")


def test_import_merges_reports_rejected_rows_and_honours_unsubscribes(
        workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "mailchimp.csv"
    export.write_text(MAILCHIMP, encoding="utf-8")
    gone = tmp_path / "unsubscribed.csv"
    gone.write_text("Email Address,Status\nleft@example.org,unsubscribed\n", encoding="utf-8")
    ws = ["-w", str(workspace)]
    assert main(["subscribers", "import", str(export), "--into", "readers",
                 "--keep-columns", "OPTIN_TIME", *ws]) == 1
    out, err = capsys.readouterr()
    assert f"invalid: {export}:4: invalid email address:" in err
    assert "tracking columns left out: member_rating (keep any with --keep-columns)" in err
    assert out.splitlines() == [
        "Mailchimp export: 3 row(s)",
        "  subscribed                   1  added to subscribers/readers.csv",
        "  already listed               1  left alone",
        "  invalid                      1  not imported (lines above)"]
    assert main(["subscribers", "import", str(gone), *ws]) == 0
    assert "suppressed 1 (1 not suppressed before)" in capsys.readouterr().err
    with (workspace / "subscribers" / "readers.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [r["email"] for r in rows] == ["una@example.org", "vic@example.net",
                                          "wren@example.com", "new.one@example.org"]
    assert rows[1]["name"] == "Marsh, Vic"  # existing rows kept as they were
    assert rows[3]["name"] == "New One" and rows[3]["lists"] == "boats;weekly"
    assert rows[3]["optin_time"] == "2025-01-02 10:00:00"  # kept: asked for
    assert "member_rating" not in rows[3]  # a tracking column, not asked for
    with open_suppressions(workspace / "digest.db") as store:
        assert [(s.email, s.reason) for s in store.listing()] == [
            ("left@example.org", "unsubscribed")]


def test_import_refuses_a_target_outside_subscribers(workspace: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "x.csv"
    export.write_text(MAILCHIMP, encoding="utf-8")
    assert main(["subscribers", "import", str(export), "--into", "../x", "-w",
                 str(workspace)]) == 1
    assert "error: --into '../x': a list name must be a file name inside subscribers/" in \
        capsys.readouterr().err


def test_export_neutralises_formulas_and_filters_by_status(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workspace / "subscribers" / "more.yaml").write_text(
        "- email: calc@example.org\n  name: '=HYPERLINK(\"http://x.example\",\"y\")'\n"
        "  note: \"-2+3\"\n- email: plus@example.org\n  name: '+1 555'\n  city: '@home'\n",
        encoding="utf-8")
    ws = ["-w", str(workspace)]
    assert main(["subscribers", "unsubscribe", "vic@EXAMPLE.net", *ws]) == 0
    capsys.readouterr()
    assert main(["subscribers", "export", *ws]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    by_email = {row["email"]: row for row in rows}
    assert by_email["calc@example.org"]["name"] == "'=HYPERLINK(\"http://x.example\",\"y\")"
    assert by_email["calc@example.org"]["note"] == "'-2+3"
    assert neutralise("\tTab") == "'\tTab" and neutralise("a=b") == "a=b"
    assert by_email["plus@example.org"]["name"] == "'+1 555"
    assert by_email["plus@example.org"]["city"] == "'@home"
    assert by_email["vic@example.net"]["status"] == "unsubscribed"
    assert by_email["vic@example.net"]["suppressed_by"] == "editor"
    assert main(["subscribers", "export", "--status", "unsubscribed", *ws]) == 0
    only = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["email"] for row in only] == ["vic@example.net"]


def test_unsubscribe_and_resubscribe_by_hand(workspace: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ws = ["-w", str(workspace)]
    assert main(["subscribers", "unsubscribe", "una@example.org", *ws]) == 0
    assert main(["subscribers", "unsubscribe", "una@example.org", *ws]) == 0
    assert main(["subscribers", "count", *ws]) == 0
    out, err = capsys.readouterr()
    assert "already suppressed (unsubscribed); nothing changed" in err
    assert "next edition goes to: 2" in out
    assert main(["subscribers", "resubscribe", "una@example.org", *ws]) == 0
    assert main(["subscribers", "count", "--tag", "boats", *ws]) == 0
    assert "next edition goes to: 2" in capsys.readouterr().out  # una and wren
    assert main(["subscribers", "unsubscribe", "no-at-sign", *ws]) == 1
    assert "error: EMAIL: not a valid address" in capsys.readouterr().err


@pytest.mark.parametrize("smtputf8", [True, False])
def test_internationalised_address_needs_smtputf8_and_fails_alone(
        tmp_path: Path, smtputf8: bool, make_workspace: WorkspaceFactory) -> None:
    """Mail goes to the mailbox key, whose domain is the ASCII (A-label) form. So an IDN
    domain behind an ASCII local part (yann@) needs no SMTPUTF8 and reaches a server
    without it; a Unicode local part (zoë@) still needs SMTPUTF8, and without it only that
    recipient fails."""
    root = make_workspace(tmp_path / "ws", "audience")
    with (root / "subscribers" / "readers.csv").open("a", encoding="utf-8") as file:
        file.write("zoë@exämple.org,Zoë,weekly,\r\nyann@exämple.org,Yann,weekly,\r\n")
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        result = run_digest("weekly", "-w", str(root), "--week", "2026-W10", "--yes",
                            "--force", env=digest_env(
            DIGEST_SECRET=SECRET, DIGEST_SMTP_URL=f"smtp://127.0.0.1:{port}"))
    finally:
        controller.stop()
    received = sorted(r.rcpt_tos[0] for r in handler.received)
    ascii_readers = ["una@example.org", "vic@example.net", "wren@example.com",
                     "yann@xn--exmple-cua.org"]
    if smtputf8:
        assert result.returncode == 0, result.stderr
        assert received == [*ascii_readers, "zoë@xn--exmple-cua.org"]
    else:
        assert result.returncode == 1  # one failure, reported
        assert received == ascii_readers
        assert "4 sent, 1 failed" in result.stderr


def test_audience_in_config_refuses_paths_with_file_and_line(workspace: Path) -> None:
    config = workspace / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "audience:\n  lists:\n    - readers\n    - ../../etc/list\n",
                      encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(workspace, env={})
    assert str(caught.value) == (f"{config}:16: audience.lists: '../../etc/list' must be a "
                                 "name of a file inside subscribers/, not a path")


def test_weekly_list_and_tag_narrow_who_is_sent_to(workspace: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    ws = ["-w", str(workspace), "--week", "2026-W10"]
    assert main(["weekly", *ws, "--list", "../readers"]) == 1
    assert "error: --list '../readers': a list name must be a file name inside subscribers/" \
        in capsys.readouterr().err
    assert main(["weekly", *ws, "--tag", "boats"]) == 0
    assert "2 subscriber(s)" in capsys.readouterr().err  # una and wren, not vic

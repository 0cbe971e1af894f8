"""`digest subscribers import` end to end: counts per status, a dry run that writes nothing,
opt-outs that reach the suppression store and so no reader who left gets the edition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest.audience.suppressions import open_suppressions
from digest.cli.main import main
from tests.support.mailing import mailing_workspace
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import WorkspaceFactory

EXPORTS = Path(__file__).parent / "fixtures" / "imports"


@pytest.fixture
def workspace(tmp_path: Path, make_workspace: WorkspaceFactory, smtp_server: SmtpServer,
              monkeypatch: pytest.MonkeyPatch) -> Path:
    return mailing_workspace(tmp_path / "ws", make_workspace, smtp_server, monkeypatch)


def digest(capsys: pytest.CaptureFixture[str], workspace: Path,
           *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*args, "-w", str(workspace)])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path there."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_dry_run_prints_counts_per_status_and_writes_nothing(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(workspace)
    plain = EXPORTS / "plain.csv"
    code, out, err = digest(capsys, workspace, "subscribers", "import", str(plain),
                            "--dry-run")
    assert code == 1  # two invalid rows
    assert out.splitlines() == [
        "plain CSV export: 8 row(s)",
        "  subscribed                   1  would be added to subscribers/imported.csv",
        "  bounced                      1  suppressed (bounced)",
        "  spam                         1  suppressed (complained)",
        "  unsubscribed                 1  suppressed (unsubscribed)",
        "  pending                      1  left out: never confirmed, or paused",
        "  repeated in this file        1  counted once",
        "  invalid                      2  not imported (lines above)"]
    assert f"invalid: {plain}:8: invalid email address" in err
    assert f"invalid: {plain}:9: unknown status 'asleep'" in err
    assert "dry run: would add 1 and suppress 3; nothing written" in err
    assert snapshot(workspace) == before  # no digest.db, no imported.csv, lists unchanged
    assert "ben.ash" not in out + err and "Ava" not in out + err  # counts, not people


def test_mailchimp_dry_run_names_the_export_and_the_dropped_columns(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = digest(capsys, workspace, "subscribers", "import",
                            str(EXPORTS / "mailchimp_unsubscribed.csv"), "--dry-run")
    assert code == 0
    assert out.splitlines() == [
        "Mailchimp export (unsubscribed members): 2 row(s)",
        "  unsubscribed                 2  suppressed (unsubscribed)"]
    assert "tracking columns left out: member_rating, optin_time, optin_ip," in err
    assert not (workspace / "digest.db").exists()


def test_opt_outs_from_every_format_are_honoured_by_the_next_edition(
        workspace: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]) -> None:
    """VIC@Example.net unsubscribed at Mailchimp; vic@example.net is listed here. Mailchimp's
    cleaned export and Substack's email_disabled rows are opt-outs too: none is mailed."""
    for name in ("mailchimp_subscribed.csv", "mailchimp_unsubscribed.csv",
                 "mailchimp_cleaned.csv", "substack.csv", "buttondown.csv"):
        code, _, err = digest(capsys, workspace, "subscribers", "import", str(EXPORTS / name),
                              "--into", "imported")
        assert code == (1 if name == "substack.csv" else 0), err  # one bad email_disabled
    code, _, err = digest(capsys, workspace, "weekly", "--week", "2026-W10", "--yes", "--force")
    assert code == 0, err
    received = sorted(r for message in smtp_server.received for r in message.rcpt_tos)
    assert received == sorted([
        "una@example.org", "wren@example.com",  # listed before; vic unsubscribed
        "ida.marsh@example.org", "jon.teal@example.net",  # Mailchimp, subscribed
        "lea.quay@example.org", "rob.fenn@example.org",  # Substack, mail enabled
        "sam.holt@example.org", "tess.lane@example.net"])  # Buttondown, regular and premium
    with open_suppressions(workspace / "digest.db") as store:
        reasons = {s.email: (s.reason, s.source) for s in store.listing()}
    assert reasons["vic@example.net"] == ("unsubscribed", "import mailchimp_unsubscribed.csv")
    assert reasons["old.box@example.net"] == ("bounced", "import mailchimp_cleaned.csv")
    assert reasons["mo.dune@example.net"] == ("unsubscribed", "import substack.csv")
    assert len(reasons) == 8


def test_importing_twice_changes_nothing_the_second_time(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = str(EXPORTS / "mailchimp_subscribed.csv")
    code, out, err = digest(capsys, workspace, "subscribers", "import", export)
    assert code == 0 and "added 2 to subscribers/imported.csv" in err
    listed = (workspace / "subscribers" / "imported.csv").read_text(encoding="utf-8")
    assert listed.splitlines()[0] == "email,name,company,first_name,last_name,notes,tags"
    assert "203.0.113.7" not in listed  # OPTIN_IP and the like are not kept
    code, out, err = digest(capsys, workspace, "subscribers", "import", export)
    assert "  already listed               3  left alone" in out
    assert (workspace / "subscribers" / "imported.csv").read_text(encoding="utf-8") == listed


def test_count_shows_suppressions_by_reason(workspace: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = digest(capsys, workspace, "subscribers", "count")
    assert "suppressed: 0 (unsubscribed 0, bounced 0, complained 0, manual 0)" in out
    assert digest(capsys, workspace, "subscribers", "import",
                  str(EXPORTS / "buttondown.csv"))[0] == 0
    assert digest(capsys, workspace, "subscribers", "unsubscribe", "Una@Example.org")[0] == 0
    code, out, _ = digest(capsys, workspace, "subscribers", "count")
    assert code == 0
    assert "suppressed: 5 (unsubscribed 2, bounced 1, complained 1, manual 1)" in out
    assert "next edition goes to: 4" in out  # vic, wren, sam, tess
    code, out, _ = digest(capsys, workspace, "subscribers", "count", "--json")
    counts = json.loads(out)
    assert counts["suppressed_by_reason"] == {"unsubscribed": 2, "bounced": 1,
                                              "complained": 1, "manual": 1}
    assert counts["suppressed"] == 5 and counts["audience_suppressed"] == 1

"""The editor's safety net: `digest check` warns of placeholders and gaps, a real send
refuses them without --force, a terminal asks before mailing readers, and a send without
a terminal needs --yes. Everything runs the real command line against a real SMTP server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from digest.cli.main import main
from tests.support import ready
from tests.support.audience import digest_env, run_digest
from tests.support.smtp_server import SmtpServer
from tests.support.terminal import run_on_terminal
from tests.support.workspaces import WorkspaceFactory

pytestmark = pytest.mark.slow  # real sends in child processes

PROMPT = "now? [y/N]"


def test_check_names_every_placeholder_init_wrote(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "letter"
    assert main(["init", str(target)]) == 0
    capsys.readouterr()
    assert main(["check", "-w", str(target), "--json"]) == 0  # warnings, not problems
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == []
    found = "\n".join(report["not_ready"])
    config = target / "digest.yaml"
    for expected in (f"{config}:5: newsletter.name: 'My Newsletter' is the sample",
                     f"{config}:7: newsletter.from: ", "editor@newsletter.example",
                     f"{config}:11: newsletter.public_url: 'https://newsletter.example/digest'",
                     f"{config}:13: newsletter.postal_address: ",
                     f"{target / 'authors.yaml'}:1: 'Your Name' is the sample author",
                     f"{target / 'subscribers' / 'subscribers.csv'}: still the sample",
                     f"{target / 'content' / 'welcome.md'}: still the sample"):
        assert expected in found, expected
    assert "DKIM" not in found  # capture mails no one: no key needed yet


def test_check_names_http_public_url_missing_dkim_and_missing_bio(
        tmp_path: Path, make_workspace: WorkspaceFactory) -> None:
    root = make_workspace(tmp_path / "ws", "delivery", smtp_url="smtp://127.0.0.1:2525")
    config = root / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "https://tidewater.example/notes", "http://notes.tidewater-news.net"), encoding="utf-8")
    result = run_digest("check", "-w", str(root), "--json")
    assert result.returncode == 0, result.stderr
    found = "\n".join(json.loads(result.stdout)["not_ready"])
    assert f"{config}:6: newsletter.public_url: 'http://notes.tidewater-news.net' is not " \
           "https: Gmail and Yahoo offer one-click unsubscribe only for https links" in found
    assert f"{config}:8: no DKIM key for the relay 127.0.0.1:2525" in found
    assert "digest dkim keygen" in found
    assert f"{root / 'content' / 'gauge.md'}: Ines Marlow has no bio" in found


def test_a_relay_that_signs_needs_no_key_of_ours(tmp_path: Path,
                                                 make_workspace: WorkspaceFactory) -> None:
    root = make_workspace(tmp_path / "ws", "delivery", smtp_url="smtp://127.0.0.1:2525")
    config = root / "digest.yaml"
    with config.open("a", encoding="utf-8") as file:
        file.write("dkim:\n  relay_signs: true\n")
    result = run_digest("check", "-w", str(root), "--json")
    assert result.returncode == 0, result.stderr
    assert "DKIM" not in "\n".join(json.loads(result.stdout)["not_ready"])
    with config.open("a", encoding="utf-8") as file:
        file.write("  selector: s1\n  key: dkim/s1.pem\n")
    refused = run_digest("check", "-w", str(root))
    assert refused.returncode == 2
    assert "dkim.relay_signs: the relay signs, or digest does" in refused.stderr


def test_a_real_send_refuses_placeholders_unless_forced(tmp_path: Path,
                                                        make_workspace: WorkspaceFactory) -> None:
    with SmtpServer() as server:
        root = make_workspace(tmp_path / "ws", "delivery", smtp_url=server.url,
                              subscribers=["a@tide-readers.net", "b@tide-readers.net"])
        env = ready.env()
        refused = run_digest("weekly", "-w", str(root), "--week", "2026-W48", "--yes", env=env)
        assert refused.returncode == 2, refused.stderr
        assert "newsletter.from: 'Tidewater Notes <notes@tidewater.example>' is a " \
               "placeholder" in refused.stderr
        assert refused.stderr.rstrip().endswith(
            "not ready to send (4 to fix); fix them or pass --force; nothing was sent.")
        assert server.received == []
        forced = run_digest("weekly", "-w", str(root), "--week", "2026-W48", "--yes",
                            "--force", env=env)
        assert forced.returncode == 0, forced.stderr
        assert "(sending anyway: --force)" in forced.stderr
        assert len(server.received) == 2


def test_a_ready_workspace_sends_with_yes_and_nothing_else(tmp_path: Path) -> None:
    with SmtpServer() as server:
        root = ready.ready_workspace(tmp_path / "ws", server.url)
        checked = run_digest("check", "-w", str(root), "--json")
        assert json.loads(checked.stdout)["not_ready"] == [], checked.stdout
        result = run_digest("weekly", "-w", str(root), "--week", ready.WEEK, "--yes",
                            env=ready.env())
        assert result.returncode == 0, result.stderr
        assert sorted(r.rcpt_tos[0] for r in server.received) == sorted(ready.READERS)
        assert all(b"DKIM-Signature:" in r.data for r in server.received)


def test_without_a_terminal_a_real_send_needs_yes(tmp_path: Path) -> None:
    with SmtpServer() as server:
        root = ready.ready_workspace(tmp_path / "ws", server.url)
        result = subprocess.run(
            [sys.executable, "-m", "digest", "weekly", "-w", str(root), "--week", ready.WEEK],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, env=ready.env(),
            timeout=120, check=False)
        assert result.returncode == 2, result.stderr
        assert "error: standard input is not a terminal, so no one can confirm sending week " \
               f"{ready.WEEK} to 3 subscriber(s) through smtp://{server.host}:{server.port}: " \
               "pass --yes (timers and scripts do); nothing was sent" in result.stderr
        assert server.received == []
    assert not (root / "digest.db").exists()  # refused before the ledger was written


def test_on_a_terminal_weekly_shows_the_plan_and_sends_when_told_yes(tmp_path: Path) -> None:
    with SmtpServer() as server:
        root = ready.ready_workspace(tmp_path / "ws", server.url)
        code, printed = run_on_terminal(["weekly", "-w", str(root), "--week", ready.WEEK],
                                        ready.env(), answer_when=PROMPT, answer="y\n")
        assert code == 0, printed
        received = sorted(r.rcpt_tos[0] for r in server.received)
    before, _, after = printed.partition(PROMPT)
    assert "Saltings Weekly, week 2020-W10: 'Saltings Weekly: 2 March 2020'" in before
    assert f"to 3 subscriber(s) through smtp://{server.host}:{server.port}" in before
    assert "week 2020-W10 is in the past: this week is " in before
    assert f"preview: {root / 'out' / ready.WEEK / 'index.html'}" in before
    assert "Send to 3 subscriber(s) now? [y/N]" in printed
    assert "done: 3 sent" in after
    assert received == sorted(ready.READERS)


def test_on_a_terminal_anything_but_yes_sends_nothing(tmp_path: Path) -> None:
    with SmtpServer() as server:
        root = ready.ready_workspace(tmp_path / "ws", server.url)
        code, printed = run_on_terminal(["send", "-w", str(root), "--week", ready.WEEK],
                                        ready.env(), answer_when=PROMPT, answer="\n")
        assert code == 2, printed
        assert f"error: week {ready.WEEK}: not confirmed; nothing was sent" in printed
        assert server.received == []


def test_yes_on_a_terminal_asks_nothing(tmp_path: Path) -> None:
    with SmtpServer() as server:
        root = ready.ready_workspace(tmp_path / "ws", server.url)
        code, printed = run_on_terminal(["weekly", "--yes", "-w", str(root), "--week",
                                         ready.WEEK], ready.env())
        assert code == 0, printed
        assert PROMPT not in printed
        assert len(server.received) == 3


def test_capture_runs_never_ask(workspace: Path) -> None:
    """The README's first command: the local capture server mails no one, so a terminal
    is not asked and no --yes is needed."""
    code, printed = run_on_terminal(["weekly", "-w", str(workspace), "--week", "2026-W48"],
                                    digest_env(NO_COLOR="1"))
    assert code == 0, printed
    assert PROMPT not in printed
    assert len(list((workspace / "out" / "maildir" / "new").iterdir())) == 3


def test_a_test_copy_is_marked_and_personalised_as_the_subscriber(tmp_path: Path) -> None:
    with SmtpServer() as server:
        root = ready.ready_workspace(tmp_path / "ws", server.url)
        result = run_digest("send", "-w", str(root), "--week", ready.WEEK, "--to",
                            "proof@saltings-weekly.net", "--as", "BO@saltings-weekly.net",
                            "--json", env=ready.env())
        assert result.returncode == 0, result.stderr
        [copy] = server.received
    assert json.loads(result.stdout)["as"] == "bo@saltings-weekly.net"
    assert copy.rcpt_tos == ["proof@saltings-weekly.net"]
    message = copy.message
    assert message["Subject"] == "[TEST] Saltings Weekly: 2 March 2020"
    assert message["To"] == "Bo Lind <proof@saltings-weekly.net>"
    text = message.get_body(("plain",))
    assert text is not None and "Hello Bo Lind," in text.get_content()
    assert not (root / "digest.db").exists()  # a test copy leaves the ledger alone


def test_as_needs_to_and_a_listed_subscriber(tmp_path: Path) -> None:
    root = ready.ready_workspace(tmp_path / "ws", "smtp://127.0.0.1:2525")
    alone = run_digest("send", "-w", str(root), "--week", ready.WEEK, "--as",
                       "bo@saltings-weekly.net", env=ready.env())
    assert alone.returncode == 1
    assert "error: --as needs --to ADDRESS" in alone.stderr
    unknown = run_digest("send", "-w", str(root), "--week", ready.WEEK, "--to",
                         "proof@saltings-weekly.net", "--as", "nobody@saltings-weekly.net",
                         env=ready.env())
    assert unknown.returncode == 1
    assert "error: --as nobody@saltings-weekly.net: not on any list in subscribers/" \
        in unknown.stderr


def test_weekly_dry_run_writes_previews_and_sends_nothing(tmp_path: Path) -> None:
    with SmtpServer() as server:
        root = ready.ready_workspace(tmp_path / "ws", server.url)
        result = run_digest("weekly", "-w", str(root), "--week", ready.WEEK, "--dry-run",
                            "--json", env=digest_env())
        assert result.returncode == 0, result.stderr
        assert server.received == []
    summary = json.loads(result.stdout)
    assert summary["dry_run"]["recipients"] == 3 and summary["dry_run"]["owed"] == 3
    assert (root / "out" / ready.WEEK / "index.html").is_file()
    assert not (root / "digest.db").exists()

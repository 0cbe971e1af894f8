"""What every command shares: global options before or after the command's name,
--quiet and --verbose, colour only on a terminal and never under NO_COLOR, --json
summaries, and shell completion generated from the parser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from digest.cli.main import main
from tests.support.audience import digest_env, run_digest
from tests.support.terminal import run_on_terminal

YELLOW = "\x1b[33mwarning:\x1b[0m"


@pytest.fixture
def letter(tmp_path: Path) -> Path:
    """A fresh `digest init` workspace: its placeholders give `check` warnings to show."""
    target = tmp_path / "letter"
    assert main(["init", str(target)]) == 0
    return target


def test_workspace_and_loudness_go_before_or_after_the_command(
        letter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["-w", str(letter), "-q", "check"]) == 0
    quiet = capsys.readouterr().err
    assert main(["check", "-w", str(letter), "--quiet"]) == 0
    assert capsys.readouterr().err == quiet
    assert "warning:" in quiet  # warnings survive --quiet
    assert "checked 1 article(s)" not in quiet  # the all-is-well summary does not
    assert main(["-w", str(letter), "subscribers", "count"]) == 0
    assert "next edition goes to: 2" in capsys.readouterr().out


def test_quiet_and_verbose_together_are_a_usage_error(letter: Path) -> None:
    result = run_digest("-q", "check", "-w", str(letter), "--verbose")
    assert result.returncode == 2
    assert "--quiet and --verbose do not go together" in result.stderr


def test_verbose_says_more(workspace: Path) -> None:
    normal = run_digest("weekly", "-w", str(workspace), "--week", "2026-W48", "--dry-run")
    verbose = run_digest("weekly", "-w", str(workspace), "--week", "2026-W48", "--dry-run",
                         "-v")
    assert normal.returncode == verbose.returncode == 0
    assert f"workspace {workspace}" in verbose.stderr
    assert f"workspace {workspace}" not in normal.stderr


def test_colour_on_a_terminal_unless_no_color(letter: Path) -> None:
    env = {k: v for k, v in digest_env().items() if k not in ("NO_COLOR", "TERM")}
    code, printed = run_on_terminal(["check", "-w", str(letter)], env)
    assert code == 0, printed
    assert YELLOW in printed
    code, printed = run_on_terminal(["check", "-w", str(letter)], {**env, "NO_COLOR": "1"})
    assert code == 0 and "\x1b[" not in printed and "warning:" in printed
    code, printed = run_on_terminal(["check", "-w", str(letter), "--color", "never"], env)
    assert "\x1b[" not in printed


def test_no_colour_in_a_pipe_unless_asked(letter: Path) -> None:
    piped = run_digest("check", "-w", str(letter), env=digest_env())
    assert "\x1b[" not in piped.stderr
    forced = run_digest("check", "-w", str(letter), "--color", "always",
                        env=digest_env(NO_COLOR="1"))
    assert YELLOW in forced.stderr  # an explicit --color wins over NO_COLOR


def test_json_summaries(workspace: Path) -> None:
    count = run_digest("subscribers", "count", "-w", str(workspace), "--json")
    assert json.loads(count.stdout)["next_edition"] == 3
    weekly = run_digest("weekly", "-w", str(workspace), "--week", "2026-W48", "--json")
    assert weekly.returncode == 0, weekly.stderr
    summary = json.loads(weekly.stdout)
    assert (summary["command"], summary["week"], summary["relay"]) == (
        "weekly", "2026-W48", "capture")
    assert summary["this_run"]["sent"] == 3 and summary["ledger"]["sent"] == 3
    assert summary["exit_code"] == 0
    again = run_digest("send", "-w", str(workspace), "--week", "2026-W48", "--json")
    rerun = json.loads(again.stdout)
    assert rerun["this_run"] == {
        "sent": 0, "failed": 0, "uncertain": 0, "suppressed": 0, "deferred": 0, "bounced": 0,
        "complained": 0, "skipped": 0}
    assert rerun["earlier_runs"]["sent"] == 3
    assert rerun["uncertain"] == {"this_run": 0, "earlier_runs": 0, "left": 0}
    check = run_digest("check", "-w", str(workspace), "--json")
    assert json.loads(check.stdout)["subscribers"] == 3


def _bash_complete(script: str, *words: str) -> list[str]:
    """COMPREPLY of the generated bash function for the command line `words` (the last
    word is the one being completed)."""
    program = (f"{script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)}); "
               f"COMP_CWORD={len(words) - 1}; _digest; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True,
                            timeout=30, check=True)
    return result.stdout.split()


def test_bash_completion_follows_the_parser() -> None:
    script = run_digest("completion", "bash").stdout
    assert _bash_complete(script, "digest", "sch") == ["schedule"]
    assert _bash_complete(script, "digest", "weekly", "--y") == ["--yes"]
    assert _bash_complete(script, "digest", "-w", "/tmp", "weekly", "--dr") == ["--dry-run"]
    assert _bash_complete(script, "digest", "subscribers", "co") == ["count"]
    assert _bash_complete(script, "digest", "--color", "") == ["auto", "always", "never"]
    assert _bash_complete(script, "digest", "completion", "") == ["bash", "zsh"]
    assert "--as" in _bash_complete(script, "digest", "send", "--")


@pytest.mark.skipif(shutil.which("zsh") is None and os.environ.get("CI") != "true",
                    reason="zsh is not installed (Debian package zsh; .ci/run installs it)")
def test_zsh_completion_follows_the_parser(tmp_path: Path) -> None:
    script = tmp_path / "_digest"
    script.write_text(run_digest("completion", "zsh").stdout, encoding="utf-8")
    subprocess.run(["zsh", "-n", str(script)], check=True, timeout=30)
    # Outside a completion widget compadd and _describe cannot run: stand-ins print what
    # the function hands them.
    program = (f"compdef() {{ }}; source {script}; "
               "compadd() { print -r -- \"${(@)argv:#--}\"; }; "
               "_describe() { print -rl -- \"${(@P)argv[-1]}\"; }; _files() { print FILES; }; "
               "words=(digest subscribers ''); CURRENT=3; _digest; "
               "words=(digest weekly --y); CURRENT=3; _digest")
    result = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True,
                            timeout=30, check=True)
    lines = result.stdout.splitlines()
    assert "count:how many subscribers, by list, status and audience" in lines
    assert "--yes" in lines[-1].split()
